-- wrk script of the cronbeat benches: counts the 2xx answers (wrk only counts >= 400 as
-- errors) and prints its figures as `wrk_<name> <value>` lines for bench/harness.py.
-- Configured by the environment:
--   WRK_METHOD      GET (default) or POST
--   WRK_BODY_BYTES  a body of this many bytes with every request (default none)
--   WRK_TOKENS      a file of ping tokens, one a line: each request takes one at random...
--   WRK_PREFIX      ...and asks for WRK_PREFIX .. token (e.g. /api/v1/heartbeat/)

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local tokens_file = os.getenv("WRK_TOKENS")
local prefix = os.getenv("WRK_PREFIX") or "/"
local tokens = {}

function init(args)
  ok = 0
  wrk.method = os.getenv("WRK_METHOD") or "GET"
  local size = tonumber(os.getenv("WRK_BODY_BYTES") or "0")
  if size > 0 then
    wrk.body = string.rep("x", size)
    wrk.headers["Content-Type"] = "text/plain"
  end
  if tokens_file then
    for line in io.lines(tokens_file) do tokens[#tokens + 1] = line end
    math.randomseed(os.time() * 100 + id)
  end
end

if tokens_file then
  request = function()
    return wrk.format(nil, prefix .. tokens[math.random(#tokens)])
  end
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 end
end

function done(summary, latency, requests)
  local answered = 0
  for _, thread in ipairs(threads) do answered = answered + thread:get("ok") end
  local e = summary.errors
  io.write(string.format("wrk_requests %d\n", summary.requests))
  io.write(string.format("wrk_ok %d\n", answered))
  io.write(string.format("wrk_duration_us %d\n", summary.duration))
  io.write(string.format("wrk_errors %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("wrk_p50_us %d\n", latency:percentile(50)))
  io.write(string.format("wrk_p99_us %d\n", latency:percentile(99)))
end
