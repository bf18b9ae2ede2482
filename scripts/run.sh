#!/usr/bin/env bash
# The main job: set up, build the host and the rule packs, start
# `plancheck serve` on embedded defaults (sled store and compiled packs in
# .plancheck/, in-process cache, a development signing key it generates),
# check the bundled sample model through the API as a client would, print
# how to use it, and keep serving until Ctrl-C.
#
#   ./scripts/run.sh            # serve until Ctrl-C
#   ./scripts/run.sh --once     # stop after the sample check (smoke test)
#
# PLANCHECK_LISTEN (default 127.0.0.1:8080) and the other PLANCHECK_*
# settings of docs/configuration.md apply.
set -euo pipefail
cd "$(dirname "$0")/.."
once=false
[ "${1:-}" = "--once" ] && once=true

./scripts/setup.sh
./scripts/build-packs.sh
cargo build --release -p plancheck

bin=target/release/plancheck
sample=tests/fixtures/models/house-ifc4-mm.ifc
listen=${PLANCHECK_LISTEN:-127.0.0.1:8080}
log=.plancheck/serve.log
mkdir -p .plancheck

"$bin" packs
echo
echo "== plancheck serve --listen $listen   (logs: $log)"
"$bin" serve --listen "$listen" > >(tee "$log" | grep -v '^{' ) &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT INT TERM

base="http://$listen"
for _ in $(seq 1 600); do
    if curl -fs "$base/readyz" > /dev/null 2>&1; then break; fi
    if ! kill -0 $server 2>/dev/null; then echo "run: the server exited" >&2; exit 2; fi
    sleep 0.2
done
curl -fsS "$base/readyz"; echo

token=$("$bin" token --role client --sub sample-user)
echo
echo "== POST /v1/checks?jurisdiction=US (the sample model, as a client)"
reply=$(curl -sS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/x-step' \
    --data-binary @"$sample" "$base/v1/checks?project=sample&jurisdiction=US&name=house-ifc4-mm.ifc")
echo "$reply" | python3 -c '
import json, sys
v = json.load(sys.stdin)
if "id" not in v:
    print(json.dumps(v, indent=2)); sys.exit(2)
print("validation %s stored (%s), cached=%s" % (v["id"], v["created_at"], v["cached"]))
print("summary:", v["summary"])
for p in v["report"]["packs"]:
    for f in p["findings"]:
        if f["outcome"] == "violation":
            c = f.get("citation") or {}
            cite = " ".join(str(c.get(k, "")) for k in ("code", "edition", "section"))
            print("  %s %s: %s  [%s]" % (p["pack"], f["rule"], f["message"], cite))
'
echo
echo "== The same model again is a cache hit:"
curl -sS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/x-step' \
    --data-binary @"$sample" "$base/v1/checks?project=sample&jurisdiction=US" \
    | python3 -c 'import json,sys; v=json.load(sys.stdin); print("cached =", v["cached"], " id =", v["id"])'

cat <<EOF

run: plancheck serve is listening on $base
  token:     TOKEN=\$($bin token --role client --sub you)
  check:     curl -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/x-step' --data-binary @model.ifc '$base/v1/checks?jurisdiction=US'
  history:   curl -H "Authorization: Bearer \$TOKEN" $base/v1/projects/default/validations
  live:      ws://$listen/v1/live/PROJECT/BUILDING?access_token=\$TOKEN   (docs/live.md)
  packs:     curl -H "Authorization: Bearer \$TOKEN" $base/v1/packs/status   (sign, publish, activate, roll back: docs/publishing.md)
  metrics:   curl $base/metrics      OpenAPI: curl $base/openapi.json
EOF
if $once; then
    exit 0
fi
echo "Ctrl-C to stop."
wait $server
