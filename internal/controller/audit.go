package controller

import (
	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/audit"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// The BSS clients are audited (internal/bss audited.go): every write they
// make is recorded with the audit.Subject of its context. Each reconciler
// attaches its subject once per pass, right after reading its object, so
// every write of the pass, on any code path, names what it was for.

// renewalSubject describes a renewal attempt as it stands in this pass:
// the quote and the approval taken so far, and the policy of its
// Subscription once read.
func renewalSubject(st *rrState) audit.Subject {
	rr := st.rr
	s := audit.Subject{
		Kind:           "RenewalRequest",
		Namespace:      rr.Namespace,
		Name:           rr.Name,
		UID:            string(rr.UID),
		Subscription:   rr.Spec.SubscriptionName,
		RenewalRequest: rr.Name,
		Revision:       rr.Spec.Revision,
		ApprovalState:  string(rr.Status.ApprovalState),
		ApprovedAmount: auditAmount(rr.Status.ApprovedAmount),
	}
	if st.sub != nil && st.sub.Spec.RenewalPolicyRef != nil {
		s.Policy = st.sub.Spec.RenewalPolicyRef.Name
	}
	if a := rr.Spec.Approval; a != nil && a.Decision == billingv1alpha1.DecisionApprove {
		s.Approver = a.Approver
	}
	if q := rr.Status.Quote; q != nil {
		s.Quote = auditAmount(&q.Price)
	}
	return s
}

// subscriptionSubject describes a Subscription for the writes it makes
// itself (cloud auto-renew, to-on-demand, unsubscribe on deletion).
func subscriptionSubject(sub *billingv1alpha1.Subscription) audit.Subject {
	s := audit.Subject{
		Kind:         "Subscription",
		Namespace:    sub.Namespace,
		Name:         sub.Name,
		UID:          string(sub.UID),
		Subscription: sub.Name,
	}
	if sub.Spec.RenewalPolicyRef != nil {
		s.Policy = sub.Spec.RenewalPolicyRef.Name
	}
	return s
}

// auditAmount converts an API amount, nil for nil.
func auditAmount(m *billingv1alpha1.Money) *audit.Amount {
	if m == nil {
		return nil
	}
	return &audit.Amount{Amount: m.Amount, Currency: m.Currency}
}

// auditMoney converts a BSS amount exactly, with at least two decimals as
// the API shows amounts ("100.00", "99.505").
func auditMoney(m bss.Money) audit.Amount {
	s := m.Amount.StringFixed(2)
	if m.Amount.Exponent() < -2 {
		s = m.Amount.String()
	}
	return audit.Amount{Amount: s, Currency: m.Currency}
}
