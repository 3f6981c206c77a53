package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RenewalPhase is where a renewal attempt stands.
// +kubebuilder:validation:Enum=Pending;AwaitingApproval;Blocked;Approved;Ordering;PaymentPending;Confirming;Succeeded;Failed;Denied;Cancelled
type RenewalPhase string

const (
	// RenewalPhasePending: created, not yet quoted or gated.
	RenewalPhasePending RenewalPhase = "Pending"
	// RenewalPhaseAwaitingApproval: quoted, waiting for a person's decision.
	RenewalPhaseAwaitingApproval RenewalPhase = "AwaitingApproval"
	// RenewalPhaseBlocked: held by a BudgetAlert's BlockRenewals action or
	// outside the renewal window.
	RenewalPhaseBlocked RenewalPhase = "Blocked"
	// RenewalPhaseApproved: approved (automatically or by a person), not yet ordered.
	RenewalPhaseApproved RenewalPhase = "Approved"
	// RenewalPhaseOrdering: the intent to order is recorded; the renew call
	// may have been made and its order is being looked up.
	RenewalPhaseOrdering RenewalPhase = "Ordering"
	// RenewalPhasePaymentPending: the order exists and awaits payment.
	RenewalPhasePaymentPending RenewalPhase = "PaymentPending"
	// RenewalPhaseConfirming: paid; waiting for the order to complete and
	// the new expiry to show.
	RenewalPhaseConfirming RenewalPhase = "Confirming"
	// RenewalPhaseSucceeded: the new expiry is confirmed.
	RenewalPhaseSucceeded RenewalPhase = "Succeeded"
	// RenewalPhaseFailed: the attempt ended without a renewal.
	RenewalPhaseFailed RenewalPhase = "Failed"
	// RenewalPhaseDenied: a person denied the renewal.
	RenewalPhaseDenied RenewalPhase = "Denied"
	// RenewalPhaseCancelled: the unpaid order was cancelled.
	RenewalPhaseCancelled RenewalPhase = "Cancelled"
)

// Finished reports whether an attempt in this phase has ended (Succeeded,
// Failed, Denied or Cancelled): nothing more happens to it.
func (p RenewalPhase) Finished() bool {
	switch p {
	case RenewalPhaseSucceeded, RenewalPhaseFailed, RenewalPhaseDenied, RenewalPhaseCancelled:
		return true
	}
	return false
}

// ApprovalDecision is a person's decision on a renewal.
// +kubebuilder:validation:Enum=Approve;Deny
type ApprovalDecision string

const (
	// DecisionApprove lets the renewal be ordered at up to the quoted price.
	DecisionApprove ApprovalDecision = "Approve"
	// DecisionDeny ends the attempt without ordering.
	DecisionDeny ApprovalDecision = "Deny"
)

// ApprovalState is where a renewal stands with respect to approval.
// +kubebuilder:validation:Enum=AutoApproved;Required;RequiredAgain;Approved;Denied
type ApprovalState string

const (
	// ApprovalStateAutoApproved: no person's approval was needed (the policy,
	// maxPrice and the budget allowed the quote).
	ApprovalStateAutoApproved ApprovalState = "AutoApproved"
	// ApprovalStateRequired: a person must approve or deny; the reason is in
	// the ApprovalRequired condition.
	ApprovalStateRequired ApprovalState = "Required"
	// ApprovalStateRequiredAgain: a person approved, but the approval no
	// longer covers the renewal (the price rose above the approved amount,
	// or the pending order to pay changed); a new decision may replace the
	// old one in spec.approval.
	ApprovalStateRequiredAgain ApprovalState = "RequiredAgain"
	// ApprovalStateApproved: a person approved the renewal.
	ApprovalStateApproved ApprovalState = "Approved"
	// ApprovalStateDenied: a person denied the renewal.
	ApprovalStateDenied ApprovalState = "Denied"
)

// RenewalApproval is a person's decision, written by an approver (for
// example with `kubectl bss approve`). Only subjects bound to the
// bss-operator-renewal-approver role may patch RenewalRequests.
type RenewalApproval struct {
	// decision is Approve or Deny. It cannot be changed once made.
	// +required
	Decision ApprovalDecision `json:"decision"`

	// approver names who decided.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Approver string `json:"approver"`

	// reason for the decision.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Reason string `json:"reason,omitempty"`

	// maxAmount is the most the approver allows; without it the approval
	// covers the quote shown in status at the time of the decision. A new
	// quote above it needs a new approval.
	// +optional
	MaxAmount *Money `json:"maxAmount,omitempty"`
}

// RenewalRequestSpec is one renewal attempt, created by the Subscription
// controller. Everything but approval is fixed at creation, so that an
// approver cannot loosen the gates (price cap, approval rule, window,
// budget) the policy set; and an approval, once made, is fixed too.
// +kubebuilder:validation:XValidation:rule="self.subscriptionName == oldSelf.subscriptionName",message="spec.subscriptionName is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="self.accountRef == oldSelf.accountRef",message="spec.accountRef is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="self.resourceID == oldSelf.resourceID",message="spec.resourceID is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="self.revision == oldSelf.revision",message="spec.revision is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="self.baselineExpireTime == oldSelf.baselineExpireTime",message="spec.baselineExpireTime is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="self.period == oldSelf.period",message="spec.period is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="self.payment.method == oldSelf.payment.method && self.payment.discount == oldSelf.payment.discount && duration(self.payment.cancelUnpaidAfter) == duration(oldSelf.payment.cancelUnpaidAfter)",message="spec.payment is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="has(self.maxPrice) == has(oldSelf.maxPrice) && (!has(self.maxPrice) || self.maxPrice == oldSelf.maxPrice)",message="spec.maxPrice is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="has(self.approvalPolicy) == has(oldSelf.approvalPolicy) && (!has(self.approvalPolicy) || self.approvalPolicy == oldSelf.approvalPolicy)",message="spec.approvalPolicy is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="has(self.approvalAmount) == has(oldSelf.approvalAmount) && (!has(self.approvalAmount) || self.approvalAmount == oldSelf.approvalAmount)",message="spec.approvalAmount is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="has(self.window) == has(oldSelf.window) && (!has(self.window) || self.window == oldSelf.window)",message="spec.window is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="has(self.budgetAlertRef) == has(oldSelf.budgetAlertRef) && (!has(self.budgetAlertRef) || self.budgetAlertRef == oldSelf.budgetAlertRef)",message="spec.budgetAlertRef is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="has(self.pendingOrders) == has(oldSelf.pendingOrders) && (!has(self.pendingOrders) || self.pendingOrders == oldSelf.pendingOrders)",message="spec.pendingOrders is fixed at creation; a new attempt is a new RenewalRequest"
// +kubebuilder:validation:XValidation:rule="(has(self.lookupFirst) && self.lookupFirst) == (has(oldSelf.lookupFirst) && oldSelf.lookupFirst)",message="spec.lookupFirst is fixed at creation; a new attempt is a new RenewalRequest"
type RenewalRequestSpec struct {
	// subscriptionName is the Subscription being renewed, in the same namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	SubscriptionName string `json:"subscriptionName"`

	// accountRef is the BillingAccount used for the renewal.
	// +required
	AccountRef LocalObjectReference `json:"accountRef"`

	// resourceID is the primary resource to renew.
	// +required
	// +kubebuilder:validation:MinLength=1
	ResourceID string `json:"resourceID"`

	// revision is the Subscription's renewal revision this attempt belongs to.
	// +required
	// +kubebuilder:validation:Minimum=1
	Revision int64 `json:"revision"`

	// baselineExpireTime is the expiry the renewal starts from; a later
	// expiry in BSS means the renewal has happened.
	// +required
	BaselineExpireTime metav1.Time `json:"baselineExpireTime"`

	// period is how long the renewal extends the subscription.
	// +required
	Period RenewalPeriod `json:"period"`

	// payment is how the renewal order is paid.
	// +required
	Payment PaymentSpec `json:"payment"`

	// maxPrice is the most the renewal may cost without approval.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!self.amount.startsWith('-')",message="maxPrice.amount must not be negative"
	MaxPrice *Money `json:"maxPrice,omitempty"`

	// approvalPolicy copies the policy's approval rule: Never, Always or
	// AboveAmount.
	// +optional
	ApprovalPolicy ApprovalPolicy `json:"approvalPolicy,omitempty"`

	// approvalAmount is the AboveAmount threshold, copied from the policy.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!self.amount.startsWith('-')",message="approvalAmount.amount must not be negative"
	ApprovalAmount *Money `json:"approvalAmount,omitempty"`

	// window is when the order may be placed, copied from the policy.
	// +optional
	Window *RenewalWindow `json:"window,omitempty"`

	// budgetAlertRef is the BudgetAlert whose actions gate this renewal.
	// +optional
	BudgetAlertRef *LocalObjectReference `json:"budgetAlertRef,omitempty"`

	// pendingOrders copies the policy's rule for a renewal order that awaits
	// payment and was not placed by this attempt: RequireApproval or Gate.
	// Defaults to RequireApproval (DefaultPendingOrders).
	// +optional
	// +kubebuilder:default=RequireApproval
	PendingOrders PendingOrderPolicy `json:"pendingOrders,omitempty"`

	// approval is a person's decision, when one is needed. Once made it can
	// only be replaced while status.approvalState is RequiredAgain (the
	// price rose above the approved amount): then a new decision replaces
	// the old one.
	// +optional
	Approval *RenewalApproval `json:"approval,omitempty"`

	// lookupFirst makes the attempt search BSS for an existing order of
	// the resource before its first renew call. The Subscription sets it on
	// every attempt started after an attempt whose renew call outcome was
	// unknown (issue 16, path 2).
	// +optional
	LookupFirst bool `json:"lookupFirst,omitempty"`
}

// RenewalRequestStatus is the progress and outcome of one renewal attempt.
type RenewalRequestStatus struct {
	// observedGeneration is the spec generation the status reflects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready (True once Succeeded), ApprovalRequired,
	// PaymentPending, BudgetBlocked; Reconciling and Stalled (kstatus) only
	// while True.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// phase is where the attempt stands.
	// +optional
	Phase RenewalPhase `json:"phase,omitempty"`

	// quote is the price BSS quoted.
	// +optional
	Quote *PriceQuote `json:"quote,omitempty"`

	// approvalState is AutoApproved, Required, RequiredAgain, Approved or
	// Denied, with the reason in the ApprovalRequired condition.
	// +optional
	ApprovalState ApprovalState `json:"approvalState,omitempty"`

	// approvedAmount is the most the person's approval covers: its maxAmount,
	// or else the quote shown in status when the operator applied the
	// approval. A later quote above it sends the attempt back to
	// AwaitingApproval.
	// +optional
	ApprovedAmount *Money `json:"approvedAmount,omitempty"`

	// approvalGeneration is the metadata.generation of the spec whose
	// approval set approvedAmount. Only spec.approval can change after
	// creation, so a higher generation is a new decision to apply.
	// +optional
	ApprovalGeneration int64 `json:"approvalGeneration,omitempty"`

	// orderIntentTime is when the operator recorded its intent to order,
	// before calling renew. After a crash, orders created after it are
	// adopted instead of ordering again.
	// +optional
	OrderIntentTime *metav1.Time `json:"orderIntentTime,omitempty"`

	// renewCalls counts renew calls made for this attempt (at most one
	// unless a lookup proved that no order exists).
	// +optional
	RenewCalls int32 `json:"renewCalls,omitempty"`

	// renewCallStartedAt is when the latest renew call of this attempt
	// started, recorded before the call is made. Until the BSS timeout and
	// a settling delay have passed since, no pass of this attempt looks
	// orders up or calls renew again: the call may still be under way (a
	// restart or a new leader cannot know). Cleared when BSS answered that
	// nothing was ordered.
	// +optional
	RenewCallStartedAt *metav1.Time `json:"renewCallStartedAt,omitempty"`

	// firstRenewCallAt is when this attempt's first renew call started. A
	// renewal order for the resource created before it was not placed by
	// this attempt: it is reported (reason ForeignOrder), never paid.
	// +optional
	FirstRenewCallAt *metav1.Time `json:"firstRenewCallAt,omitempty"`

	// orderIDs are the renewal orders.
	// +optional
	// +listType=atomic
	OrderIDs []string `json:"orderIDs,omitempty"`

	// orderStatus is the word for the order's BSS status.
	// +optional
	OrderStatus string `json:"orderStatus,omitempty"`

	// orderStatusSince is when the operator first saw the order in
	// orderStatus: the start of the bounded wait in states 1, 3 and 9
	// (condition OrderStuck).
	// +optional
	OrderStatusSince *metav1.Time `json:"orderStatusSince,omitempty"`

	// paymentDeadline is when BSS closes the order for payment, or when the
	// operator cancels it (cancelUnpaidAfter), whichever is earlier.
	// +optional
	PaymentDeadline *metav1.Time `json:"paymentDeadline,omitempty"`

	// discountID is the discount applied at payment, if any.
	// +optional
	DiscountID string `json:"discountID,omitempty"`

	// discountType is the type of the discount applied at payment (6.2.3
	// discount_type): 0 promotion, 2 commercial or 3 partner, the types
	// the pay API accepts (6.2.4).
	// +optional
	// +kubebuilder:validation:Enum=0;2;3
	DiscountType *int32 `json:"discountType,omitempty"`

	// discountSaved is the amount the applied discount was computed to take
	// off the order, from the order's lines and the discount's amount or
	// ratio; BSS's own figure shows in the order once paid.
	// +optional
	DiscountSaved *Money `json:"discountSaved,omitempty"`

	// amountPaid is what the renewal cost (the order's amount after
	// discounts).
	// +optional
	AmountPaid *Money `json:"amountPaid,omitempty"`

	// newExpireTime is the confirmed expiry after renewal.
	// +optional
	NewExpireTime *metav1.Time `json:"newExpireTime,omitempty"`

	// completionTime is when the attempt ended.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`

	// failureCount counts consecutive errors within this attempt.
	// +optional
	FailureCount int32 `json:"failureCount,omitempty"`

	// nextAttemptTime is when the next retry is due.
	// +optional
	NextAttemptTime *metav1.Time `json:"nextAttemptTime,omitempty"`

	// message is a human summary of the latest step.
	// +optional
	Message string `json:"message,omitempty"`
}

// RenewalRequest is one renewal attempt of a Subscription: the quote, the
// approval, the order, the payment and the new expiry. The Subscription
// controller creates and owns it; an approver may set spec.approval.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.spec.approval) || (has(self.spec.approval) && (self.spec.approval == oldSelf.spec.approval || (has(oldSelf.status) && has(oldSelf.status.approvalState) && oldSelf.status.approvalState == 'RequiredAgain')))",message="an approval decision cannot be changed or withdrawn once made, unless the operator asks for a new one (status.approvalState RequiredAgain)"
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rreq,categories=bss
// +kubebuilder:printcolumn:name="Subscription",type=string,JSONPath=`.spec.subscriptionName`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Quote",type=string,JSONPath=`.status.quote.price.amount`
// +kubebuilder:printcolumn:name="Currency",type=string,JSONPath=`.status.quote.price.currency`
// +kubebuilder:printcolumn:name="Approval",type=string,JSONPath=`.status.approvalState`
// +kubebuilder:printcolumn:name="Orders",type=string,JSONPath=`.status.orderIDs`
// +kubebuilder:printcolumn:name="New Expiry",type=string,JSONPath=`.status.newExpireTime`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RenewalRequest struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the renewal attempt.
	// +required
	Spec RenewalRequestSpec `json:"spec"`

	// status is its progress and outcome.
	// +optional
	Status RenewalRequestStatus `json:"status,omitempty"`
}

// RenewalRequestList is a list of RenewalRequests.
// +kubebuilder:object:root=true
type RenewalRequestList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the list's metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the RenewalRequests.
	Items []RenewalRequest `json:"items"`
}
