package renewal

import (
	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Reason is why a gate held, asked for approval or ended an attempt. Its
// values are the API's condition reasons (api/v1alpha1/conditions.go), so
// that a Decision is written to a condition as is and never parsed back
// out of a message.
type Reason string

// Reasons the gates give.
const (
	ReasonPriceAboveMax       Reason = billingv1alpha1.ReasonPriceAboveMax
	ReasonCurrencyMismatch    Reason = billingv1alpha1.ReasonCurrencyMismatch
	ReasonBudgetNotFound      Reason = billingv1alpha1.ReasonBudgetNotFound
	ReasonBudgetNotReady      Reason = billingv1alpha1.ReasonBudgetNotReady
	ReasonBudgetNotObserved   Reason = billingv1alpha1.ReasonBudgetNotObserved
	ReasonBudgetStale         Reason = billingv1alpha1.ReasonBudgetStale
	ReasonBudgetBlocks        Reason = billingv1alpha1.ReasonBudgetBlocks
	ReasonBudgetRequires      Reason = billingv1alpha1.ReasonBudgetRequires
	ReasonApprovalPolicy      Reason = billingv1alpha1.ReasonApprovalPolicy
	ReasonPendingOrderNotOurs Reason = billingv1alpha1.ReasonPendingOrderNotOurs
	ReasonPendingOrderPeriod  Reason = billingv1alpha1.ReasonPendingOrderPeriod
	ReasonPriceRose           Reason = billingv1alpha1.ReasonPriceRose
	ReasonDenied              Reason = billingv1alpha1.ReasonDenied
	ReasonApproved            Reason = billingv1alpha1.ReasonApproved
	ReasonAutoApproved        Reason = billingv1alpha1.ReasonAutoApproved
	ReasonOutsideWindow       Reason = billingv1alpha1.ReasonOutsideWindow
	ReasonWindowInvalid       Reason = billingv1alpha1.ReasonWindowInvalid
)

// Gate names one policy of the chain.
type Gate string

// The gates, in the order Evaluate applies them.
const (
	GateDecision     Gate = "Decision"
	GatePendingOrder Gate = "PendingOrder"
	GatePrice        Gate = "MaxPrice"
	GateBudget       Gate = "Budget"
	GateApproval     Gate = "ApprovalPolicy"
	GateWindow       Gate = "Window"
)

// Finding is what one gate found: a hold, an end, or a reason to ask a
// person.
type Finding struct {
	// Gate is the policy that found it.
	Gate Gate
	// Reason is the API reason.
	Reason Reason
	// Message says it to a person.
	Message string
}

// Reasons the phase transitions give.
const (
	ReasonRenewCallSettling   Reason = billingv1alpha1.ReasonRenewCallSettling
	ReasonForeignOrder        Reason = billingv1alpha1.ReasonForeignOrder
	ReasonResourceNotFound    Reason = billingv1alpha1.ReasonResourceNotFound
	ReasonRenewedElsewhere    Reason = billingv1alpha1.ReasonRenewedElsewhere
	ReasonExpiryChanged       Reason = billingv1alpha1.ReasonExpiryChanged
	ReasonAutoRenewSwitchedOn Reason = billingv1alpha1.ReasonAutoRenewSwitchedOn
	ReasonPriceAboveApproved  Reason = billingv1alpha1.ReasonPriceAboveApproved
	ReasonPartnerPays         Reason = billingv1alpha1.ReasonPartnerPays
	ReasonOrderCancelled      Reason = billingv1alpha1.ReasonOrderCancelled
)
