package renewal

import (
	"fmt"
	"strings"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// priceGate asks for approval when the price is above spec.maxPrice, or
// cannot be compared with it (another currency).
func priceGate(in Input) *Finding {
	over, err := Exceeds(in.Quote.Price, in.Spec.MaxPrice)
	switch {
	case err != nil:
		return &Finding{Gate: GatePrice, Reason: ReasonCurrencyMismatch, Message: "maxPrice: " + err.Error()}
	case over:
		return &Finding{Gate: GatePrice, Reason: ReasonPriceAboveMax,
			Message: fmt.Sprintf("the price %s is above maxPrice %s", FormatMoney(&in.Quote.Price), FormatMoney(in.Spec.MaxPrice))}
	}
	return nil
}

// approvalPolicyGate asks for approval under policy Always, and under
// AboveAmount when the price is above the threshold or cannot be compared
// with it.
func approvalPolicyGate(in Input) *Finding {
	switch in.Spec.ApprovalPolicy {
	case billingv1alpha1.ApprovalAlways:
		return &Finding{Gate: GateApproval, Reason: ReasonApprovalPolicy, Message: "the policy requires approval of every renewal"}
	case billingv1alpha1.ApprovalAboveAmount:
		if above, err := Exceeds(in.Quote.Price, in.Spec.ApprovalAmount); err != nil || above {
			return &Finding{Gate: GateApproval, Reason: ReasonApprovalPolicy,
				Message: fmt.Sprintf("the price %s is above the approval threshold %s", FormatMoney(&in.Quote.Price), FormatMoney(in.Spec.ApprovalAmount))}
		}
	}
	return nil
}

// pendingOrderPeriodGate ends an attempt priced by a pending order for
// another period than the request's: the operator never pays it.
func pendingOrderPeriodGate(in Input) *Finding {
	po := in.Quote.PendingOrder
	if po == nil {
		return nil
	}
	want := in.Spec.Period
	if po.Period == nil {
		return &Finding{Gate: GatePendingOrder, Reason: ReasonPendingOrderPeriod, Message: fmt.Sprintf(
			"renewal order %s awaits payment but its period cannot be read from its lines, so it is not paid; pay or cancel it in the console",
			po.ID)}
	}
	if *po.Period != want {
		return &Finding{Gate: GatePendingOrder, Reason: ReasonPendingOrderPeriod, Message: fmt.Sprintf(
			"renewal order %s awaits payment for %d %s, not the policy's %d %s, so it is not paid; pay or cancel it in the console, then the renewal starts again",
			po.ID, po.Period.Count, po.Period.Unit, want.Count, want.Unit)}
	}
	return nil
}

// pendingOrderApprovalGate asks a person before paying a pending order the
// attempt did not place, unless the policy says Gate.
func pendingOrderApprovalGate(in Input) *Finding {
	po := in.Quote.PendingOrder
	if po == nil || in.Spec.PendingOrders == billingv1alpha1.PendingOrdersGate {
		return nil
	}
	return &Finding{Gate: GatePendingOrder, Reason: ReasonPendingOrderNotOurs, Message: fmt.Sprintf(
		"renewal order %s (%s) awaits payment and was not placed by the operator; approving pays it", po.ID, FormatMoney(&in.Quote.Price))}
}

// decisionGate answers the asks with a person's approval. It returns the
// approval state (Approved, Required, or RequiredAgain when an approval no
// longer covers the price), the reason of the ApprovalRequired condition
// and its message.
func decisionGate(in Input, asks []Finding) (billingv1alpha1.ApprovalState, Reason, string) {
	why := joinMessages(asks)
	a := in.Approval
	if a == nil || a.Decision != billingv1alpha1.DecisionApprove {
		return billingv1alpha1.ApprovalStateRequired, asks[0].Reason, "approval required: " + why
	}
	if a.Amount == nil {
		return billingv1alpha1.ApprovalStateRequiredAgain, asks[0].Reason, fmt.Sprintf(
			"approval required again: %s; the approval by %s does not cover it, a new decision is needed", why, a.Approver)
	}
	if over, err := Exceeds(in.Quote.Price, a.Amount); err != nil || over {
		return billingv1alpha1.ApprovalStateRequiredAgain, ReasonPriceRose, fmt.Sprintf(
			"approval required again: the price rose from %s, approved by %s, to %s; nothing is ordered at the new price without a new approval (%s)",
			FormatMoney(a.Amount), a.Approver, FormatMoney(&in.Quote.Price), why)
	}
	return billingv1alpha1.ApprovalStateApproved, ReasonApproved, fmt.Sprintf("approved by %s up to %s (%s)", a.Approver, FormatMoney(a.Amount), why)
}

// BindApproval is the amount a person's Approve binds to when the operator
// applies it: its maxAmount, or else the price shown in status when the
// decision was made (shown; nil when no quote was shown yet). A Deny binds
// to nothing.
func BindApproval(a *billingv1alpha1.RenewalApproval, shown *billingv1alpha1.Money) *billingv1alpha1.Money {
	if a == nil || a.Decision != billingv1alpha1.DecisionApprove {
		return nil
	}
	if a.MaxAmount != nil {
		return a.MaxAmount.DeepCopy()
	}
	return shown.DeepCopy()
}

// joinMessages joins the findings' messages for one sentence.
func joinMessages(fs []Finding) string {
	msgs := make([]string, 0, len(fs))
	for _, f := range fs {
		msgs = append(msgs, f.Message)
	}
	return strings.Join(msgs, "; ")
}
