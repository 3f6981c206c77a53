package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/demo"
)

// simOrder is what the checks read of the simulator's order book.
type simOrder struct {
	ID                string `json:"id"`
	Type              int    `json:"type"`
	Status            int    `json:"status"`
	PrimaryResourceID string `json:"primaryResourceId"`
}

// Simulator order types and statuses (BSS 6.2.1).
const (
	orderTypeRenewal   = 2
	orderStatusSuccess = 5
)

// testRenewal: web-01 expires within days and its policy renews 14 days
// before expiry, so the operator renews it at once: RenewalRequest
// web-01-r1 succeeds, the Subscription records the renewal and a later
// expiry, and the cloud holds exactly one completed renewal order for it.
func testRenewal(ctx context.Context, t *testing.T, s *demo.Stack, deadline time.Time) {
	key := client.ObjectKey{Namespace: namespace, Name: "web-01-r1"}
	eventually(t, deadline, func() error {
		var rr billingv1alpha1.RenewalRequest
		if err := s.Client.Get(ctx, key, &rr); err != nil {
			return fmt.Errorf("get RenewalRequest %s: %w", key, err)
		}
		if rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded {
			return fmt.Errorf("RenewalRequest %s is %q (%s), want Succeeded", key, rr.Status.Phase, rr.Status.Message)
		}
		return nil
	})
	if t.Failed() {
		return
	}

	var sub billingv1alpha1.Subscription
	eventually(t, deadline, func() error {
		if err := s.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "web-01"}, &sub); err != nil {
			return fmt.Errorf("get Subscription web-01: %w", err)
		}
		last := sub.Status.LastRenewal
		if last == nil || last.RequestName != key.Name || last.NewExpireTime == nil {
			return fmt.Errorf("web-01 status.lastRenewal = %+v, want the outcome of %s", last, key.Name)
		}
		if sub.Status.ExpireTime == nil || !sub.Status.ExpireTime.Equal(last.NewExpireTime) {
			return fmt.Errorf("web-01 status.expireTime = %v, want the renewed expiry %s", sub.Status.ExpireTime, last.NewExpireTime.UTC().Format(time.RFC3339))
		}
		return nil
	})
	if t.Failed() {
		return
	}
	// The inventory's web-01 expired 5 simulated days after the start; one
	// month more puts it at least 30 days out.
	simStart := s.Simulator.Now
	if got := sub.Status.LastRenewal.NewExpireTime.Time; got.Before(simStart.Add(30 * 24 * time.Hour)) {
		t.Errorf("web-01 renewed to %s, want at least a month after the simulated start %s", got, simStart)
	}

	var orders []simOrder
	if err := s.SimulatorAdmin(ctx, http.MethodGet, "orders", &orders); err != nil {
		t.Fatal(err)
	}
	var renewals []simOrder
	for _, o := range orders {
		if o.Type == orderTypeRenewal && o.PrimaryResourceID == webID {
			renewals = append(renewals, o)
		}
	}
	if len(renewals) != 1 || renewals[0].Status != orderStatusSuccess {
		t.Errorf("renewal orders for web-01 in the simulator = %+v, want exactly one completed", renewals)
	}
}

// testColumnValues checks the values kubectl get subscriptions prints once
// the controllers have filled the status.
func testColumnValues(ctx context.Context, t *testing.T, s *demo.Stack, deadline time.Time) {
	var out string
	eventually(t, deadline, func() error {
		var err error
		if out, err = s.Kubectl(ctx, "get", "subscriptions", "-n", namespace); err != nil {
			return err
		}
		rows := parseTable(t, out)
		want := map[string]map[string]string{
			"web-01":    {"POLICY": "renew-monthly", "MANAGEMENT": "Manage", "READY": "True"},
			"orders-db": {"POLICY": "keep-auto-renew", "MANAGEMENT": "Manage", "READY": "True"},
			"bandwidth": {"POLICY": "pay-per-use", "MANAGEMENT": "Observe", "READY": "True"},
			"batch-old": {"POLICY": "lapse", "MANAGEMENT": "Manage", "READY": "True", "REASON": "Lapsed"},
		}
		for name, cols := range want {
			row := rows[name]
			if row == nil {
				return fmt.Errorf("no row for %s", name)
			}
			for col, v := range cols {
				if row[col] != v {
					return fmt.Errorf("%s %s = %q, want %q", name, col, row[col], v)
				}
			}
			if _, err := time.Parse(time.RFC3339, row["EXPIRES"]); err != nil {
				return fmt.Errorf("%s EXPIRES = %q, want an RFC 3339 time", name, row["EXPIRES"])
			}
			if row["REASON"] == "" {
				return fmt.Errorf("%s has no REASON", name)
			}
		}
		// web-01 renews monthly, so the operator shows its next renewal.
		if _, err := time.Parse(time.RFC3339, rows["web-01"]["RENEWS"]); err != nil {
			return fmt.Errorf("web-01 RENEWS = %q, want an RFC 3339 time", rows["web-01"]["RENEWS"])
		}
		return nil
	})
	t.Logf("kubectl get subscriptions:\n%s", out)
}
