package controller_test

import (
	"testing"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestHarnessStarts checks that the shared harness runs: a BillingAccount
// can be created next to its simulator account.
func TestHarnessStarts(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "100.00")
	id := h.newResource(t, a, resourceOpts{expiresIn: 30 * 24 * time.Hour})
	if _, ok := h.sim.Resource(id); !ok {
		t.Fatalf("simulator does not know resource %s", id)
	}
	var acct billingv1alpha1.BillingAccount
	get(t, ns, a.Name, &acct)
}
