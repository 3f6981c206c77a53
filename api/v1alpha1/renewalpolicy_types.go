package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RenewalMode is what happens to a subscription as its expiry nears. Exactly
// one mechanism is active in the cloud at a time: switching modes undoes the
// others (auto-renew off, to-on-demand CANCEL).
// +kubebuilder:validation:Enum=Renew;AutoRenew;PayPerUse;Lapse
type RenewalMode string

const (
	// RenewalModeRenew makes the operator renew explicitly (6.3.2) after a
	// quote (4.2.3) and its gates: price cap, budget, approval and window.
	RenewalModeRenew RenewalMode = "Renew"
	// RenewalModeAutoRenew keeps the cloud's own auto-renew on (6.3.4,
	// expire_policy 3): BSS deducts the fee at 03:00 seven days before expiry.
	RenewalModeAutoRenew RenewalMode = "AutoRenew"
	// RenewalModePayPerUse converts the resource to pay-per-use at expiry
	// (6.3.6 SET_UP, expire_policy 1).
	RenewalModePayPerUse RenewalMode = "PayPerUse"
	// RenewalModeLapse lets the subscription expire, with warnings as expiry
	// nears.
	RenewalModeLapse RenewalMode = "Lapse"
)

// PaymentMethod is how a renewal order gets paid.
// +kubebuilder:validation:Enum=AutoPay;Pay;Manual
type PaymentMethod string

const (
	// PaymentMethodAutoPay has the operator pay the renewal order as soon
	// as it is placed (6.2.4), with the best discount (6.2.3). The order is
	// placed unpaid (never is_auto_pay=1, which pays whatever the order
	// costs) and paid only if its amount is within the quote and the
	// approved maximum; otherwise it is cancelled.
	PaymentMethodAutoPay PaymentMethod = "AutoPay"
	// PaymentMethodPay creates the order unpaid, then the operator pays it
	// (6.2.4), applying the discount the policy chooses (6.2.3), after the
	// same check of its amount.
	PaymentMethodPay PaymentMethod = "Pay"
	// PaymentMethodManual creates the order unpaid and leaves it for a
	// person to pay in the console; the operator reports PaymentPending and
	// cancels the order (6.2.5) if it is still unpaid after cancelUnpaidAfter.
	PaymentMethodManual PaymentMethod = "Manual"
)

// DiscountChoice is which discount the operator applies when it pays.
// +kubebuilder:validation:Enum=None;Best
type DiscountChoice string

const (
	// DiscountNone pays the order without a discount.
	DiscountNone DiscountChoice = "None"
	// DiscountBest applies the available discount (6.2.3) that lowers the
	// price the most.
	DiscountBest DiscountChoice = "Best"
)

// ApprovalPolicy is when a renewal needs a person's approval.
// +kubebuilder:validation:Enum=Never;Always;AboveAmount
type ApprovalPolicy string

const (
	// ApprovalNever approves renewals automatically within maxPrice and budget.
	ApprovalNever ApprovalPolicy = "Never"
	// ApprovalAlways sends every renewal to a person.
	ApprovalAlways ApprovalPolicy = "Always"
	// ApprovalAboveAmount sends renewals quoted above approval.amount to a person.
	ApprovalAboveAmount ApprovalPolicy = "AboveAmount"
)

// PendingOrderPolicy is what the operator does with a renewal order for the
// resource that awaits payment and that its own attempt did not place (BSS
// refuses a new renewal while one is pending, digest §7.2 rule 12).
// +kubebuilder:validation:Enum=RequireApproval;Gate
type PendingOrderPolicy string

const (
	// PendingOrdersRequireApproval gates such an order on its own amount
	// (maxPrice, budget, approval policy, window) and, in any case, waits
	// for a person's approval before paying it.
	PendingOrdersRequireApproval PendingOrderPolicy = "RequireApproval"
	// PendingOrdersGate gates such an order on its own amount like a quote,
	// and pays it without a person when the gates allow.
	PendingOrdersGate PendingOrderPolicy = "Gate"
)

// RenewalPolicySpec declares what happens to subscriptions as expiry nears.
// +kubebuilder:validation:XValidation:rule="self.mode == 'Renew' ? has(self.renew) : !has(self.renew)",message="renew must be set when mode is Renew, and only then"
// +kubebuilder:validation:XValidation:rule="!has(self.autoRenew) || self.mode == 'AutoRenew'",message="autoRenew may be set only when mode is AutoRenew"
type RenewalPolicySpec struct {
	// mode is Renew (the operator renews), AutoRenew (the cloud's auto-renew
	// stays on), PayPerUse (converted to pay-per-use at expiry) or Lapse
	// (left to expire, with warnings).
	// +required
	Mode RenewalMode `json:"mode"`

	// renew configures explicit renewal; required when mode is Renew.
	// +optional
	Renew *RenewSpec `json:"renew,omitempty"`

	// autoRenew sets the cloud's auto-renew (6.3.4) when mode is AutoRenew:
	// how many automatic renewals BSS makes and their period unit. Unset,
	// BSS decides (no limit, the unit of the resource's last order). BSS
	// does not report these settings back, so the operator compares them
	// with what it last set (status.autoRenewSettings).
	// +optional
	AutoRenew *AutoRenewSpec `json:"autoRenew,omitempty"`

	// warnBefore is how long before expiry a subscription with no renewal
	// under way gets the ExpiringSoon condition and Warning events. Between
	// 0s and 87840h (3660 days); defaults to 336h, 14 days
	// (DefaultWarnBefore).
	// +optional
	// +kubebuilder:default="336h"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s') && duration(self) <= duration('87840h')",message="warnBefore must be between 0s and 87840h (3660 days)"
	WarnBefore *metav1.Duration `json:"warnBefore,omitempty"`

	// historyLimit is how many finished RenewalRequests are kept per
	// Subscription; older ones are deleted. Defaults to 10
	// (DefaultHistoryLimit).
	// +optional
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	HistoryLimit int32 `json:"historyLimit,omitempty"`

	// orderHistoryLimit is how many orders each Subscription under this
	// policy lists in status.orderHistory, newest first; older entries are
	// dropped when the next order is recorded. Defaults to 20
	// (DefaultOrderHistoryLimit). For a record kept longer, use the audit
	// log (docs/operating.md).
	// +optional
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	OrderHistoryLimit int32 `json:"orderHistoryLimit,omitempty"`
}

// RenewSpec configures explicit renewal by the operator.
// +kubebuilder:validation:XValidation:rule="!(has(self.renewBefore) && has(self.renewBeforePercentage))",message="renewBefore and renewBeforePercentage are mutually exclusive: set at most one"
// +kubebuilder:validation:XValidation:rule="!has(self.approval) || !has(self.approval.policy) || self.approval.policy != 'AboveAmount' || has(self.approval.amount)",message="approval.amount is required when approval.policy is AboveAmount"
// +kubebuilder:validation:XValidation:rule="!has(self.maxPrice) || !has(self.approval) || !has(self.approval.amount) || self.maxPrice.currency == self.approval.amount.currency",message="maxPrice and approval.amount must use the same currency"
// +kubebuilder:validation:XValidation:rule="!has(self.renewBefore) || duration(self.renewBefore).getHours() < self.period.count * (self.period.unit == 'Year' ? 8760 : 672)",message="renewBefore must be shorter than the renewal period's term (672h, 28 days, per month; 8760h per year), or every renewal would make the next one due at once"
type RenewSpec struct {
	// renewBefore is how long before expiry to renew, for example "720h"
	// (30 days): at least 1h (MinRenewBefore) and shorter than the term of
	// the renewal period (28 days per month, 365 days per year:
	// MinMonthTerm, MinYearTerm), or renewals would run back to back.
	// Leave room for several attempts and for approval. At most one of
	// renewBefore and renewBeforePercentage may be set; with neither, the
	// operator renews 336h (14 days, DefaultRenewBefore) before expiry.
	// There is no schema default, so that setting renewBeforePercentage
	// alone stays valid.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1h') && duration(self) <= duration('87840h')",message="renewBefore must be between 1h and 87840h (3660 days): 0 would leave no room for a single retry before expiry"
	RenewBefore *metav1.Duration `json:"renewBefore,omitempty"`

	// renewBeforePercentage is when to renew as a percentage (1 to 99) of
	// the term one renewal buys (period, in calendar months from the
	// expiry), counted back from expiry: 10 with a one-year period renews
	// about 36 days before expiry, 10 with a one-month period about 3 days,
	// however long ago the resource was bought. At most one of renewBefore
	// and renewBeforePercentage may be set.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=99
	RenewBeforePercentage *int32 `json:"renewBeforePercentage,omitempty"`

	// period is how long one renewal extends the subscription.
	// +required
	Period RenewalPeriod `json:"period"`

	// payment is how renewal orders are paid; defaults to AutoPay
	// (DefaultPaymentMethod).
	// +optional
	// +kubebuilder:default={method: AutoPay}
	Payment PaymentSpec `json:"payment,omitempty"`

	// maxPrice is the most one renewal may cost without a person's
	// approval. A quote above it waits for approval whatever approval says.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!self.amount.startsWith('-')",message="maxPrice.amount must not be negative"
	MaxPrice *Money `json:"maxPrice,omitempty"`

	// approval is when a person must approve a renewal before it is
	// ordered; defaults to policy Never (DefaultApprovalPolicy).
	// +optional
	// +kubebuilder:default={policy: Never}
	Approval ApprovalSpec `json:"approval,omitempty"`

	// window restricts when renewal orders may be placed. Without it
	// renewals may be placed at any time.
	// +optional
	Window *RenewalWindow `json:"window,omitempty"`

	// budgetAlertRef names a BudgetAlert in the same namespace whose
	// RequireApproval and BlockRenewals actions apply to these renewals.
	// Renewals are held while that BudgetAlert is not Ready, not evaluated
	// at its current generation, or its figures are stale.
	// +optional
	BudgetAlertRef *LocalObjectReference `json:"budgetAlertRef,omitempty"`

	// pendingOrders is what happens to a renewal order for the resource
	// that awaits payment and was not placed by the operator's attempt (for
	// example one a person left unpaid in the console): RequireApproval
	// (gated on its own amount and always approved by a person before it
	// is paid) or Gate (gated on its own amount, paid when the gates
	// allow). An order for another period than spec.renew.period is never
	// paid. Defaults to RequireApproval (DefaultPendingOrders).
	// +optional
	// +kubebuilder:default=RequireApproval
	PendingOrders PendingOrderPolicy `json:"pendingOrders,omitempty"`
}

// PaymentSpec is how renewal orders are paid.
type PaymentSpec struct {
	// method is AutoPay (the operator pays the order at once with the best
	// discount), Pay (the operator pays it, 6.2.4, with the chosen
	// discount) or Manual (a person pays in the console). The operator pays
	// only an order whose amount is within the quote and the approved
	// maximum. Defaults to AutoPay (DefaultPaymentMethod).
	// +optional
	// +kubebuilder:default=AutoPay
	Method PaymentMethod `json:"method,omitempty"`

	// discount is the discount the operator applies when method is Pay
	// (AutoPay always applies the best): None or Best; defaults to Best
	// (DefaultDiscount).
	// +optional
	// +kubebuilder:default=Best
	Discount DiscountChoice `json:"discount,omitempty"`

	// cancelUnpaidAfter is how long an unpaid renewal order may stay pending
	// before the operator cancels it (6.2.5) so that a new attempt can be
	// made. Between 10m and 720h; defaults to 72h
	// (DefaultCancelUnpaidAfter).
	// +optional
	// +kubebuilder:default="72h"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('10m') && duration(self) <= duration('720h')",message="cancelUnpaidAfter must be between 10m and 720h"
	CancelUnpaidAfter *metav1.Duration `json:"cancelUnpaidAfter,omitempty"`
}

// ApprovalSpec is when a person must approve a renewal.
type ApprovalSpec struct {
	// policy is Never, Always, or AboveAmount; defaults to Never
	// (DefaultApprovalPolicy).
	// +optional
	// +kubebuilder:default=Never
	Policy ApprovalPolicy `json:"policy,omitempty"`

	// amount is the threshold for AboveAmount: quotes above it need a
	// person's approval. It must not be negative.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!self.amount.startsWith('-')",message="approval.amount must not be negative"
	Amount *Money `json:"amount,omitempty"`
}

// Weekday is a day of the week.
// +kubebuilder:validation:Enum=Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday
type Weekday string

// Days of the week of a RenewalWindow.
const (
	Monday    Weekday = "Monday"
	Tuesday   Weekday = "Tuesday"
	Wednesday Weekday = "Wednesday"
	Thursday  Weekday = "Thursday"
	Friday    Weekday = "Friday"
	Saturday  Weekday = "Saturday"
	Sunday    Weekday = "Sunday"
)

// RenewalWindow is a recurring weekly time window.
// +kubebuilder:validation:XValidation:rule="self.startHour < self.endHour",message="startHour must be before endHour"
type RenewalWindow struct {
	// days of the week on which the window opens; empty means every day.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=7
	Days []Weekday `json:"days,omitempty"`

	// startHour is the hour (0-23) the window opens; 0, midnight, when unset
	// (DefaultWindowStartHour).
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=23
	StartHour int32 `json:"startHour,omitempty"`

	// endHour is the hour (1-24) the window closes; 24 when unset
	// (DefaultWindowEndHour).
	// +optional
	// +kubebuilder:default=24
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=24
	EndHour int32 `json:"endHour,omitempty"`

	// timeZone is the IANA time zone of the hours, for example
	// Asia/Shanghai; UTC when unset (DefaultWindowTimeZone).
	// +optional
	// +kubebuilder:default="UTC"
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_+/-]*$`
	TimeZone string `json:"timeZone,omitempty"`
}

// RenewalPolicyStatus reports whether the policy is usable.
type RenewalPolicyStatus struct {
	// observedGeneration is the spec generation the status reflects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready is True when the policy is valid and its references
	// resolve.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// subscriptions is how many Subscriptions use this policy.
	// +optional
	Subscriptions int32 `json:"subscriptions,omitempty"`
}

// RenewalPolicy declares what happens to Subscriptions as their expiry nears.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rpol,categories=bss
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.spec.mode`
// +kubebuilder:printcolumn:name="Period",type=string,JSONPath=`.spec.renew.period.count`
// +kubebuilder:printcolumn:name="Unit",type=string,JSONPath=`.spec.renew.period.unit`
// +kubebuilder:printcolumn:name="Max Price",type=string,JSONPath=`.spec.renew.maxPrice.amount`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Subscriptions",type=integer,JSONPath=`.status.subscriptions`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RenewalPolicy struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the policy.
	// +required
	Spec RenewalPolicySpec `json:"spec"`

	// status reports whether the policy is usable.
	// +optional
	Status RenewalPolicyStatus `json:"status,omitempty"`
}

// RenewalPolicyList is a list of RenewalPolicies.
// +kubebuilder:object:root=true
type RenewalPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the list's metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the RenewalPolicies.
	Items []RenewalPolicy `json:"items"`
}

// AutoRenewSpec is the cloud auto-renew setting a RenewalPolicy in mode
// AutoRenew asks for (6.3.4's optional body).
type AutoRenewSpec struct {
	// periodUnit is the unit of each automatic renewal: Month or Year (one
	// month or one year at a time). Unset, BSS renews by the unit of the
	// resource's last order.
	// +optional
	// +kubebuilder:validation:Enum=Month;Year
	PeriodUnit PeriodUnit `json:"periodUnit,omitempty"`

	// times is how many automatic renewals BSS makes, 1 to 99; after the
	// last one auto-renew switches itself off. Unset: no limit.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=99
	Times *int32 `json:"times,omitempty"`
}
