-- wrk: create a service, then delete it, over and over (POST then DELETE).
-- The map set holds a bounded number of services, so creates are paired with
-- deletes; each thread keeps the ids it created and deletes them in turn.
-- Non-2xx answers are reported at the end.
local counter, thread_id = 0, 0
local created = {}
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tid
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("CVS_TOKEN")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local id = table.remove(created, 1)
  if id then
    return wrk.format("DELETE", "/api/v1/services/" .. id, nil, nil)
  end
  counter = counter + 1
  -- (run, thread, counter) -> a unique name and (VIP, port) from
  -- 203.0.113.0/24: a run must not collide with what an earlier run left
  -- created but not yet deleted when it stopped.
  local run = tonumber(os.getenv("CVS_RUN") or "0")
  local body = string.format(
    '{"name":"r%d-t%d-%d","vip":"203.0.113.%d","port":%d,"protocol":"TCP",' ..
    '"backends":[{"address":"10.9.0.1","port":8080},{"address":"10.9.0.2","port":8080,"weight":2}]}',
    run, thread_id, counter, 1 + (run * 4 + thread_id) % 254, 1 + counter % 65535)
  return wrk.format("POST", "/api/v1/services", nil, body)
end

unexpected = ""

function response(status, headers, body)
  if status == 201 then
    local location = headers["Location"] or headers["location"]
    table.insert(created, location:match("([^/]+)$"))
  elseif status ~= 204 then
    unexpected = unexpected .. status .. " " .. string.sub(body or "", 1, 200) .. "\n"
  end
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx answers: %d\n", summary.errors.status))
  for _, t in ipairs(threads) do
    io.write(t:get("unexpected"))
  end
end
