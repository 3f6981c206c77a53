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
