-- wrk script: kiosk redemptions. Argument: a file of sales, one per line:
-- "kiosk_token volunteer_id kiosk_session item_id" (sessions opened beforehand).
-- Every request carries its own Idempotency-Key; done() prints the tally.
local threads = {}
local sales = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local token, volunteer, session, item = line:match("(%S+) (%S+) (%S+) (%S+)")
    sales[#sales + 1] = { token, volunteer, session, item }
  end
  math.randomseed(os.time() + tid * 7919)
  ok, refused, other = 0, 0, 0
end

function request()
  counter = counter + 1
  local sale = sales[math.random(#sales)]
  local headers = {
    ["Authorization"] = "Bearer " .. sale[1],
    ["Content-Type"] = "application/json",
    ["X-Kiosk-Session"] = sale[3],
    ["Idempotency-Key"] = tid .. "-" .. counter .. "-" .. math.random(1000000000),
  }
  local body = '{"volunteer_id":"' .. sale[2] .. '","items":[{"item_id":"' ..
    sale[4] .. '","quantity":1}]}'
  return wrk.format("POST", "/v1/redemptions", headers, body)
end

function response(status, headers, body)
  if status == 201 then
    ok = ok + 1
  elseif status == 409 and body:find("balance_sufficient", 1, true) then
    refused = refused + 1
  else
    other = other + 1
    if other <= 3 then io.stderr:write(status .. " " .. body .. "\n") end
  end
end

function done(summary, latency, requests)
  local o, r, x = 0, 0, 0
  for _, thread in ipairs(threads) do
    o = o + thread:get("ok")
    r = r + thread:get("refused")
    x = x + thread:get("other")
  end
  io.write(string.format("kiosk-tally ok=%d refused=%d other=%d\n", o, r, x))
end
