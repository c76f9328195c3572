-- wrk script: each request records a different half-hour for one of the volunteers.
-- Arguments: token unit base_epoch first_slot volunteer_id...
-- Each wrk thread takes its own slots, so no two requests' spans overlap.
local threads = 0
local people = {}
local counter = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  token, unit = args[1], args[2]
  base, first = tonumber(args[3]), tonumber(args[4])
  for i = 5, #args do people[#people + 1] = args[i] end
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

local function stamp(epoch)
  return os.date("!%Y-%m-%dT%H:%M:%S+00:00", epoch)
end

function request()
  counter = counter + 1
  local person = people[(counter % #people) + 1]
  local slot = first + math.floor(counter / #people) * 8 + tid
  local start = base - slot * 3600
  local body = '{"activity_name":"清扫","started_at":"' .. stamp(start) ..
    '","ended_at":"' .. stamp(start + 1800) ..
    '","location":"社区","service_recipient":"居民","content":"清扫","leader":"李",' ..
    '"unit_id":"' .. unit .. '"}'
  return wrk.format(nil, "/v1/volunteers/" .. person .. "/hours", nil, body)
end
