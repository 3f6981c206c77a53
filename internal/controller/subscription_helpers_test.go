package controller_test

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// renewPolicy returns a Renew policy for one month.
func renewPolicy(ns, name string, mutate ...func(*billingv1alpha1.RenewSpec)) *billingv1alpha1.RenewalPolicy {
	p := &billingv1alpha1.RenewalPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: billingv1alpha1.RenewalPolicySpec{
			Mode: billingv1alpha1.RenewalModeRenew,
			Renew: &billingv1alpha1.RenewSpec{
				RenewBefore: &metav1.Duration{Duration: 14 * 24 * time.Hour},
				Period:      billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
			},
		},
	}
	for _, m := range mutate {
		m(p.Spec.Renew)
	}
	return p
}

// modePolicy returns a policy of a mode without explicit renewal.
func modePolicy(ns, name string, mode billingv1alpha1.RenewalMode) *billingv1alpha1.RenewalPolicy {
	return &billingv1alpha1.RenewalPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       billingv1alpha1.RenewalPolicySpec{Mode: mode},
	}
}

// subscription returns a Subscription of resourceID under a policy.
func subscription(ns, name, resourceID, policy string, mgmt billingv1alpha1.ManagementPolicy) *billingv1alpha1.Subscription {
	return &billingv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: billingv1alpha1.SubscriptionSpec{
			AccountRef:       billingv1alpha1.LocalObjectReference{Name: "acct"},
			ResourceID:       resourceID,
			RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: policy},
			ManagementPolicy: mgmt,
		},
	}
}

// renewalOrders returns the simulator's renewal orders of an account.
func renewalOrders(a account) []simulator.Order {
	var out []simulator.Order
	for _, o := range h.sim.Orders() {
		if o.AccountID == a.DomainID && o.Type == 2 {
			out = append(out, o)
		}
	}
	return out
}

// waitSub waits until the Subscription satisfies check.
func waitSub(t *testing.T, ns, name string, timeout time.Duration, check func(*billingv1alpha1.Subscription) error) *billingv1alpha1.Subscription {
	t.Helper()
	var sub billingv1alpha1.Subscription
	eventually(t, timeout, func() error {
		if err := getErr(ns, name, &sub); err != nil {
			return err
		}
		return check(&sub)
	})
	return &sub
}

// waitRequest waits until a RenewalRequest reaches a phase.
func waitRequest(t *testing.T, ns, name string, timeout time.Duration, phase billingv1alpha1.RenewalPhase) *billingv1alpha1.RenewalRequest {
	t.Helper()
	var rr billingv1alpha1.RenewalRequest
	eventually(t, timeout, func() error {
		if err := getErr(ns, name, &rr); err != nil {
			return err
		}
		if rr.Status.Phase != phase {
			return fmt.Errorf("RenewalRequest %s is %q (%s), want %s", name, rr.Status.Phase, rr.Status.Message, phase)
		}
		return nil
	})
	return &rr
}

// simResource reads a resource from the simulator.
func simResource(t *testing.T, id string) simulator.ResourceView {
	t.Helper()
	r, ok := h.sim.Resource(id)
	if !ok {
		t.Fatalf("simulator has no resource %s", id)
	}
	return r
}

// bssClient is a BSS client of the account that is not the operator's: a
// person in the console, or another tool.
func bssClient(t *testing.T, a account) bss.Client {
	t.Helper()
	c, err := bss.New(bss.Config{Endpoint: h.url, DomainID: a.DomainID,
		Credentials: bss.Credentials{AccessKey: a.AK, SecretKey: a.SK}})
	if err != nil {
		t.Fatalf("console client: %v", err)
	}
	return c
}

// passed makes the Subscription controller run one more full pass over the
// Subscription and waits until that pass has written its status: the
// refresh annotation asks for a pass that reads the resource afresh, and
// status.refreshHandled echoes the annotation's value at its end. Tests
// that then assert that nothing happened know that at least one pass
// happened, instead of trusting a fixed sleep.
func passed(t *testing.T, ns, name string) {
	t.Helper()
	v := fmt.Sprintf("probe-%d", h.seq.Add(1))
	annotate(t, ns, name, billingv1alpha1.AnnotationRefresh, v)
	waitSub(t, ns, name, 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.RefreshHandled != v {
			return fmt.Errorf("refreshHandled %q, waiting for the pass that handles %q", s.Status.RefreshHandled, v)
		}
		return nil
	})
}
