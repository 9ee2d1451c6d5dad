-- wrk script for scripts/load.sh: every connection cycles through a mix of
-- the daemon's endpoints (Flagger webhooks, the verdict API, the report
-- pages, /metrics) for the canaries load/api and load/api-1 .. api-(N-1),
-- N the first script argument (wrk ... -s bench/load_mix.lua URL -- N).
-- Webhooks are rollout and confirm-traffic-increase only: neither ends a run
-- (confirm-promotion would end load/api once it passes). done() prints one
-- line "LOAD_RESULT key=value ..." that scripts/load.sh parses: requests,
-- answers by status code, wrk's socket errors, p50/p99/max latency in ms.
local reqs = {}
counts = {}  -- global: done() reads it from each thread (thread:get)
local threads = {}

local function webhook(hook, name)
  local body = string.format('{"name":"%s","namespace":"load","checksum":"rev-load"}', name)
  return wrk.format("POST", "/flagger/" .. hook, {["Content-Type"] = "application/json"}, body)
end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(args[1] or "20")
  for i = 0, n - 1 do
    local name = i == 0 and "api" or ("api-" .. i)
    table.insert(reqs, webhook("rollout", name))
    table.insert(reqs, webhook("confirm-traffic-increase", name))
    table.insert(reqs, wrk.format("GET", "/api/v1/runs/load/" .. name))
    if i % 4 == 0 then
      table.insert(reqs, wrk.format("GET", "/runs/load/" .. name))
      table.insert(reqs, wrk.format("GET", "/api/v1/runs"))
      table.insert(reqs, wrk.format("GET", "/metrics"))
      table.insert(reqs, wrk.format("GET", "/"))
    end
  end
  -- Each connection starts at another place in the mix.
  next_req = math.random(#reqs)
end

function request()
  next_req = next_req % #reqs + 1
  return reqs[next_req]
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for status, n in pairs(c) do all[status] = (all[status] or 0) + n end
  end
  local codes = {}
  for status, n in pairs(all) do table.insert(codes, status .. ":" .. n) end
  table.sort(codes)
  local e = summary.errors
  io.write(string.format(
    "LOAD_RESULT requests=%d duration_s=%.1f codes=%s connect=%d read=%d write=%d timeout=%d "
      .. "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, summary.duration / 1e6, table.concat(codes, ","), e.connect, e.read,
    e.write, e.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
