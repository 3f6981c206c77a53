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

const (
	// ChargingModeYearlyMonthly is yearly/monthly (prepaid) spend (charge_mode 1).
	ChargingModeYearlyMonthly ChargingMode = "YearlyMonthly"
	// ChargingModePayPerUse is pay-per-use spend (charge_mode 3).
	ChargingModePayPerUse ChargingMode = "PayPerUse"
	// ChargingModeReservedInstance is reserved instance spend (charge_mode 10).
	ChargingModeReservedInstance ChargingMode = "ReservedInstance"
	// ChargingModeSavingsPlan is savings plan spend (charge_mode 11).
	ChargingModeSavingsPlan ChargingMode = "SavingsPlan"
)

// BudgetThreshold is one alert level.
type BudgetThreshold struct {
	// percent of the limit at which the threshold is crossed.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	Percent int32 `json:"percent"`

	// basis is Actual, Forecasted or Committed spend; unset means Actual
	// (DefaultThresholdBasis). The schema sets no default: thresholds is an
	// atomic list, and a default inside one keeps an Argo CD Application
	// that omits the field OutOfSync (docs/argocd.md).
	// +optional
	Basis ThresholdBasis `json:"basis,omitempty"`

	// actions taken when the threshold is crossed. Notify always happens.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=3
	Actions []BudgetAction `json:"actions,omitempty"`
}

// BudgetFilters narrow the spend counted against the budget (8.1 filters).
type BudgetFilters struct {
	// ResourceSelector counts only the spend of resources that match its
	// serviceTypeCodes, regionCodes and enterpriseProjectIDs; empty lists
	// match everything. BillingAccount spec.discovery selects with the same
	// fields.
	ResourceSelector `json:",inline"`

	// chargingModes are YearlyMonthly, PayPerUse, ReservedInstance or
	// SavingsPlan; empty matches every charging mode.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=4
	ChargingModes []ChargingMode `json:"chargingModes,omitempty"`
}

// BalanceFloor alerts when the balance minus deductions due soon falls below
// an amount.
type BalanceFloor struct {
	// amount below which the projected balance raises BalanceLow. It must
	// not be negative.
	// +required
	// +kubebuilder:validation:XValidation:rule="!self.amount.startsWith('-')",message="balanceFloor.amount must not be negative"
	Amount Money `json:"amount"`

	// horizon is how far ahead upcoming deductions (explicit renewals and
	// the cloud's auto-renew deductions) are subtracted from the balance.
	// Between 24h and 8784h (366 days); defaults to 336h, 14 days
	// (DefaultBalanceHorizon).
	// +optional
	// +kubebuilder:default="336h"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('24h') && duration(self) <= duration('8784h')",message="horizon must be between 24h and 8784h (366 days)"
	Horizon *metav1.Duration `json:"horizon,omitempty"`
}

// WebhookSpec is where Notify posts a JSON body.
type WebhookSpec struct {
	// urlSecretRef names a Secret in the same namespace whose key "url"
	// holds the webhook URL (it often embeds a token).
	// +required
	URLSecretRef LocalObjectReference `json:"urlSecretRef"`

	// format is the body posted: JSON (the versioned
	// BudgetThresholdCrossed payload of docs/budgets.md) or Slack (an
	// incoming-webhook message). Unset means JSON.
	// +optional
	Format NotificationFormat `json:"format,omitempty"`
}

// BudgetAlertSpec declares a spending limit and what happens near it.
// +kubebuilder:validation:XValidation:rule="!has(self.balanceFloor) || self.balanceFloor.amount.currency == self.limit.currency",message="balanceFloor must use the limit's currency"
type BudgetAlertSpec struct {
	// accountRef names the BillingAccount whose spend is counted.
	// +required
	AccountRef LocalObjectReference `json:"accountRef"`

	// period is Monthly, Quarterly or Yearly, in calendar terms in timeZone;
	// defaults to Monthly (DefaultBudgetPeriod).
	// +optional
	// +kubebuilder:default=Monthly
	Period BudgetPeriod `json:"period,omitempty"`

	// timeZone in which periods start. BSS bill cycles are GMT+08:00, so
	// the default is Asia/Shanghai (DefaultBudgetTimeZone).
	// +optional
	// +kubebuilder:default="Asia/Shanghai"
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_+/-]*$`
	TimeZone string `json:"timeZone,omitempty"`

	// limit is the budget for one period. Spend in another currency is
	// refused with a condition, never converted. It must not be negative.
	// +required
	// +kubebuilder:validation:XValidation:rule="!self.amount.startsWith('-')",message="limit.amount must not be negative"
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
	// an hour, 8.1). Between 1m and 24h; defaults to 30m
	// (DefaultBudgetRefreshInterval).
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
	Balance *Money `json:"balance,omitempty"`

	// dueDeductions is the sum of renewals and auto-renew deductions due.
	// +optional
	DueDeductions *Money `json:"dueDeductions,omitempty"`

	// projected is balance minus dueDeductions; it may be negative.
	// +optional
	Projected *Money `json:"projected,omitempty"`

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
	Actual *Money `json:"actual,omitempty"`

	// forecast spend for the whole period.
	// +optional
	Forecast *Money `json:"forecast,omitempty"`

	// committed is actual plus renewals due inside the period.
	// +optional
	Committed *Money `json:"committed,omitempty"`

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
// +kubebuilder:printcolumn:name="Currency",type=string,JSONPath=`.spec.limit.currency`
// +kubebuilder:printcolumn:name="Actual",type=string,JSONPath=`.status.actual.amount`
// +kubebuilder:printcolumn:name="Forecast",type=string,JSONPath=`.status.forecast.amount`
// +kubebuilder:printcolumn:name="Committed",type=string,JSONPath=`.status.committed.amount`
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
