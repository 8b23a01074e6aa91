-- wrk script for the record runs of bench/server/run.sh, with the session
-- token from COFFER_BENCH_AUTH and the zone from COFFER_BENCH_ZONE.
--   COFFER_BENCH_MODE=put: each request writes a new record (version 0)
--     of COFFER_BENCH_SIZE bytes (base64url in the JSON body); record ids
--     are the thread's number and a counter, so no two requests collide
--     and none gets 409.
--   COFFER_BENCH_MODE=get: requests read records 0..COFFER_BENCH_RECORDS-1
--     (made beforehand by run.sh, ids 0..0<n>) in turn.
local auth = os.getenv("COFFER_BENCH_AUTH")
local zone = os.getenv("COFFER_BENCH_ZONE")
local mode = os.getenv("COFFER_BENCH_MODE") or "get"
local nrec = tonumber(os.getenv("COFFER_BENCH_RECORDS") or "64")
local size = tonumber(os.getenv("COFFER_BENCH_SIZE") or "256")
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

local body, n

function init(args)
	wrk.headers["Authorization"] = auth
	-- size bytes in base64url: 4 characters per 3 bytes.
	local b64 = string.rep("A", math.floor((size + 2) / 3) * 4 - (3 - size % 3) % 3)
	body = '{"data":"' .. b64 .. '","version":0}'
	n = 0
end

function request()
	n = n + 1
	if mode == "put" then
		local id = string.format("%08x%024x", tid, n)
		-- Headers given to wrk.format replace wrk.headers: all of them.
		return wrk.format("PUT", "/v1/zones/" .. zone .. "/records/" .. id,
		    { ["Authorization"] = auth,
		      ["Content-Type"] = "application/json" }, body)
	end
	local id = string.format("%032x", n % nrec)
	return wrk.format("GET", "/v1/zones/" .. zone .. "/records/" .. id)
end
