package budget_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/budget"
)

// TestAutoRenewTerms: the term the cloud auto-renews by is the purchase
// order's period (digest §7.3 rule 25), for a resource bought three years
// ago and renewed since as for one bought a month ago; effective_time -
// expire_time (the resource's whole life) is not it (issue 15). The
// simulator keeps effective_time at the purchase through renewals.
func TestAutoRenewTerms(t *testing.T) {
	sim, _, cl := simAccount(t, commitNow, "domain-t", "10000", "USD")
	expire := commitNow.Add(20 * 24 * time.Hour)
	threeYearsAgo := commitNow.AddDate(-3, 0, 0)
	seeds := []simulator.ResourceSeed{
		{ID: "old-monthly", PeriodType: "month", PeriodNum: 1, ExpireTime: &expire, EffectiveTime: &threeYearsAgo},
		{ID: "new-monthly", PeriodType: "month", PeriodNum: 1, ExpireTime: &expire},
		{ID: "new-3-months", PeriodType: "month", PeriodNum: 3, ExpireTime: &expire},
		{ID: "old-yearly", PeriodType: "year", PeriodNum: 1, ExpireTime: &expire, EffectiveTime: &threeYearsAgo},
	}
	for _, s := range seeds {
		s.Account, s.Name, s.Region = "domain-t", s.ID, "ap-southeast-1"
		s.ServiceTypeCode, s.ResourceTypeCode, s.MonthlyPrice, s.AutoRenew = "hws.service.type.ec2", "hws.resource.type.vm", decimal.NewFromInt(10), true
		if err := sim.AddResource(s); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	// A renewal by another period must not change the term: the cloud
	// renews by the original one.
	before, err := cl.QueryResources(ctx, bss.QueryResourcesRequest{ResourceIDs: []string{"new-monthly"}, OnlyMainResource: true})
	if err != nil || len(before) != 1 {
		t.Fatalf("query new-monthly: %v %+v", err, before)
	}
	res, err := cl.Renew(ctx, bss.RenewRequest{ResourceIDs: []string{"new-monthly"}, PeriodType: bss.PeriodYear, PeriodNum: 1, AutoPay: true})
	if err != nil || len(res.OrderIDs) == 0 {
		t.Fatalf("renew new-monthly for a year: %v %+v", err, res)
	}
	found, err := cl.QueryResources(ctx, bss.QueryResourcesRequest{ResourceIDs: []string{"old-monthly", "new-monthly", "new-3-months", "old-yearly"}, OnlyMainResource: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"old-monthly": 1, "new-monthly": 1, "new-3-months": 3, "old-yearly": 12}
	var qs []budget.TermQuery
	for _, r := range found {
		if r.ID == "new-monthly" && (!r.ExpireTime.After(expire) || !r.EffectiveTime.Equal(before[0].EffectiveTime)) {
			t.Fatalf("new-monthly after a renewal: expiry %s, effective_time %s; want a later expiry and effective_time unchanged at %s",
				r.ExpireTime, r.EffectiveTime, before[0].EffectiveTime)
		}
		if r.ID == "old-monthly" && !r.EffectiveTime.Equal(threeYearsAgo.Truncate(time.Second)) {
			t.Errorf("old-monthly effective_time %s, want the purchase %s", r.EffectiveTime, threeYearsAgo)
		}
		months, err := budget.PurchaseTerm(ctx, cl, r.ID, r.EffectiveTime)
		if err != nil || months != want[r.ID] {
			t.Errorf("PurchaseTerm(%s) = %d, %v; want %d", r.ID, months, err, want[r.ID])
		}
		qs = append(qs, budget.TermQuery{ResourceID: r.ID, Effective: r.EffectiveTime})
	}
	if months, err := budget.PurchaseTerm(ctx, cl, "unknown", commitNow); err != nil || months != 0 {
		t.Errorf("PurchaseTerm(unknown) = %d, %v; want 0 (not found)", months, err)
	}

	// The cache looks up at most TermMaxLookups resources a pass and keeps
	// what it found.
	cache := budget.NewTermCache(10 * time.Second)
	got := map[string]int{}
	for pass := 0; pass < 2; pass++ {
		terms := cache.Terms(ctx, cl, "domain-t", qs, commitNow)
		if len(terms) != min(len(qs), (pass+1)*budget.TermMaxLookups) {
			t.Fatalf("pass %d: %d terms %v", pass, len(terms), terms)
		}
		got = terms
	}
	for id, m := range want {
		if got[id] != m {
			t.Errorf("cached term of %s = %d, want %d", id, got[id], m)
		}
	}
}
