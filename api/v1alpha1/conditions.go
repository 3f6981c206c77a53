package v1alpha1

// Condition types used on the billing kinds. Ready, Reconciling and Stalled
// follow kstatus, so that kubectl wait, Flux, kpt and Argo CD understand them.
// Ready is always present; Reconciling and Stalled only while True. The
// controllers, the metrics, the kubectl plugin and the tests import these
// instead of spelling the strings; the Argo CD health scripts
// (config/argocd/health) are checked against them by config/argocd_test.go.
const (
	// ConditionReady is True when the object is in its desired state.
	ConditionReady = "Ready"
	// ConditionReconciling is True while work toward the desired state is
	// under way, and absent otherwise.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the operator cannot make progress
	// without a person (bad credentials, a refused resource), and absent
	// otherwise.
	ConditionStalled = "Stalled"
	// ConditionRenewing is True while a renewal attempt is under way. On a
	// Subscription, the three gate conditions below mirror the active
	// RenewalRequest's and are absent when no renewal is under way.
	ConditionRenewing = "Renewing"
	// ConditionApprovalRequired is True while a renewal waits for a person.
	ConditionApprovalRequired = "ApprovalRequired"
	// ConditionPaymentPending is True while a renewal order awaits payment.
	ConditionPaymentPending = "PaymentPending"
	// ConditionBudgetBlocked is True while a BudgetAlert holds a renewal.
	ConditionBudgetBlocked = "BudgetBlocked"
	// ConditionExpiringSoon is True when expiry is near and no renewal path
	// will act in time.
	ConditionExpiringSoon = "ExpiringSoon"
	// ConditionExpired is True once the subscription has expired.
	ConditionExpired = "Expired"
	// ConditionDriftDetected is True when the cloud's expire_policy differs
	// from what the RenewalPolicy wants.
	ConditionDriftDetected = "DriftDetected"
	// ConditionAutoRenewOverdue is True on a Subscription whose cloud
	// auto-renew is on when the deduction day has passed and the expiry did
	// not move (digest §7.3: the fee is deducted at 03:00 seven days before
	// expiry, and retried daily): the deduction failed, for example for a
	// low balance. It is absent otherwise.
	ConditionAutoRenewOverdue = "AutoRenewOverdue"
	// ConditionOrderStuck is True on a RenewalRequest whose order has
	// stayed in status 1 (pending approval), 3 (processing) or 9 (to be
	// confirmed) longer than the operator waits for that state
	// (OrderWaitPendingApproval, OrderWaitProcessing,
	// OrderWaitToBeConfirmed); its reason names the state and its message
	// what the admin must do. The request keeps reading the order, less
	// often, and never pays or orders again meanwhile. Absent otherwise.
	ConditionOrderStuck = "OrderStuck"
	// ConditionResourceReleased is True on a Subscription whose resource BSS
	// released (6.3.1 lists it as Closed, or no longer lists it after it had
	// been read); its message says since when (status.releasedTime). The
	// operator makes no BSS write for it any more. Absent otherwise.
	ConditionResourceReleased = "ResourceReleased"
	// ConditionThresholdExceeded is True when a budget threshold is crossed.
	ConditionThresholdExceeded = "ThresholdExceeded"
	// ConditionBalanceLow is True when the projected balance is below the floor.
	ConditionBalanceLow = "BalanceLow"
)

// Condition reasons (UpperCamelCase, as metav1.Condition requires), shared
// by all kinds.
const (
	ReasonSucceeded           = "Succeeded"
	ReasonInProgress          = "InProgress"
	ReasonCredentialsMissing  = "CredentialsMissing"
	ReasonCredentialsInvalid  = "CredentialsInvalid"
	ReasonCredentialsRejected = "CredentialsRejected"
	// ReasonCredentialsNotLabelled: the credentials Secret exists but lacks
	// the label the operator's Secret watch selects; it was not read.
	ReasonCredentialsNotLabelled = "CredentialsNotLabelled"
	// ReasonEndpointNotAllowed: spec.endpoint is not in the manager's
	// allowlist (--bss-endpoints); no request was sent to it.
	ReasonEndpointNotAllowed = "EndpointNotAllowed"
	ReasonBSSUnavailable     = "BSSUnavailable"
	ReasonThrottled          = "Throttled"
	ReasonAccountNotFound    = "AccountNotFound"
	ReasonAccountNotReady    = "AccountNotReady"
	// ReasonRequestNotOwned: a RenewalRequest exists that the operator did
	// not create for this Subscription (for example one applied by hand);
	// it is never ordered.
	ReasonRequestNotOwned   = "RenewalRequestNotOwned"
	ReasonPolicyNotFound    = "PolicyNotFound"
	ReasonPolicyInvalid     = "PolicyInvalid"
	ReasonBudgetNotFound    = "BudgetAlertNotFound"
	ReasonResourceNotFound  = "ResourceNotFound"
	ReasonAttachedResource  = "AttachedResource"
	ReasonObserving         = "Observing"
	ReasonPaused            = "Paused"
	ReasonUpToDate          = "UpToDate"
	ReasonScheduled         = "RenewalScheduled"
	ReasonRenewing          = "Renewing"
	ReasonRenewed           = "Renewed"
	ReasonAutoRenewOn       = "AutoRenewOn"
	ReasonPayPerUseAtExpiry = "PayPerUseAtExpiry"
	ReasonLapsing           = "Lapsing"
	ReasonNoPolicy          = "NoPolicy"
	ReasonExpiringSoon      = "ExpiringSoon"
	ReasonExpired           = "Expired"
	ReasonNotExpired        = "NotExpired"
	ReasonDrift             = "ExpirePolicyDrift"
	ReasonNoDrift           = "NoDrift"
	// ReasonAutoRenewSettingsDrift is cloud auto-renew on with settings
	// (times, period unit) other than the policy's autoRenew, as far as the
	// operator can tell: BSS does not report them.
	ReasonAutoRenewSettingsDrift = "AutoRenewSettingsDrift"
	ReasonQuoteFailed            = "QuoteFailed"
	ReasonPriceAboveMax          = "PriceAboveMax"
	ReasonApprovalPolicy         = "ApprovalPolicy"
	ReasonBudgetRequires         = "BudgetRequiresApproval"
	ReasonAutoApproved           = "AutoApproved"
	ReasonApproved               = "Approved"
	ReasonDenied                 = "Denied"
	ReasonBudgetBlocks           = "BudgetBlocksRenewals"
	ReasonOutsideWindow          = "OutsideRenewalWindow"
	ReasonAwaitingPayment        = "AwaitingPayment"
	ReasonPaymentFailed          = "PaymentFailed"
	ReasonOrderCancelled         = "OrderCancelled"
	ReasonRenewRefused           = "RenewRefused"
	ReasonRenewFailed            = "RenewFailed"
	ReasonCurrencyMismatch       = "CurrencyMismatch"
	ReasonWithinLimits           = "WithinLimits"
	ReasonThresholdCrossed       = "ThresholdCrossed"
	ReasonBalanceBelowFloor      = "BalanceBelowFloor"
	ReasonBalanceAboveFloor      = "BalanceAboveFloor"
	ReasonUnsubscribeUnconfirmed = "UnsubscribeNotConfirmed"
	ReasonValid                  = "Valid"
	// ReasonRenewalOutcomeUnknown: a renewal attempt ended while a renew
	// call's outcome was unknown (it may have placed an order no lookup
	// found); no new attempt starts until a person acknowledges it with
	// AnnotationAcknowledgeUnknownOutcome.
	ReasonRenewalOutcomeUnknown = "RenewalOutcomeUnknown"
	// ReasonDuplicateResource: another Subscription, created earlier, names
	// the same resource of the same BSS account; this one never acts.
	ReasonDuplicateResource = "DuplicateResource"
	// ReasonResourceReleased: BSS released the subscription's resource
	// (condition ResourceReleased).
	ReasonResourceReleased = "ResourceReleased"
	// ReasonReleasedSubscriptionDeleted: the operator deleted a discovered
	// Subscription whose resource had been released for longer than the
	// account's spec.discovery.releasedGracePeriod (an Event reason).
	ReasonReleasedSubscriptionDeleted = "ReleasedSubscriptionDeleted"
	// ReasonLapsed: the subscription expired as its Lapse policy declares;
	// the operator did what it was told (Ready=True, kstatus Current).
	ReasonLapsed = "Lapsed"
	// ReasonLeadTimeInvalid: the renewal lead time is below the floor
	// (MinRenewBefore) or not shorter than the renewal term, so renewals
	// would run back to back or leave no room for a retry.
	ReasonLeadTimeInvalid = "LeadTimeInvalid"
	// ReasonAutoRenewOverdue: the cloud's auto-renew deduction day has
	// passed and the expiry did not move.
	ReasonAutoRenewOverdue = "AutoRenewDeductionOverdue"
)

// Reasons of the renewal gates (internal/renewal) that hold, ask again or
// end a RenewalRequest.
const (
	// ReasonBudgetNotReady: the referenced BudgetAlert is not Ready (for
	// example Stalled on refused credentials or a currency mismatch), so its
	// figures cannot vouch for the renewal; it is held (issue 16, path 7).
	ReasonBudgetNotReady = "BudgetAlertNotReady"
	// ReasonBudgetNotObserved: the BudgetAlert's Ready condition was set for
	// an older generation of its spec; the renewal is held until the
	// BudgetAlert controller has evaluated the current spec.
	ReasonBudgetNotObserved = "BudgetAlertNotObserved"
	// ReasonBudgetStale: the BudgetAlert's last measurement
	// (status.lastSyncTime) is older than the freshness bound; the renewal
	// is held until the figures are measured again.
	ReasonBudgetStale = "BudgetFiguresStale"
	// ReasonPriceRose: a person approved the renewal at one amount and BSS
	// now quotes more; the renewal waits for a new approval.
	ReasonPriceRose = "PriceRoseSinceApproval"
	// ReasonPendingOrderNotOurs: the resource has a renewal order awaiting
	// payment that this attempt did not place (a person, or another
	// process); it is gated on its own amount and, unless the policy says
	// Gate, needs a person's approval before the operator pays it.
	ReasonPendingOrderNotOurs = "PendingOrderNotPlacedByOperator"
	// ReasonPendingOrderPeriod: the pending renewal order is for another
	// period than the request's; the operator never pays it.
	ReasonPendingOrderPeriod = "PendingOrderPeriodMismatch"
	// ReasonPendingOrderGone: the pending order the attempt was gated on
	// was paid or cancelled elsewhere while the attempt waited; the attempt
	// ends without ordering and the Subscription starts afresh.
	ReasonPendingOrderGone = "PendingOrderGone"
	// ReasonWindowInvalid: the renewal window cannot be evaluated (an
	// unknown time zone, hours out of order); nothing is ordered.
	ReasonWindowInvalid = "InvalidRenewalWindow"
)

// Reasons of BudgetAlerts.
const (
	// ReasonInvalidBudget is a spec the controller cannot use (time zone, amounts).
	ReasonInvalidBudget = "InvalidBudget"
	// ReasonBSSRefused is a BSS refusal a person must resolve (for example
	// Cost Center not enabled, CBC.18000014).
	ReasonBSSRefused = "BSSRefused"
	// ReasonNoBalanceFloor says no balanceFloor is set.
	ReasonNoBalanceFloor = "NoBalanceFloor"
	// ReasonWebhookInvalid is a webhook Secret that is missing or holds no URL.
	ReasonWebhookInvalid = "WebhookInvalid"
	// ReasonWebhookFailed is a webhook delivery that failed and will be retried.
	ReasonWebhookFailed = "WebhookFailed"
	// ReasonWebhookDelivered is a webhook delivered after failures.
	ReasonWebhookDelivered = "WebhookDelivered"
	// ReasonUnsubscribed is a resource unsubscribed because its Subscription
	// was deleted with deletionPolicy Unsubscribe; the Event carries the
	// refund (6.2.6).
	ReasonUnsubscribed = "Unsubscribed"
	// ReasonWebhookNotAllowed is a webhook URL the manager's webhook policy
	// refuses: not https, or a loopback, private or link-local address
	// (flags --webhook-allow-http and --webhook-allow-private).
	ReasonWebhookNotAllowed = "WebhookNotAllowed"
	// ReasonWebhookRejected is a delivery the receiver refused for good (a
	// 4xx other than 429, or a redirect, which is not followed); it is not
	// retried until the URL changes.
	ReasonWebhookRejected = "WebhookRejected"
)

// Reasons a RenewalRequest waits on, or ends with, because ordering or
// paying could spend money nobody authorized (issue 16). They show on the
// request's Ready and Stalled (or Reconciling) conditions.
const (
	// ReasonRenewCallSettling: a renew call of this attempt started
	// recently and may still be under way; the attempt neither looks the
	// order up nor calls again until the BSS timeout and a settling delay
	// have passed since it started.
	ReasonRenewCallSettling = "RenewCallSettling"
	// ReasonRenewedElsewhere: the resource's expiry moved past the
	// attempt's baseline without an order of this attempt (a renewal in
	// the console or another tool); nothing was ordered.
	ReasonRenewedElsewhere = "RenewedElsewhere"
	// ReasonExpiryChanged: the resource's expiry moved before the
	// attempt's baseline (for example renewal terms were unsubscribed);
	// the attempt was planned on an expiry that no longer holds, so
	// nothing was ordered.
	ReasonExpiryChanged = "ExpiryChanged"
	// ReasonAutoRenewSwitchedOn: cloud auto-renew (expire_policy 3) was
	// switched on while the attempt waited; ordering as well would renew
	// twice, so nothing was ordered.
	ReasonAutoRenewSwitchedOn = "AutoRenewSwitchedOn"
	// ReasonForeignOrder: BSS holds a renewal order for the resource that
	// this attempt did not place (created before its first renew call, or
	// with no renew call at all). It is reported with its ID and never
	// paid; a person decides what to do with it.
	ReasonForeignOrder = "ForeignOrder"
	// ReasonPriceAboveApproved: the placed order costs more than the quote
	// the gates passed or the approved maximum (spec.approval.maxAmount,
	// spec.maxPrice). It was not paid and was cancelled; the next attempt
	// goes through the gates, and approval, again.
	ReasonPriceAboveApproved = "PriceAboveApproved"
	// ReasonPartnerPays: the renewal order's payment belongs to a partner
	// (6.2.1 agent_pay_info.is_agent_pay, the SDK's AgentPayInfoV2). The
	// operator never pays it, whatever the payment method; the message
	// names the partner. An unpaid order is cancelled at the deadline,
	// as with payment method Manual.
	ReasonPartnerPays = "PartnerPays"
)

// Reasons of a RenewalRequest's OrderStuck condition (and of its Stalled
// condition while it holds): the order has stayed in a BSS state other
// than pending payment, completed or canceled (6.2.2 status) longer than
// the operator waits for it.
const (
	// ReasonOrderPendingApproval: the order is pending approval (status
	// 1); an approver must approve or reject it in the BSS console.
	ReasonOrderPendingApproval = "OrderPendingApproval"
	// ReasonOrderProcessing: the order was paid but is still processing
	// (status 3); BSS has neither completed it nor moved the expiry. Check
	// it in the console or open a ticket; do not renew again meanwhile.
	ReasonOrderProcessing = "OrderProcessing"
	// ReasonOrderToBeConfirmed: the order awaits confirmation (status 9);
	// someone must confirm or cancel it in the BSS console.
	ReasonOrderToBeConfirmed = "OrderToBeConfirmed"
	// ReasonOrderUnexpectedState: the order is in a state renewal orders
	// are not documented to reach (2, 10-13); someone must look at it in
	// the BSS console.
	ReasonOrderUnexpectedState = "OrderUnexpectedState"
)
