-- Argo CD health of billing.bss-operator.io/RenewalPolicy (docs/argocd.md).
-- Runs with the libraries Argo CD gives custom health checks: no string or
-- math library.
--   Progressing: status not yet observed, Reconciling=True, or Ready=False
--                for a reason that resolves on its own.
--   Degraded:    Stalled=True: a person must act (for example rejected
--                credentials or an invalid reference).
--   Healthy:     Ready=True.
local hs = {}

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
  hs.message = "waiting for the operator to observe the RenewalPolicy"
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
