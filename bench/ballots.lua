-- wrk script for bench/ballots.sh: each connection posts distinct ballot codes read from
-- the file named by the first script argument; the codes are split between the threads.
local threads = {}
local codes = {}
local next_code = 0
local spare

function setup(thread)
  thread:set("index", #threads)
  thread:set("count", 0)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  local nthreads = tonumber(args[2])
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == index then
      codes[#codes + 1] = line
    end
    i = i + 1
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  -- Each request is built once here, so that sending costs the load generator as little
  -- as it can: it shares the machine with the server.
  for i, code in ipairs(codes) do
    codes[i] = wrk.format(nil, "/api/v1/ballots", nil,
      '{"code":"' .. code .. '","verdict":"satisfied","comment":""}')
  end
  spare = wrk.format(nil, "/api/v1/ballots", nil,
    '{"code":"ABCDEFGHJ","verdict":"satisfied","comment":""}')
end

function request()
  next_code = next_code + 1
  return codes[next_code] or spare
end
