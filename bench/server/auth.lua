-- wrk script for the cofferd runs of bench/server/run.sh: every request
-- carries the session token (Authorization: Bearer), taken from the
-- environment so that it never appears on a command line. No response()
-- hook: wrk then reads bodies without handing them to Lua, as it does for
-- the nginx runs, so both servers are measured by the same client.
local auth = os.getenv("COFFER_BENCH_AUTH")
if auth ~= nil and auth ~= "" then
	wrk.headers["Authorization"] = auth
end
