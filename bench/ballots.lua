-- wrk script for bench/ballots.sh: each connection posts distinct ballot codes read from
-- the file named by the first script argument; the codes are split between the threads.
local threads = {}
local codes = {}
local next_code = 0

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
end

function request()
  next_code = next_code + 1
  local code = codes[next_code] or "ABCDEFGHJ"
  return wrk.format(nil, "/api/v1/ballots", nil,
    '{"code":"' .. code .. '","verdict":"satisfied","comment":""}')
end
