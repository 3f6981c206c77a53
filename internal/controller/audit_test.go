package controller_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/audit"
)

// auditLog is the audit log of the shared manager (suite_test.go).
var auditLog = &auditRecords{}

// auditRecords reads the shared manager's audit log per namespace.
type auditRecords struct{ audit.Memory }

// logger is the audit logger the shared manager writes with.
func (s *auditRecords) logger() logr.Logger { return s.Logger() }

// records returns the audit records of one namespace, oldest first.
func (s *auditRecords) records(t *testing.T, ns string) []map[string]any {
	t.Helper()
	all, err := s.Records(false)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, m := range all {
		if m["namespace"] == ns {
			out = append(out, m)
		}
	}
	return out
}

// TestApprovedRenewalIsAudited: a renewal a person approved leaves one
// audit record per BSS write, the order and its payment, naming the
// attempt, the policy, the approver, the quote and the amount paid.
func TestApprovedRenewalIsAudited(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "5000.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 10 * day, monthly: "100.00"})
	mustCreate(t, renewPolicy(ns, "always", func(r *billingv1alpha1.RenewSpec) {
		r.Approval = billingv1alpha1.ApprovalSpec{Policy: billingv1alpha1.ApprovalAlways}
	}))
	mustCreate(t, subscription(ns, "db", id, "always", billingv1alpha1.ManagementManage))
	waitRequest(t, ns, "db-r1", 30*time.Second, billingv1alpha1.RenewalPhaseAwaitingApproval)
	if recs := auditLog.records(t, ns); len(recs) != 0 {
		t.Fatalf("BSS writes before the approval: %v", recs)
	}
	approve(t, ns, "db-r1", billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice"})
	rr := waitRequest(t, ns, "db-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	orders := renewalOrders(a)
	if len(orders) != 1 {
		t.Fatalf("%d renewal orders, want 1", len(orders))
	}
	order := orders[0].ID

	recs := auditLog.records(t, ns)
	var ops []string
	for _, r := range recs {
		ops = append(ops, r["operation"].(string))
	}
	if strings.Join(ops, ",") != "Renew,PayOrder" {
		t.Fatalf("audited writes %v, want Renew then PayOrder: %v", ops, recs)
	}
	quote := map[string]any{"amount": rr.Status.Quote.Price.Amount, "currency": "USD"}
	approved := map[string]any{"amount": rr.Status.ApprovedAmount.Amount, "currency": "USD"}
	for _, r := range recs {
		for k, want := range map[string]any{
			"logger": "audit", "outcome": "ok", "account": ns + "/acct",
			"kind": "RenewalRequest", "name": "db-r1", "uid": string(rr.UID), "subscription": "db",
			"renewalRequest": "db-r1", "revision": float64(rr.Spec.Revision), "policy": "always",
			"approvalState": string(billingv1alpha1.ApprovalStateApproved), "approver": "alice",
			"approvedAmount": approved, "quote": quote,
		} {
			if got := r[k]; !jsonEqual(got, want) {
				t.Errorf("%s record: %s = %v, want %v", r["operation"], k, got, want)
			}
		}
		if got := r["orderIDs"]; !jsonEqual(got, []any{order}) {
			t.Errorf("%s record: orderIDs = %v, want [%s]", r["operation"], got, order)
		}
	}
	if got, want := recs[0]["resourceIDs"], []any{id}; !jsonEqual(got, want) {
		t.Errorf("Renew record: resourceIDs = %v, want %v", got, want)
	}
	paid := map[string]any{"amount": orders[0].AfterDiscount.StringFixed(2), "currency": "USD"}
	if got := recs[1]["amount"]; !jsonEqual(got, paid) {
		t.Errorf("PayOrder record: amount = %v, want %v", got, paid)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
