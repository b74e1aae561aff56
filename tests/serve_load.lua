-- wrk script for tests/serve_load.sh: cycles through the queries of a file
-- (one per line), each wrk thread starting at another line, and prints the
-- figures the shell script reads.  Run as:
--   wrk -s serve_load.lua http://127.0.0.1:PORT -- QUERIES_FILE K

local queries, k = {}, "10"
local counter = 0

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local path = args[1] or "tests/serve_queries.txt"
  k = args[2] or "10"
  for line in io.lines(path) do
    if #line > 0 then queries[#queries + 1] = urlencode(line) end
  end
  if #queries == 0 then error("no queries in " .. path) end
  counter = math.random(#queries)
end

function request()
  counter = counter % #queries + 1
  return wrk.format("GET", "/search?k=" .. k .. "&q=" .. queries[counter])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
    .. "non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end
