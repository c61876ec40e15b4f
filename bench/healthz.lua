-- wrk script for bench/ballots.sh with HEALTHZ_LUA=1: builds each GET /healthz in Lua, as
-- ballots.lua builds each ballot, so that the load generator costs alike in both runs.
function request()
  return wrk.format("GET", "/healthz")
end
