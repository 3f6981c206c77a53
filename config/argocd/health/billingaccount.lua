-- Argo CD health of billing.bss-operator.io/BillingAccount (docs/argocd.md).
-- Runs with the libraries Argo CD gives custom health checks: no string or
-- math library, and os only through require("os").
--   Progressing: status not yet observed, Reconciling=True, or Ready=False
--                for a reason that resolves on its own; and for up to
--                secretWait (10 minutes) after the Stalled condition's
--                lastTransitionTime, a credentials Secret that does not
--                exist yet (CredentialsMissing): in a sync wave, an
--                external-secrets controller may create it a little later.
--   Degraded:    Stalled=True: a person must act (rejected credentials, a
--                Secret without the watch label (CredentialsNotLabelled), an
--                endpoint outside the operator's allowlist
--                (EndpointNotAllowed), a Secret still missing after
--                secretWait).
--   Healthy:     Ready=True.
local hs = {}

-- secretWait is how long a missing credentials Secret counts as on its way.
local secretWait = 600

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

local function condition(t)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == t then
      return c
    end
  end
  return nil
end

local function isTrue(t)
  local c = condition(t)
  return c ~= nil and c.status == "True"
end

local function describe(c)
  if c == nil then
    return ""
  end
  local reason = c.reason or ""
  if c.message == nil or c.message == "" then
    return reason
  end
  return reason .. ": " .. c.message
end

local ready = condition("Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to observe the BillingAccount"
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to observe generation " .. generation
  return hs
end

if isTrue("Stalled") then
  local stalled = condition("Stalled")
  if stalled.reason == "CredentialsMissing" then
    local since = stalled.lastTransitionTime or obj.metadata.creationTimestamp
    if since ~= nil and since > utc(os.time() - secretWait) then
      hs.status = "Progressing"
      hs.message = "waiting up to 10 minutes from " .. since .. " for the credentials Secret: " .. describe(stalled)
      return hs
    end
    hs.status = "Degraded"
    hs.message = describe(stalled) .. " (missing for more than 10 minutes)"
    return hs
  end
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

if isTrue("Reconciling") then
  hs.status = "Progressing"
  hs.message = describe(condition("Reconciling"))
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready)
  return hs
end

hs.status = "Progressing"
hs.message = "waiting: " .. describe(ready)
return hs
