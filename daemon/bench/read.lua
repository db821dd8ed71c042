-- wrk: GET one service, spread over CVS_SERVICE_IDS.
local ids, n = {}, 0

function init(args)
  for id in string.gmatch(os.getenv("CVS_SERVICE_IDS"), "[^,]+") do
    table.insert(ids, id)
  end
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("CVS_TOKEN")
end

function request()
  n = n + 1
  return wrk.format("GET", "/api/v1/services/" .. ids[1 + n % #ids], nil, nil)
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx answers: %d\n", summary.errors.status))
end
