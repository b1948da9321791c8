-- wrk script: POST /v1/screen with names that vary per request.
-- KANSA_TOKEN must hold a token (any role).
local names = {
  "Ri Won Ho", "Kim Jong Un", "Vladimir Putin", "Taro Yamada", "Maria Garcia",
  "Mohammed Ali Hassan", "Ivan Petrov", "Li Wei", "John Smith", "Hezbollah",
  "Banco Nacional de Cuba", "Sato Hiroshi", "Anna Schmidt", "Abdul Rahman", "Chen Jie",
}
local token = os.getenv("KANSA_TOKEN")
local i = 0
request = function()
  i = i + 1
  local body = '{"name":"' .. names[(i % #names) + 1] .. '","limit":5}'
  return wrk.format("POST", "/v1/screen", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
