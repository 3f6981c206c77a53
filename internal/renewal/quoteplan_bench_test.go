package renewal_test

import (
	"container/heap"
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// steppingClock is a fake clock whose timers fire at once by stepping time
// forward by their duration: the client's rate limiter "waits" in
// simulated time, so the benchmark measures how long the quota takes
// without sleeping.
type steppingClock struct {
	*testingclock.FakeClock
	mu sync.Mutex
}

func (c *steppingClock) NewTimer(d time.Duration) clock.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.FakeClock.NewTimer(d) //nolint:staticcheck // QF1008 would make this call itself
	c.Step(d)
	return t
}

// benchSub is one Subscription's quote state in the benchmark.
type benchSub struct {
	id string
	in renewal.QuoteInput
}

// BenchmarkQuoteHorizon10000 (issue 18): 10,000 Manage Subscriptions, all
// due within the quote horizon, quoted through the real client, its
// renew-rate limiter (digest §1.5: 10/s, the client's bucket runs at 8/s)
// and the BSS simulator with its own throttling on (one account). Half renew monthly,
// a quarter every 3 months (both also quoted for a year), a quarter are
// cloud auto-renewals by the month (also quoted for a year). It reports:
//   - quotes/fill and s-to-fill: the calls and the simulated time to fill
//     every quote from nothing (a fresh operator);
//   - calls/day: the calls of the following day, when every quote ages
//     out once (MaxQuoteAge);
//   - calls/s-day-avg and calls/s-peak-hour: that day's rate averaged over
//     the day and over its busiest hour, against the quota of 10/s;
//   - 429s: throttled answers (must be 0).
func BenchmarkQuoteHorizon10000(b *testing.B) {
	// The simulator looks for due lifecycle events in every resource on
	// every call, so 10,000 resources would make the benchmark take ten
	// minutes of CPU; the Subscriptions share 500 resources, which changes
	// neither the calls nor the limiter's timing.
	const n, simResources = 10000, 500
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for range b.N {
		b.StopTimer()
		clk := &steppingClock{FakeClock: testingclock.NewFakeClock(start)}
		sim := simulator.New(simulator.WithClock(clk), simulator.WithRealClock(clk), simulator.WithThrottling(true))
		inv := &simulator.Inventory{Accounts: []simulator.AccountSeed{{DomainID: "domain-q", Name: "q", Cash: decimal.NewFromInt(1_000_000),
			Credentials: []simulator.Credential{{AccessKey: "AK-Q", SecretKey: "SK-Q"}}}}}
		subs := make([]*benchSub, n)
		month := func(c int32) *billingv1alpha1.RenewalPeriod {
			return &billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: c}
		}
		for i := range n {
			// Renewals 2 to 20 days ahead, deductions 9 to 27: none falls
			// due during the simulated days, and all are within the
			// default horizon, so every one keeps quoting.
			expire := start.Add(16*24*time.Hour + time.Duration(i%simResources%19)*24*time.Hour)
			id := fmt.Sprintf("ecs-%05d", i%simResources)
			if i < simResources {
				inv.Resources = append(inv.Resources, simulator.ResourceSeed{ID: id, Account: "domain-q", Name: id,
					ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm", MonthlyPrice: decimal.NewFromInt(10),
					ExpireTime: &expire, AutoRenew: i%4 == 3})
			}
			in := renewal.QuoteInput{Manage: true, Mode: billingv1alpha1.RenewalModeRenew, RenewPeriod: month(1),
				RenewalTime: expire.Add(-14 * 24 * time.Hour), ExpireTime: expire}
			switch i % 4 {
			case 2:
				in.RenewPeriod = month(3)
			case 3:
				in.Mode, in.RenewPeriod, in.RenewalTime = billingv1alpha1.RenewalModeAutoRenew, nil, time.Time{}
				in.AutoRenewSettings = &billingv1alpha1.AppliedAutoRenew{PeriodUnit: billingv1alpha1.PeriodUnitMonth}
			}
			subs[i] = &benchSub{id: id, in: in}
		}
		if err := sim.LoadInventory(inv); err != nil {
			b.Fatal(err)
		}
		ts := httptest.NewServer(sim)
		cl, err := bss.New(bss.Config{Endpoint: ts.URL, DomainID: "domain-q", HTTPClient: ts.Client(), Clock: clk,
			Limiters: bss.NewLimiterRegistry(clk, nil).ForAccount("q"), Credentials: bss.Credentials{AccessKey: "AK-Q", SecretKey: "SK-Q"}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		// A fresh operator: every Subscription is looked at once.
		fill := quoteAll(b, cl, clk, subs)
		fillTime := clk.Since(start)

		// The next day, [start+24h, start+48h): each Subscription is
		// looked at when its plan says, as its reconciler requeues
		// (quotes age out a day after they were had).
		dayStart := start.Add(24 * time.Hour)
		perHour := map[int]int{}
		day := 0
		q := &wakeQueue{}
		for _, s := range subs {
			s.in.Now = clk.Now()
			heap.Push(q, wake{s, renewal.PlanQuotes(s.in).WakeAt})
		}
		for q.Len() > 0 {
			w := heap.Pop(q).(wake)
			if w.at.IsZero() || w.at.Sub(dayStart) >= 24*time.Hour {
				continue
			}
			if w.at.After(clk.Now()) {
				clk.SetTime(w.at)
			}
			calls := quoteAll(b, cl, clk, []*benchSub{w.sub})
			if !clk.Now().Before(dayStart) {
				perHour[int(clk.Since(dayStart)/time.Hour)] += calls
				day += calls
			}
			w.sub.in.Now = clk.Now()
			heap.Push(q, wake{w.sub, renewal.PlanQuotes(w.sub.in).WakeAt})
		}
		b.StopTimer()
		ts.Close()

		peak := 0
		for _, c := range perHour {
			peak = max(peak, c)
		}
		throttled := 0
		for _, byStatus := range sim.Counters().Calls {
			throttled += byStatus[429]
		}
		if want := n * 2; fill != want || day != want {
			b.Fatalf("quotes: %d to fill and %d the next day, want %d each (a renewal and a year per Subscription)", fill, day, want)
		}
		if throttled > 0 {
			b.Fatalf("%d answers were 429: the client exceeded the quota", throttled)
		}
		b.ReportMetric(float64(fill), "quotes/fill")
		b.ReportMetric(fillTime.Seconds(), "s-to-fill")
		b.ReportMetric(float64(day), "calls/day")
		b.ReportMetric(float64(day)/(24*3600), "calls/s-day-avg")
		b.ReportMetric(float64(peak)/3600, "calls/s-peak-hour")
		b.ReportMetric(float64(throttled), "429s")
	}
}

// wake is a Subscription's next look; wakeQueue orders them by time.
type wake struct {
	sub *benchSub
	at  time.Time
}

type wakeQueue []wake

func (q wakeQueue) Len() int           { return len(q) }
func (q wakeQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q wakeQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *wakeQueue) Push(x any)        { *q = append(*q, x.(wake)) }
func (q *wakeQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// quoteAll plans each Subscription's quotes at the clock's time and asks
// for the due ones, recording them as the reconciler does. It returns the
// calls made.
func quoteAll(b *testing.B, cl bss.Client, clk clock.Clock, subs []*benchSub) int {
	calls := 0
	ask := func(id string, p billingv1alpha1.RenewalPeriod) *billingv1alpha1.Money {
		calls++
		pt, pn := bss.PeriodMonth, int(p.Count)
		if p.Unit == billingv1alpha1.PeriodUnitYear {
			pt = bss.PeriodYear
		}
		q, err := cl.RenewalPrice(context.Background(), bss.RenewalPriceRequest{ResourceIDs: []string{id}, PeriodType: pt, PeriodNum: pn})
		if err != nil {
			b.Fatalf("quote %s: %v", id, err)
		}
		t := q.Total()
		return &billingv1alpha1.Money{Amount: t.Amount.StringFixed(2), Currency: t.Currency}
	}
	for _, s := range subs {
		s.in.Now = clk.Now()
		plan := renewal.PlanQuotes(s.in)
		if plan.QuoteNow {
			price := ask(s.id, *plan.Period)
			s.in.LastQuote = &billingv1alpha1.PriceQuote{Price: *price, Period: plan.Period, QuotedAt: &metav1.Time{Time: clk.Now()}}
		}
		if plan.LongerNow {
			price := ask(s.id, *plan.Longer)
			s.in.LongerTerm = &billingv1alpha1.LongerTermQuote{Period: *plan.Longer, Price: price, QuotedAt: &metav1.Time{Time: clk.Now()}}
		}
	}
	return calls
}
