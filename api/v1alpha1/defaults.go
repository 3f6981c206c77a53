package v1alpha1

import "time"

// Defaults of the API. The CRD markers must hold literals, so each default
// below is written twice: here, for the code that needs the value when a
// field is unset (objects built in Go, the fake client, old objects), and
// in the +kubebuilder:default marker of the field whose doc comment names
// the constant. TestCRDDefaultsMatchConstants compares the two in the
// generated CRDs so that they cannot drift apart.
const (
	// DefaultAccountRefreshInterval is BillingAccount spec.refreshInterval.
	DefaultAccountRefreshInterval = 10 * time.Minute
	// DefaultSite is BillingAccount spec.site.
	DefaultSite = SiteInternational

	// DefaultReleasedGracePeriod is BillingAccount
	// spec.discovery.releasedGracePeriod (7 days): long enough for a person
	// to notice the ResourceReleased condition on a discovered Subscription
	// before the operator deletes it.
	DefaultReleasedGracePeriod = 7 * 24 * time.Hour
	// MinReleasedGracePeriod is the shortest
	// spec.discovery.releasedGracePeriod; the CRD rule repeats it as '1h'.
	MinReleasedGracePeriod = time.Hour

	// DefaultManagementPolicy is Subscription spec.managementPolicy.
	DefaultManagementPolicy = ManagementObserve
	// DefaultDeletionPolicy is Subscription spec.deletionPolicy.
	DefaultDeletionPolicy = DeletionOrphan

	// DefaultWarnBefore is RenewalPolicy spec.warnBefore (14 days).
	DefaultWarnBefore = 14 * 24 * time.Hour
	// DefaultRenewBefore is the lead time of RenewalPolicy spec.renew when
	// neither renewBefore nor renewBeforePercentage is set (14 days). It
	// has no CRD default, because a default would collide with
	// renewBeforePercentage.
	DefaultRenewBefore = 14 * 24 * time.Hour
	// MinRenewBefore is the shortest renewal lead time: RenewalPolicy
	// spec.renew.renewBefore, and the lead renewBeforePercentage works out
	// to. One hour leaves room for a retry and for BSS to show the new
	// expiry before the subscription lapses; 0 would mean that any failure
	// is a lapse. The CRD rule on renewBefore repeats it as '1h'.
	MinRenewBefore = time.Hour
	// MinMonthTerm is the shortest term one month of renewal buys (February,
	// 28 days); a lead time must be shorter than the term of the renewal
	// period (count × MinMonthTerm or count × MinYearTerm), or each renewal
	// would make the next one due at once. The CRD rule repeats it as 672h.
	MinMonthTerm = 28 * 24 * time.Hour
	// MinYearTerm is the shortest term one year of renewal buys (365 days);
	// the CRD rule repeats it as 8760h.
	MinYearTerm = 365 * 24 * time.Hour
	// DefaultHistoryLimit is RenewalPolicy spec.historyLimit.
	DefaultHistoryLimit int32 = 10
	// DefaultOrderHistoryLimit is RenewalPolicy spec.orderHistoryLimit.
	DefaultOrderHistoryLimit int32 = 20
	// DefaultPaymentMethod is spec.renew.payment.method.
	DefaultPaymentMethod = PaymentMethodAutoPay
	// DefaultDiscount is spec.renew.payment.discount.
	DefaultDiscount = DiscountBest
	// DefaultCancelUnpaidAfter is spec.renew.payment.cancelUnpaidAfter.
	DefaultCancelUnpaidAfter = 72 * time.Hour
	// OrderWaitPendingApproval is how long a RenewalRequest waits for its
	// order to leave status 1 (pending approval, 6.2.2) before it raises
	// OrderStuck (reason OrderPendingApproval): approval is a person's
	// step (an enterprise or partner approver), a working day at most.
	OrderWaitPendingApproval = 24 * time.Hour
	// OrderWaitProcessing is how long a RenewalRequest waits for a paid
	// order to leave status 3 (processing) before it raises OrderStuck
	// (reason OrderProcessing): settlement and provisioning take minutes.
	OrderWaitProcessing = 2 * time.Hour
	// OrderWaitToBeConfirmed is how long a RenewalRequest waits for its
	// order to leave status 9 (to be confirmed) before it raises
	// OrderStuck (reason OrderToBeConfirmed).
	OrderWaitToBeConfirmed = 24 * time.Hour
	// DefaultApprovalPolicy is spec.renew.approval.policy.
	DefaultApprovalPolicy = ApprovalNever
	// DefaultPendingOrders is spec.renew.pendingOrders.
	DefaultPendingOrders = PendingOrdersRequireApproval
	// DefaultWindowStartHour is spec.renew.window.startHour.
	DefaultWindowStartHour int32 = 0
	// DefaultWindowEndHour is spec.renew.window.endHour.
	DefaultWindowEndHour int32 = 24
	// DefaultWindowTimeZone is spec.renew.window.timeZone.
	DefaultWindowTimeZone = "UTC"

	// DefaultBudgetPeriod is BudgetAlert spec.period.
	DefaultBudgetPeriod = BudgetMonthly
	// DefaultBudgetTimeZone is BudgetAlert spec.timeZone: BSS bill cycles
	// are GMT+08:00.
	DefaultBudgetTimeZone = "Asia/Shanghai"
	// DefaultBudgetRefreshInterval is BudgetAlert spec.refreshInterval.
	DefaultBudgetRefreshInterval = 30 * time.Minute
	// DefaultThresholdBasis is what an unset BudgetAlert
	// spec.thresholds[].basis means. The CRD sets no default for it: the
	// list is atomic (config/crd_atomic_defaults_test.go).
	DefaultThresholdBasis = BasisActual
	// DefaultBalanceHorizon is BudgetAlert spec.balanceFloor.horizon (14 days).
	DefaultBalanceHorizon = 14 * 24 * time.Hour
)
