-- side-by-side.lua: the wrk load of bench/side-by-side.sh, the same for etcd and RaftActors.
--
-- SBS_OP picks the request shape:
--   raft-set    POST /raft/api/set   {"key":K,"value":V}                (the URL gives the path)
--   raft-get    GET  /raft/api/get?key=... (the URL gives path and key; linearizable by default)
--   etcd-put    POST /v3/kv/put      {"key":base64(K),"value":base64(V)}
--   etcd-range  POST /v3/kv/range    {"key":base64(SBS_READ_KEY)}       (linearizable by default)
-- Writes use a new key every request: 16 ASCII bytes = SBS_PREFIX (6 chars, new for every wrk run)
-- .. thread id (2 digits) .. per-thread counter (8 digits), so keys never repeat across threads or runs.
-- Values are 100 ASCII bytes. Reads ask for one key written before the run.
--
-- done() prints one line for the script to parse:
--   SBSRESULT rps=<req/s> p50_ms=<ms> p99_ms=<ms> errors=<n> requests=<n> non2xx=<n> socket=<n>
-- errors = answers outside 200-299 (counted here, since wrk itself counts only >= 400) + socket errors.

local op     = os.getenv("SBS_OP") or "raft-set"
local prefix = string.sub((os.getenv("SBS_PREFIX") or "sbs000") .. "000000", 1, 6)
local value  = string.rep("v", 100)

-- base64 with arithmetic only, so it runs on plain Lua 5.1 as well as LuaJIT.
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local d1, d2 = math.floor(n / 262144) % 64, math.floor(n / 4096) % 64
    local d3, d4 = math.floor(n / 64) % 64, n % 64
    out[#out + 1] = alphabet:sub(d1 + 1, d1 + 1) .. alphabet:sub(d2 + 1, d2 + 1)
      .. (b and alphabet:sub(d3 + 1, d3 + 1) or "=") .. (c and alphabet:sub(d4 + 1, d4 + 1) or "=")
  end
  return table.concat(out)
end

-- setup() runs in the main Lua state, once per thread: number the threads and keep them for done().
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

-- Everything below runs in each thread's own Lua state.
local counter = 0
non2xx = 0

local function next_key()
  counter = counter + 1
  return string.format("%s%02d%08d", prefix, (tid or 0) % 100, counter)
end

local json = { ["Content-Type"] = "application/json" }
local value_b64 = b64(value)

if op == "raft-set" then
  function request()
    return wrk.format("POST", nil, json, '{"key":"' .. next_key() .. '","value":"' .. value .. '"}')
  end
elseif op == "etcd-put" then
  function request()
    return wrk.format("POST", nil, json, '{"key":"' .. b64(next_key()) .. '","value":"' .. value_b64 .. '"}')
  end
elseif op == "etcd-range" then
  -- One fixed request: wrk builds it once.
  wrk.method, wrk.headers["Content-Type"] = "POST", "application/json"
  wrk.body = '{"key":"' .. b64(os.getenv("SBS_READ_KEY") or "") .. '"}'
elseif op ~= "raft-get" then
  error("unknown SBS_OP " .. op)
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  io.write(string.format("SBSRESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d requests=%d non2xx=%d socket=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    bad + socket, summary.requests, bad, socket))
end
