-- wrk script: POST /v1/events with a fresh event id on every request
-- (ids carry the thread's address so that threads never collide).
-- KANSA_TOKEN must hold a service or admin token.
local token = os.getenv("KANSA_TOKEN")
local counter = 0
request = function()
  counter = counter + 1
  local id = "bench-" .. tag .. "-" .. counter
  local body = string.format(
    '{"id":"%s","type":"deposit","time":"2024-06-01T00:%02d:%02dZ","customer":"c%d","asset":"JPY","amount":"%d"}',
    id, math.floor(counter / 60) % 60, counter % 60, counter % 500, 1000 + counter % 9000)
  return wrk.format("POST", "/v1/events", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
-- Each thread gets its own tag: the run's start time and its number.
local threads = 0
local run = tostring(os.time())
setup = function(thread)
  threads = threads + 1
  thread:set("tag", run .. "t" .. threads)
end
