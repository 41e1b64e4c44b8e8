-- wrk script for bench/http_bench.py; what each request looks like comes from the environment:
--   BENCH_MODE   random_id (GET BENCH_PATH..<a random line of BENCH_IDS>) | post | fhir | fixed (GET BENCH_PATH)
--   BENCH_BODY   file holding the POST body; "__ID__" is replaced by an identifier unique to the request,
--                "__GIVEN__", "__FAMILY__" and "__BIRTH__" by a random patient (a partner refers many patients:
--                one patient sent again and again would measure the duplicate check's per-patient lock)
--   BENCH_TOKEN  bearer token, when the app wants one
--   BENCH_RUN    run label, so identifiers never repeat across runs
--   BENCH_DELAY_MS  optional pause before each request on a connection (paced load, bench/soak_rss.py)
local mode = os.getenv("BENCH_MODE") or "fixed"
local path = os.getenv("BENCH_PATH") or "/"
local token = os.getenv("BENCH_TOKEN") or ""
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local fhir_system = os.getenv("BENCH_FHIR_SYSTEM") or "urn:refloop:bench-fhir"

local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if delay_ms > 0 then
  function delay() return delay_ms end
end

local threads = 0
local ids = {}
local template = nil
local headers = {}
local counter = 0
local given = {"Maria", "James", "Aisha", "Wei", "Olga", "Carlos", "Priya", "John", "Fatima", "Lena"}
local family = {"Lopez", "Smith", "Okafor", "Chen", "Ivanova", "Garcia", "Patel", "Brown", "Haddad", "Novak"}

local function patient(body)
  local birth = string.format("%04d-%02d-%02d", math.random(1930, 2015), math.random(1, 12), math.random(1, 28))
  body = body:gsub("__GIVEN__", given[math.random(#given)])
  body = body:gsub("__FAMILY__", family[math.random(#family)] .. "-" .. tostring(math.random(1, 1000000)))
  return (body:gsub("__BIRTH__", birth))
end

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  math.randomseed(os.time() * 100 + (tid or 0))
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  if mode == "random_id" then
    for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
  elseif mode == "post" or mode == "fhir" then
    local f = assert(io.open(os.getenv("BENCH_BODY"), "r"))
    template = f:read("*a")
    f:close()
    headers["Content-Type"] = (mode == "fhir") and "application/fhir+json" or "application/json"
  end
end

function request()
  if mode == "random_id" then
    return wrk.format("GET", path .. ids[math.random(#ids)], headers)
  elseif mode == "post" or mode == "fhir" then
    counter = counter + 1
    local ident = run .. "-" .. tostring(tid) .. "-" .. tostring(counter)
    local body = patient((template:gsub("__ID__", ident)))
    if mode == "fhir" then
      headers["If-None-Exist"] = "identifier=" .. fhir_system .. "|" .. ident
    end
    return wrk.format("POST", path, headers, body)
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
