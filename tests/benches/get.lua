-- wrk script: a GET baseline on the same server as post.lua (`/healthz`, or
-- a stored validation), with the same machine-readable summary line.
--
--   wrk -t1 -c4 -d20s --latency -s tests/benches/get.lua http://127.0.0.1:PORT/healthz
--   TOKEN=... wrk ... -s tests/benches/get.lua http://127.0.0.1:PORT/v1/validations/ID
--
-- Environment: TOKEN, if set, is sent as `Authorization: Bearer`.
--
-- Prints (latencies in microseconds):
--   RESULT requests=N rps=R p50=US p90=US p99=US max=US non2xx=N errors=N

local token = os.getenv("TOKEN")
if token and #token > 0 then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50=%d p90=%d p99=%d max=%d non2xx=%d errors=%d\n",
    summary.requests, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
