-- Argo CD health of billing.bss-operator.io/RenewalRequest (docs/argocd.md).
-- Runs with the libraries Argo CD gives custom health checks: no string or
-- math library.
-- RenewalRequests are created and owned by their Subscription: Argo CD shows
-- them as its children, and a child's health never rolls up into the
-- Application's. A finished attempt is history, shown like a Job:
--   Healthy:     Succeeded, or Denied (a person decided; nothing failed).
--   Degraded:    Failed or Cancelled (the message says why; the Subscription
--                schedules the next attempt), or Stalled=True.
--   Suspended:   AwaitingApproval with approvalState Required or
--                RequiredAgain: it waits for a person's decision (Argo CD's
--                state for "waiting for an external event").
--   Progressing: not yet observed, or under way (Pending, Blocked, Approved,
--                Ordering, PaymentPending, Confirming; AwaitingApproval
--                while the operator records a decision).
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
if obj.status == nil or obj.status.phase == nil or ready == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to observe the RenewalRequest"
  return hs
end

local phase = obj.status.phase
local message = obj.status.message or ""

if phase == "Succeeded" or phase == "Denied" then
  hs.status = "Healthy"
  hs.message = phase .. ": " .. message
  return hs
end
if phase == "Failed" or phase == "Cancelled" then
  hs.status = "Degraded"
  hs.message = phase .. ": " .. message
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to observe generation " .. generation
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

local approval = obj.status.approvalState
if phase == "AwaitingApproval" and (approval == "Required" or approval == "RequiredAgain") then
  hs.status = "Suspended"
  hs.message = phase .. " (" .. approval .. "): " .. message
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready)
  return hs
end

hs.status = "Progressing"
hs.message = phase .. ": " .. message
return hs
