-- Argo CD gives no global os: require it (it holds time and date only).
local os = require("os")

-- utc formats Unix seconds as the API server writes a time (metav1.Time,
-- RFC 3339 in UTC: 2006-01-02T15:04:05Z), so that times compare as strings.
-- Pure arithmetic (days to civil date), because Argo CD gives no string
-- library and its os.date ignores "!" (UTC) when given a time.
local function utc(secs)
  local function div(a, b)
    return (a - a % b) / b
  end
  local function two(n)
    if n < 10 then
      return "0" .. n
    end
    return "" .. n
  end
  local days = div(secs, 86400)
  local rem = secs - days * 86400
  local z = days + 719468
  local era = div(z, 146097)
  local doe = z - era * 146097
  local yoe = div(doe - div(doe, 1460) + div(doe, 36524) - div(doe, 146096), 365)
  local doy = doe - (365 * yoe + div(yoe, 4) - div(yoe, 100))
  local mp = div(5 * doy + 2, 153)
  local day = doy - div(153 * mp + 2, 5) + 1
  local month = mp + 3
  if mp >= 10 then
    month = mp - 9
  end
  local year = yoe + era * 400
  if month <= 2 then
    year = year + 1
  end
  return year .. "-" .. two(month) .. "-" .. two(day) .. "T" .. two(div(rem, 3600)) .. ":" ..
    two(div(rem % 3600, 60)) .. ":" .. two(rem % 60) .. "Z"
end
