-- wrk script: POST /v1/checks with a model body, as an API client does.
--
--   TOKEN=$(plancheck token --role client --sub acme --data-dir D) \
--   MODEL=tests/fixtures/models/bench-1k-ifc4-mm.ifc \
--   wrk -t1 -c4 -d20s --latency -s tests/benches/post.lua http://127.0.0.1:PORT
--
-- Environment:
--   TOKEN  a client token for the server (required)
--   MODEL  the model file (default: the 1,000-element IFC4 bench model), or
--          `none` for an empty body (a re-check by digest: QUERY then has
--          `model=sha256:...`)
--   PREFER a Prefer header to send (e.g. `return=minimal`), if set
--   QUERY  the request path and query (default below: the two US packs named
--          explicitly, not `jurisdiction=US`, so the work per request does
--          not change when another US pack is installed)
--
-- Every request sends the same bytes, so with the result cache on, all but
-- the first are cache hits; with `--cache-enabled false` every request
-- parses the model and runs the packs. Either way each 200 is a validation
-- written to the store and flushed before the response.
--
-- The done() hook prints one machine-readable line that
-- scripts/bench-server.sh reads (latencies in microseconds):
--   RESULT requests=N rps=R p50=US p90=US p99=US max=US non2xx=N errors=N

local model = os.getenv("MODEL") or "tests/fixtures/models/bench-1k-ifc4-mm.ifc"
local token = os.getenv("TOKEN")
assert(token and #token > 0, "post.lua: set TOKEN to a client token")

wrk.method = "POST"
wrk.path = os.getenv("QUERY")
    or "/v1/checks?project=bench&pack=us-ibc-2021&pack=us-irc-2021&name=bench-1k-ifc4-mm.ifc"
wrk.headers["Authorization"] = "Bearer " .. token
if model ~= "none" then
  local f = assert(io.open(model, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/x-step"
else
  wrk.headers["Content-Length"] = "0"
end
local prefer = os.getenv("PREFER")
if prefer and #prefer > 0 then
  wrk.headers["Prefer"] = prefer
end

-- Shared with get.lua: the summary line.
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50=%d p90=%d p99=%d max=%d non2xx=%d errors=%d\n",
    summary.requests, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
