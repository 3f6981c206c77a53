package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BudgetPeriod is the calendar period a budget covers.
// +kubebuilder:validation:Enum=Monthly;Quarterly;Yearly
type BudgetPeriod string

const (
	// BudgetMonthly covers a calendar month.
	BudgetMonthly BudgetPeriod = "Monthly"
	// BudgetQuarterly covers a calendar quarter.
	BudgetQuarterly BudgetPeriod = "Quarterly"
	// BudgetYearly covers a calendar year.
	BudgetYearly BudgetPeriod = "Yearly"
)

// ThresholdBasis is which spend figure a threshold compares with the limit.
// +kubebuilder:validation:Enum=Actual;Forecasted;Committed
type ThresholdBasis string

const (
	// BasisActual is the spend so far in the period (8.1, 7.1).
	BasisActual ThresholdBasis = "Actual"
	// BasisForecasted is the forecast for the whole period.
	BasisForecasted ThresholdBasis = "Forecasted"
	// BasisCommitted is actual spend plus the quoted prices of renewals that
	// Subscriptions of the account will make inside the period.
	BasisCommitted ThresholdBasis = "Committed"
)

// BudgetAction is what happens when a threshold is crossed.
// +kubebuilder:validation:Enum=Notify;RequireApproval;BlockRenewals
type BudgetAction string

const (
	// ActionNotify emits Events and metrics, and calls the webhook if set.
	ActionNotify BudgetAction = "Notify"
	// ActionRequireApproval sends renewals of Subscriptions whose policy
	// references this BudgetAlert to a person for approval.
	ActionRequireApproval BudgetAction = "RequireApproval"
	// ActionBlockRenewals holds those renewals until the period rolls over
	// or the limit rises.
	ActionBlockRenewals BudgetAction = "BlockRenewals"
)

// ChargingMode filters cost data by charging mode (8.1 charge_mode).
// +kubebuilder:validation:Enum=YearlyMonthly;PayPerUse;ReservedInstance;SavingsPlan
type ChargingMode string

// BudgetThreshold is one alert level.
type BudgetThreshold struct {
	// percent of the limit at which the threshold is crossed.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	Percent int32 `json:"percent"`

	// basis is Actual, Forecasted or Committed spend.
	// +optional
	// +kubebuilder:default=Actual
	Basis ThresholdBasis `json:"basis,omitempty"`

	// actions taken when the threshold is crossed. Notify always happens.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=3
	Actions []BudgetAction `json:"actions,omitempty"`
}

// BudgetFilters narrow the spend counted against the budget (8.1 filters).
// Empty lists match everything.
type BudgetFilters struct {
	// serviceTypes are cloud service type codes, for example hws.service.type.ec2.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=50
	ServiceTypes []string `json:"serviceTypes,omitempty"`

	// regions, for example ap-southeast-1.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=50
	Regions []string `json:"regions,omitempty"`

	// enterpriseProjects are enterprise project IDs.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=50
	EnterpriseProjects []string `json:"enterpriseProjects,omitempty"`

	// chargingModes are YearlyMonthly, PayPerUse, ReservedInstance or SavingsPlan.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=4
	ChargingModes []ChargingMode `json:"chargingModes,omitempty"`
}

// BalanceFloor alerts when the balance minus deductions due soon falls below
// an amount.
type BalanceFloor struct {
	// amount below which the projected balance raises BalanceLow.
	// +required
	Amount Money `json:"amount"`

	// horizonDays is how many days of upcoming deductions (explicit
	// renewals and the cloud's auto-renew deductions) are subtracted.
	// +optional
	// +kubebuilder:default=14
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=366
	HorizonDays int32 `json:"horizonDays,omitempty"`
}

// WebhookSpec is where Notify posts a JSON body.
type WebhookSpec struct {
	// urlSecretRef names a Secret in the same namespace whose key "url"
	// holds the webhook URL (it often embeds a token).
	// +required
	URLSecretRef LocalObjectReference `json:"urlSecretRef"`
}

// BudgetAlertSpec declares a spending limit and what happens near it.
// +kubebuilder:validation:XValidation:rule="!has(self.balanceFloor) || self.balanceFloor.amount.currency == self.limit.currency",message="balanceFloor must use the limit's currency"
type BudgetAlertSpec struct {
	// accountRef names the BillingAccount whose spend is counted.
	// +required
	AccountRef LocalObjectReference `json:"accountRef"`

	// period is Monthly, Quarterly or Yearly, in calendar terms in timeZone.
	// +optional
	// +kubebuilder:default=Monthly
	Period BudgetPeriod `json:"period,omitempty"`

	// timeZone in which periods start. BSS bill cycles are GMT+08:00, so
	// the default is Asia/Shanghai.
	// +optional
	// +kubebuilder:default="Asia/Shanghai"
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_+/-]*$`
	TimeZone string `json:"timeZone,omitempty"`

	// limit is the budget for one period. Spend in another currency is
	// refused with a condition, never converted.
	// +required
	Limit Money `json:"limit"`

	// filters narrow the spend counted.
	// +optional
	Filters BudgetFilters `json:"filters,omitempty"`

	// thresholds are the alert levels.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	Thresholds []BudgetThreshold `json:"thresholds,omitempty"`

	// balanceFloor alerts on the balance projected over the next days.
	// +optional
	BalanceFloor *BalanceFloor `json:"balanceFloor,omitempty"`

	// webhook receives a JSON body for each notification.
	// +optional
	Webhook *WebhookSpec `json:"webhook,omitempty"`

	// refreshInterval is how often spend is recomputed (cost data lags about
	// an hour, 8.1).
	// +optional
	// +kubebuilder:default="30m"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m') && duration(self) <= duration('24h')",message="refreshInterval must be between 1m and 24h"
	RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`
}

// CrossedThreshold records when a threshold was crossed in the current period.
type CrossedThreshold struct {
	// percent of the threshold.
	// +required
	Percent int32 `json:"percent"`

	// basis of the threshold.
	// +required
	Basis ThresholdBasis `json:"basis"`

	// crossedAt is when the operator first saw it crossed this period.
	// +required
	CrossedAt metav1.Time `json:"crossedAt"`

	// notified is true once the notification was delivered.
	// +optional
	Notified bool `json:"notified,omitempty"`
}

// BalanceProjection is the balance minus deductions due within the horizon.
type BalanceProjection struct {
	// balance is the current cash balance.
	// +optional
	Balance string `json:"balance,omitempty"`

	// dueDeductions is the sum of renewals and auto-renew deductions due.
	// +optional
	DueDeductions string `json:"dueDeductions,omitempty"`

	// projected is balance minus dueDeductions.
	// +optional
	Projected string `json:"projected,omitempty"`

	// horizonEnd is the end of the projection.
	// +optional
	HorizonEnd *metav1.Time `json:"horizonEnd,omitempty"`
}

// BudgetAlertStatus is the spend against the limit.
type BudgetAlertStatus struct {
	// observedGeneration is the spec generation the status reflects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready, ThresholdExceeded, BalanceLow; Reconciling and
	// Stalled (kstatus) only while True.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// periodStart is the start of the current period.
	// +optional
	PeriodStart *metav1.Time `json:"periodStart,omitempty"`

	// periodEnd is the end of the current period.
	// +optional
	PeriodEnd *metav1.Time `json:"periodEnd,omitempty"`

	// actual spend so far in the period.
	// +optional
	Actual string `json:"actual,omitempty"`

	// forecast spend for the whole period.
	// +optional
	Forecast string `json:"forecast,omitempty"`

	// committed is actual plus renewals due inside the period.
	// +optional
	Committed string `json:"committed,omitempty"`

	// currency of the figures.
	// +optional
	Currency string `json:"currency,omitempty"`

	// percentUsed is actual spend as a percentage of the limit.
	// +optional
	PercentUsed string `json:"percentUsed,omitempty"`

	// crossed lists the thresholds crossed this period.
	// +optional
	// +listType=atomic
	Crossed []CrossedThreshold `json:"crossed,omitempty"`

	// activeActions are the RequireApproval and BlockRenewals actions in
	// force now, from thresholds crossed this period. Renewals whose policy
	// references this BudgetAlert obey them.
	// +optional
	// +listType=set
	ActiveActions []BudgetAction `json:"activeActions,omitempty"`

	// balance is the projection against balanceFloor.
	// +optional
	Balance *BalanceProjection `json:"balance,omitempty"`

	// dataAsOf is how current the cost data is (it lags about an hour).
	// +optional
	DataAsOf *metav1.Time `json:"dataAsOf,omitempty"`

	// lastSyncTime is when the figures were last computed.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
}

// BudgetAlert watches actual, forecast and committed spend and the balance
// of a BillingAccount against a limit, and notifies or gates renewals.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=budget;budgets,categories=bss
// +kubebuilder:printcolumn:name="Period",type=string,JSONPath=`.spec.period`
// +kubebuilder:printcolumn:name="Limit",type=string,JSONPath=`.spec.limit.amount`
// +kubebuilder:printcolumn:name="Actual",type=string,JSONPath=`.status.actual`
// +kubebuilder:printcolumn:name="Forecast",type=string,JSONPath=`.status.forecast`
// +kubebuilder:printcolumn:name="Committed",type=string,JSONPath=`.status.committed`
// +kubebuilder:printcolumn:name="Used%",type=string,JSONPath=`.status.percentUsed`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type BudgetAlert struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the limit, thresholds and actions.
	// +required
	Spec BudgetAlertSpec `json:"spec"`

	// status is the spend against the limit.
	// +optional
	Status BudgetAlertStatus `json:"status,omitempty"`
}

// BudgetAlertList is a list of BudgetAlerts.
// +kubebuilder:object:root=true
type BudgetAlertList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the list's metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the BudgetAlerts.
	Items []BudgetAlert `json:"items"`
}
