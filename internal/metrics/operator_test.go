package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRenewalSpendSkipsUnparsableAmounts: a successful renewal whose
// amountPaid does not parse is not added to the spend as 0 without a word:
// it is left out, counted in renewal_amount_unparsable_total, and reported
// to the caller. Amounts that parse are added.
func TestRenewalSpendSkipsUnparsableAmounts(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := NewOperator(reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.RenewalEnded("team", "Succeeded", "12.50", "USD"); err != nil {
		t.Fatalf("a valid amount: %v", err)
	}
	if err := m.RenewalEnded("team", "Succeeded", "12,50", "USD"); err == nil {
		t.Error("an unparsable amount was not reported")
	}
	if err := m.RenewalEnded("team", "Failed", "", "USD"); err != nil {
		t.Errorf("a failed attempt that paid nothing: %v", err)
	}
	if got := testutil.ToFloat64(m.spent.WithLabelValues("team", "USD")); got != 12.5 {
		t.Errorf("renewal_amount_total %v, want 12.5", got)
	}
	if got := testutil.ToFloat64(m.unparsable.WithLabelValues("team")); got != 1 {
		t.Errorf("renewal_amount_unparsable_total %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.renewals.WithLabelValues("team", "Succeeded")); got != 2 {
		t.Errorf("renewals_total{result=Succeeded} %v, want 2", got)
	}
}
