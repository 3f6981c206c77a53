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
	ReasonRequestNotOwned        = "RenewalRequestNotOwned"
	ReasonPolicyNotFound         = "PolicyNotFound"
	ReasonPolicyInvalid          = "PolicyInvalid"
	ReasonBudgetNotFound         = "BudgetAlertNotFound"
	ReasonResourceNotFound       = "ResourceNotFound"
	ReasonAttachedResource       = "AttachedResource"
	ReasonObserving              = "Observing"
	ReasonPaused                 = "Paused"
	ReasonUpToDate               = "UpToDate"
	ReasonScheduled              = "RenewalScheduled"
	ReasonRenewing               = "Renewing"
	ReasonRenewed                = "Renewed"
	ReasonAutoRenewOn            = "AutoRenewOn"
	ReasonPayPerUseAtExpiry      = "PayPerUseAtExpiry"
	ReasonLapsing                = "Lapsing"
	ReasonNoPolicy               = "NoPolicy"
	ReasonExpiringSoon           = "ExpiringSoon"
	ReasonExpired                = "Expired"
	ReasonNotExpired             = "NotExpired"
	ReasonDrift                  = "ExpirePolicyDrift"
	ReasonNoDrift                = "NoDrift"
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
)
