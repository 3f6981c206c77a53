package budget_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/budget"
)

// TestPriceAutoRenewals prices cloud auto-renew deductions against the
// simulator: in batches, within the per-pass call bound, around a resource
// BSS refuses to quote, and from the cache once priced.
func TestPriceAutoRenewals(t *testing.T) {
	sim, clk, cl := simAccount(t, commitNow, "domain-q", "1000", "USD")
	var dues []budget.Due
	for i := range 12 {
		id := fmt.Sprintf("ecs-%02d", i)
		if err := sim.AddResource(simulator.ResourceSeed{ID: id, Account: "domain-q", Name: id, Region: "ap-southeast-1",
			ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm",
			MonthlyPrice: decimal.NewFromInt(int64(10 + i)), ExpiresIn: "20d", AutoRenew: true}); err != nil {
			t.Fatal(err)
		}
		dues = append(dues, budget.Due{Kind: budget.DueAutoRenew, ResourceID: id, Source: id, Months: 1, At: commitNow})
	}
	// BSS does not know this one: its batch is refused, and it alone
	// must stay unpriced.
	dues = append(dues, budget.Due{Kind: budget.DueAutoRenew, ResourceID: "gone", Source: "gone", Months: 1, At: commitNow})
	// Explicit renewals are priced by their Subscription's quote, never here.
	dues = append(dues, budget.Due{Kind: budget.DueRenewal, ResourceID: "ecs-00", Source: "sub", Months: 1, At: commitNow})
	cache := budget.NewQuoteCache(10 * time.Second)
	rateCalls := func() int { return sim.AccountCounters("domain-q").Total(simulator.OpRenewRate) }

	priced := func(dues []budget.Due) (n int) {
		for _, d := range dues {
			if d.Priced {
				n++
			}
		}
		return n
	}
	// Passes go on until one asks BSS nothing (every quotable deduction
	// priced, the refused one remembered); each stays within the bound and
	// reports the calls it made.
	for pass := 1; ; pass++ {
		if pass > 10 {
			t.Fatalf("still asking BSS after 10 passes, %d of 12 priced", priced(dues))
		}
		work := unpriced(dues)
		before := rateCalls()
		calls := cache.PriceAutoRenewals(context.Background(), cl, "acct", work, clk.Now())
		if got := rateCalls() - before; got != calls || calls > budget.QuoteMaxCalls {
			t.Fatalf("pass %d reported %d calls, BSS saw %d, bound %d", pass, calls, got, budget.QuoteMaxCalls)
		}
		if calls == 0 {
			if priced(work) != 12 {
				t.Fatalf("BSS is no longer asked but %d of 12 are priced", priced(work))
			}
			dues = work
			break
		}
	}
	for _, d := range dues {
		switch {
		case d.Kind == budget.DueRenewal && d.Priced:
			t.Errorf("explicit renewal %s priced by the auto-renew cache", d.Source)
		case d.ResourceID == "gone" && d.Priced:
			t.Errorf("unknown resource priced at %s", d.Amount)
		case d.ResourceID == "ecs-03" && (d.Currency != "USD" || !d.Amount.IsPositive()):
			t.Errorf("ecs-03 priced %s %s, want a positive USD amount", d.Amount, d.Currency)
		}
	}

	// Priced and refused resources are not asked again while fresh.
	before := rateCalls()
	cache.PriceAutoRenewals(context.Background(), cl, "acct", unpriced(dues), clk.Now().Add(30*time.Minute))
	if got := rateCalls() - before; got != 0 {
		t.Errorf("a pass with every price cached made %d quote calls", got)
	}
	// Another account shares nothing.
	before = rateCalls()
	cache.PriceAutoRenewals(context.Background(), cl, "other", unpriced(dues[:1]), clk.Now())
	if got := rateCalls() - before; got != 1 {
		t.Errorf("another account's pass made %d quote calls, want 1", got)
	}
	// Past the maximum age, prices are asked again.
	before = rateCalls()
	cache.PriceAutoRenewals(context.Background(), cl, "acct", unpriced(dues[:1]), clk.Now().Add(budget.AutoRenewQuoteMaxAge+time.Minute))
	if got := rateCalls() - before; got != 1 {
		t.Errorf("a stale price was reused: %d quote calls, want 1", got)
	}
}

// unpriced copies dues with their prices forgotten.
func unpriced(dues []budget.Due) []budget.Due {
	out := append([]budget.Due(nil), dues...)
	for i := range out {
		out[i].Priced, out[i].Amount, out[i].Currency = false, decimal.Zero, ""
	}
	return out
}
