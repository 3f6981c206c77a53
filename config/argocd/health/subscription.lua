-- Argo CD health of billing.bss-operator.io/Subscription (docs/argocd.md).
-- Runs with the libraries Argo CD gives custom health checks: no string or
-- math library, and os only through require("os").
--   Suspended:   spec.paused.
--   Progressing: status not yet observed, Reconciling=True (renewing, waiting
--                for approval, payment or BSS), or Ready=False for a reason
--                that resolves on its own (a referenced object or Secret not
--                there yet, BSS throttling or unavailable).
--   Degraded:    Stalled=True (credentials rejected, resource not found,
--                attached resource, invalid policy, a resource released in
--                BSS under Manage with a policy that keeps it); a stale status: the
--                expiry (status.expireTime) passed more than staleAfter (1
--                hour) ago, yet the status says nothing of it (Expired is not
--                True) and BSS was last read (status.lastSyncTime) before
--                the expiry, so the operator stopped reporting and whatever
--                the status says is out of date; or Expired=True under
--                managementPolicy Manage with no renewal under way and a
--                policy that did not mean it to lapse.
--   Healthy:     Ready=True (an expiry under a Lapse policy is Ready, reason
--                Lapsed; a released resource in Observe, paused or under a
--                Lapse policy is Ready, reason ResourceReleased; a managed
--                expiry with a renewal under way is
--                Reconciling, so Progressing); an Observe-mode expiry, or a
--                Lapse-mode one written by an operator before Lapsed.
local hs = {}

-- staleAfter is how long after the expiry a status may still predate it.
local staleAfter = 3600

-- #include lib/utc.lua

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

if obj.spec ~= nil and obj.spec.paused == true then
  hs.status = "Suspended"
  hs.message = "paused: status is refreshed, nothing is changed"
  return hs
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to observe the Subscription"
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
  hs.status = "Degraded"
  hs.message = describe(condition("Stalled"))
  return hs
end

local expiry = obj.status.expireTime
local synced = obj.status.lastSyncTime
if expiry ~= nil and not isTrue("Expired") and expiry < utc(os.time() - staleAfter) and
  (synced == nil or synced < expiry) then
  local last = synced or "never"
  hs.status = "Degraded"
  hs.message = "stale status: the subscription expired at " .. expiry .. " and BSS was last read at " .. last ..
    "; the operator has not reported since (is it running?); it said " .. describe(ready)
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
  if isTrue("ExpiringSoon") then
    hs.message = describe(condition("ExpiringSoon"))
  end
  return hs
end

if isTrue("Expired") then
  -- A Lapse policy plans "none: lapses at expiry <status.expireTime>": the
  -- expiry is what the policy declared.
  local lapses = obj.status.expireTime ~= nil and
    obj.status.plannedAction == "none: lapses at expiry " .. obj.status.expireTime
  if obj.spec ~= nil and obj.spec.managementPolicy == "Manage" and not lapses then
    hs.status = "Degraded"
    hs.message = describe(condition("Expired")) .. "; no renewal is under way"
    return hs
  end
  hs.status = "Healthy"
  if lapses then
    hs.message = describe(condition("Expired")) .. "; lapsed as its RenewalPolicy declares"
  else
    hs.message = describe(condition("Expired")) .. "; Observe mode: the operator does not act"
  end
  return hs
end

hs.status = "Progressing"
hs.message = "waiting: " .. describe(ready)
return hs
