package renewal

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Input is everything the gates look at. The reconciler fills it from what
// it read; nothing in it is fetched here.
type Input struct {
	// Now is the business time of the decision.
	Now time.Time
	// Spec is the request's spec: maxPrice, approval policy and amount,
	// window, budget reference, period and pending-order rule. Its approval
	// is not read: Approval below is the decision as applied.
	Spec *billingv1alpha1.RenewalRequestSpec
	// Quote is the price the decision is about.
	Quote Quote
	// Budget is the referenced BudgetAlert's state; nil when spec names one
	// that does not exist. Ignored when spec.budgetAlertRef is unset.
	Budget *Budget
	// Approval is a person's decision as the operator applied it; nil when
	// none was made.
	Approval *Approval
}

// Quote is the price of the renewal: a 4.2.3 quote, or the amount of a
// renewal order that awaits payment (PendingOrder set).
type Quote struct {
	// Price is what the renewal costs after discounts.
	Price billingv1alpha1.Money
	// QuotedAt is when BSS gave the price.
	QuotedAt time.Time
	// PendingOrder is the order whose amount Price is, when the quote was
	// refused because the resource is in an order awaiting payment (digest
	// §7.2 rule 12).
	PendingOrder *PendingOrder
}

// PendingOrder is a renewal order for the resource that awaits payment and
// that this attempt did not place: it was found because BSS refused to
// quote (CBC.30050010) before the attempt had ordered anything. Whoever
// placed it (a person in the console, another process), the operator never
// proves it was its own.
type PendingOrder struct {
	// ID is the order ID.
	ID string
	// Period is the renewal period of the order's line items (6.2.2
	// period_type and period_num); nil when the lines disagree or do not
	// say.
	Period *billingv1alpha1.RenewalPeriod
}

// Budget is what the budget gate needs of a BudgetAlert.
type Budget struct {
	// Name is the BudgetAlert's name, for messages.
	Name string
	// Generation is its metadata.generation.
	Generation int64
	// Ready is its Ready condition, nil when it has none.
	Ready *ReadyCondition
	// LastSyncTime is when its figures were last measured (zero: never).
	LastSyncTime time.Time
	// RefreshInterval is how often it measures (spec.refreshInterval or
	// its default).
	RefreshInterval time.Duration
	// ActiveActions are the RequireApproval and BlockRenewals actions in
	// force.
	ActiveActions []billingv1alpha1.BudgetAction
}

// ReadyCondition is the part of a Ready condition the budget gate reads.
type ReadyCondition struct {
	// True is whether its status is True.
	True bool
	// Reason and Message say why, for the hold's message.
	Reason, Message string
	// ObservedGeneration is the generation it was set for.
	ObservedGeneration int64
}

// BudgetFrom is the budget gate's view of a BudgetAlert.
func BudgetFrom(b *billingv1alpha1.BudgetAlert) *Budget {
	out := &Budget{
		Name:            b.Name,
		Generation:      b.Generation,
		RefreshInterval: billingv1alpha1.DefaultBudgetRefreshInterval,
		ActiveActions:   b.Status.ActiveActions,
	}
	if d := b.Spec.RefreshInterval; d != nil && d.Duration > 0 {
		out.RefreshInterval = d.Duration
	}
	if t := b.Status.LastSyncTime; t != nil {
		out.LastSyncTime = t.Time
	}
	if c := meta.FindStatusCondition(b.Status.Conditions, billingv1alpha1.ConditionReady); c != nil {
		out.Ready = &ReadyCondition{True: c.Status == metav1.ConditionTrue, Reason: c.Reason, Message: c.Message, ObservedGeneration: c.ObservedGeneration}
	}
	return out
}

// Approval is a person's decision as the operator applied it.
type Approval struct {
	// Decision is Approve or Deny.
	Decision billingv1alpha1.ApprovalDecision
	// Approver names who decided.
	Approver string
	// Reason is the approver's reason.
	Reason string
	// Amount is the most an Approve covers (status.approvedAmount); nil
	// covers nothing: the approval was not bound to an amount, or was
	// voided because what it approved changed.
	Amount *billingv1alpha1.Money
}
