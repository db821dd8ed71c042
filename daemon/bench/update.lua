-- wrk: PATCH one service's backend weights back and forth, a real change each
-- time. CVS_SERVICE_IDS holds the ids to spread over (one per connection).
local ids, n = {}, 0

function init(args)
  for id in string.gmatch(os.getenv("CVS_SERVICE_IDS"), "[^,]+") do
    table.insert(ids, id)
  end
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("CVS_TOKEN")
  wrk.headers["Content-Type"] = "application/merge-patch+json"
end

function request()
  n = n + 1
  local body = string.format(
    '{"backends":[{"address":"10.9.0.1","port":8080,"weight":%d},{"address":"10.9.0.2","port":8080}]}',
    1 + n % 2)
  return wrk.format("PATCH", "/api/v1/services/" .. ids[1 + n % #ids], nil, body)
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx answers: %d\n", summary.errors.status))
end
