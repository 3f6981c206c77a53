package controller_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/metrics"
	"github.com/bss-operator/bss-operator/internal/notify"
)

// TestBudgetThresholdsInOrder: thresholds are crossed in order as spend
// grows, each is notified once, and the next period starts afresh.
func TestBudgetThresholdsInOrder(t *testing.T) {
	toNextMonth(t, 0)
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	mustCreate(t, budgetAlert(ns, "team", "100.00",
		threshold(50, billingv1alpha1.BasisActual), threshold(80, billingv1alpha1.BasisActual),
		threshold(100, billingv1alpha1.BasisActual)))
	waitBudget(t, ns, "team", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if amt(b.Status.Actual) != "0.00" || len(b.Status.Crossed) != 0 {
			return fmt.Errorf("actual %q crossed %v", amt(b.Status.Actual), crossedSet(b))
		}
		if b.Status.ObservedGeneration != b.Generation {
			return fmt.Errorf("observedGeneration %d", b.Status.ObservedGeneration)
		}
		return wantCondition(b.Status.Conditions, billingv1alpha1.ConditionThresholdExceeded, metav1.ConditionFalse, billingv1alpha1.ReasonWithinLimits)
	})

	step := func(amount, wantActual string, want []string) *billingv1alpha1.BudgetAlert {
		t.Helper()
		seedCosts(t, a, cost{amount: amount, mode: 1})
		h.advance(2 * time.Minute)
		return waitBudget(t, ns, "team", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
			if amt(b.Status.Actual) != wantActual || !slices.Equal(crossedSet(b), want) {
				return fmt.Errorf("actual %q crossed %v, want %s %v", amt(b.Status.Actual), crossedSet(b), wantActual, want)
			}
			for _, c := range b.Status.Crossed {
				if !c.Notified {
					return fmt.Errorf("%d%% not notified yet", c.Percent)
				}
			}
			return wantCondition(b.Status.Conditions, billingv1alpha1.ConditionThresholdExceeded, metav1.ConditionTrue, billingv1alpha1.ReasonThresholdCrossed)
		})
	}
	b1 := step("60.00", "60.00", []string{"Actual/50"})
	b2 := step("25.00", "85.00", []string{"Actual/50", "Actual/80"})
	if !b2.Status.Crossed[0].CrossedAt.Equal(&b1.Status.Crossed[0].CrossedAt) {
		t.Fatalf("50%% re-stamped: %v then %v", b1.Status.Crossed[0].CrossedAt, b2.Status.Crossed[0].CrossedAt)
	}
	if b2.Status.PercentUsed != "85.0" || amt(b2.Status.Forecast) != "85.00" || amt(b2.Status.Committed) != "85.00" {
		t.Fatalf("figures %+v", b2.Status)
	}
	eventually(t, 10*time.Second, func() error {
		if n := budgetEvents(t, ns, "team", billingv1alpha1.ReasonThresholdCrossed); n != 2 {
			return fmt.Errorf("%d ThresholdCrossed events, want 2", n)
		}
		return nil
	})
	// Many refreshes later nothing is notified again.
	for i := 0; i < 3; i++ {
		h.advance(2 * time.Minute)
		refreshedSince(t, ns, "team", h.clock.Now())
	}
	if n := budgetEvents(t, ns, "team", billingv1alpha1.ReasonThresholdCrossed); n != 2 {
		t.Fatalf("%d ThresholdCrossed events after more refreshes, want 2", n)
	}

	// Scrape-time gauges.
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metrics.NewBudgetCollector(h.env.Client))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if v := gauge(families, "bss_operator_budget_spend_ratio", map[string]string{"namespace": ns, "name": "team", "basis": "Actual"}); v != 0.85 {
		t.Fatalf("spend ratio %v, want 0.85", v)
	}
	if v := gauge(families, "bss_operator_budgetalert_condition", map[string]string{"namespace": ns, "name": "team",
		"condition": billingv1alpha1.ConditionThresholdExceeded, "status": "True"}); v != 1 {
		t.Fatalf("ThresholdExceeded gauge %v, want 1", v)
	}

	step("20.00", "105.00", []string{"Actual/50", "Actual/80", "Actual/100"})

	// The next period resets the crossings.
	toNextMonth(t, 0)
	b := waitBudget(t, ns, "team", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if amt(b.Status.Actual) != "0.00" || len(b.Status.Crossed) != 0 {
			return fmt.Errorf("after rollover actual %q crossed %v", amt(b.Status.Actual), crossedSet(b))
		}
		return wantCondition(b.Status.Conditions, billingv1alpha1.ConditionThresholdExceeded, metav1.ConditionFalse, billingv1alpha1.ReasonWithinLimits)
	})
	if !b.Status.PeriodStart.After(b2.Status.PeriodStart.Time) {
		t.Fatalf("period start %v did not move from %v", b.Status.PeriodStart, b2.Status.PeriodStart)
	}
	step("55.00", "55.00", []string{"Actual/50"})
}

// gauge returns the value of the series of name with exactly the labels, or -1.
func gauge(families []*dto.MetricFamily, name string, labels map[string]string) float64 {
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			match := len(m.GetLabel()) == len(labels)
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					match = false
				}
			}
			if match {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// TestBudgetFiltersNarrowSpend: filters map onto the cost-data query.
func TestBudgetFiltersNarrowSpend(t *testing.T) {
	toNextMonth(t, 0)
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	seedCosts(t, a,
		cost{amount: "30.00", mode: 1},
		cost{amount: "40.00", service: "hws.service.type.rds", region: "cn-north-4", mode: 1},
		cost{amount: "10.00", mode: 3})
	cases := []struct {
		name    string
		filters billingv1alpha1.BudgetFilters
		want    string
	}{
		{"all", billingv1alpha1.BudgetFilters{}, "80.00"},
		{"ecs", billingv1alpha1.BudgetFilters{ResourceSelector: billingv1alpha1.ResourceSelector{ServiceTypeCodes: []string{"hws.service.type.ec2"}}}, "40.00"},
		{"region", billingv1alpha1.BudgetFilters{ResourceSelector: billingv1alpha1.ResourceSelector{RegionCodes: []string{"cn-north-4"}}}, "40.00"},
		{"payg", billingv1alpha1.BudgetFilters{ChargingModes: []billingv1alpha1.ChargingMode{billingv1alpha1.ChargingModePayPerUse}}, "10.00"},
		{"project", billingv1alpha1.BudgetFilters{ResourceSelector: billingv1alpha1.ResourceSelector{EnterpriseProjectIDs: []string{"no-such-project"}}}, "0.00"},
	}
	for _, c := range cases {
		b := budgetAlert(ns, c.name, "100.00")
		b.Spec.Filters = c.filters
		mustCreate(t, b)
	}
	for _, c := range cases {
		waitBudget(t, ns, c.name, 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
			if amt(b.Status.Actual) != c.want {
				return fmt.Errorf("%s: actual %q, want %s", c.name, amt(b.Status.Actual), c.want)
			}
			return nil
		})
	}
	// Pay-per-use is extrapolated over the rest of the month; the
	// yearly/monthly payments are not.
	var payg billingv1alpha1.BudgetAlert
	get(t, ns, "payg", &payg)
	if f, err := decimal.NewFromString(amt(payg.Status.Forecast)); err != nil || !f.GreaterThan(decimal.RequireFromString("100")) {
		t.Fatalf("pay-per-use forecast %q not extrapolated", amt(payg.Status.Forecast))
	}
	var ecs billingv1alpha1.BudgetAlert
	get(t, ns, "ecs", &ecs)
	if amt(ecs.Status.Forecast) == "40.00" {
		t.Fatalf("forecast of ecs %q ignores its pay-per-use part", amt(ecs.Status.Forecast))
	}
	var region billingv1alpha1.BudgetAlert
	get(t, ns, "region", &region)
	if amt(region.Status.Forecast) != "40.00" {
		t.Fatalf("forecast of yearly/monthly only spend is %q, want 40.00", amt(region.Status.Forecast))
	}
}

// TestBudgetClosedMonthsFromSummaryBills: a yearly budget reads closed
// months from the v2 summary bills, also on a BillingAccount without the
// optional domainID (the v1.0 path of §7.1 needed it), and with a region
// filter from cost data by month (summary bills cannot filter regions).
func TestBudgetClosedMonthsFromSummaryBills(t *testing.T) {
	toNextMonth(t, 0)
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	var acct billingv1alpha1.BillingAccount
	get(t, ns, "acct", &acct)
	patch := client.MergeFrom(acct.DeepCopy())
	acct.Spec.DomainID = ""
	if err := h.env.Client.Patch(ctx(), &acct, patch); err != nil {
		t.Fatal(err)
	}
	seedCosts(t, a, cost{amount: "70.00", mode: 1}, cost{amount: "5.00", region: "cn-north-4", mode: 3})
	year := budgetAlert(ns, "year", "1000.00")
	year.Spec.Period = billingv1alpha1.BudgetYearly
	mustCreate(t, year)
	regional := budgetAlert(ns, "regional", "1000.00")
	regional.Spec.Period = billingv1alpha1.BudgetYearly
	regional.Spec.Filters.RegionCodes = []string{"cn-north-4"}
	mustCreate(t, regional)
	waitBudget(t, ns, "year", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if amt(b.Status.Actual) != "75.00" {
			return fmt.Errorf("actual %q", amt(b.Status.Actual))
		}
		return nil
	})
	startYear := h.clock.Now().In(time.FixedZone("", 8*3600)).Year()
	sums := h.sim.AccountCounters(a.DomainID).Total(simulator.OpMonthlySum)
	toNextMonth(t, 0)
	moved := h.clock.Now()
	if moved.In(time.FixedZone("", 8*3600)).Year() != startYear {
		t.Skip("the year rolled over; closed months cannot be checked this time")
	}
	waitBudget(t, ns, "year", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if amt(b.Status.Actual) != "75.00" || h.sim.AccountCounters(a.DomainID).Total(simulator.OpMonthlySum) == sums {
			return fmt.Errorf("actual %q, summary bill calls %d", amt(b.Status.Actual), h.sim.AccountCounters(a.DomainID).Total(simulator.OpMonthlySum)-sums)
		}
		return nil
	})
	waitBudget(t, ns, "regional", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if amt(b.Status.Actual) != "5.00" || b.Status.LastSyncTime == nil || b.Status.LastSyncTime.Time.Before(moved.Truncate(time.Second)) {
			return fmt.Errorf("actual %q synced %v", amt(b.Status.Actual), b.Status.LastSyncTime)
		}
		return nil
	})
}

// TestBudgetCommittedAndBalance: committed spend adds the quoted renewals
// due in the period, and the balance projection subtracts explicit renewals
// and the cloud's auto-renew deductions, also of resources without a
// Subscription.
func TestBudgetCommittedAndBalance(t *testing.T) {
	toNextMonth(t, 0)
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "500.00")
	explicit := h.newResource(t, a, resourceOpts{expiresIn: 20 * day, monthly: "100.00"})
	auto := h.newResource(t, a, resourceOpts{expiresIn: 10 * day, monthly: "40.00", autoRenew: true})
	h.newResource(t, a, resourceOpts{expiresIn: 12 * day, monthly: "25.00", autoRenew: true}) // no Subscription
	mustCreate(t, renewPolicy(ns, "monthly"))
	mustCreate(t, modePolicy(ns, "cloud", billingv1alpha1.RenewalModeAutoRenew))
	mustCreate(t, subscription(ns, "explicit", explicit, "monthly", billingv1alpha1.ManagementManage))
	mustCreate(t, subscription(ns, "auto", auto, "cloud", billingv1alpha1.ManagementObserve))
	waitSub(t, ns, "explicit", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.LastQuote == nil || s.Status.RenewalTime == nil {
			return fmt.Errorf("no quote or renewal time yet")
		}
		return nil
	})
	// The account's inventory may have been listed before the resource
	// without a Subscription was seeded; let its refresh interval (one
	// minute) pass so the projection's listing is current, as it would be
	// on a live account.
	h.advance(time.Minute + time.Second)
	b := budgetAlert(ns, "team", "1000.00", threshold(10, billingv1alpha1.BasisCommitted), threshold(10, billingv1alpha1.BasisActual))
	b.Spec.BalanceFloor = &billingv1alpha1.BalanceFloor{Amount: billingv1alpha1.Money{Amount: "400.00", Currency: "USD"}, Horizon: &metav1.Duration{Duration: 14 * 24 * time.Hour}}
	mustCreate(t, b)
	got := waitBudget(t, ns, "team", 30*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if amt(b.Status.Committed) != "140.00" || amt(b.Status.Actual) != "0.00" || amt(b.Status.Forecast) != "140.00" {
			return fmt.Errorf("actual %q committed %q forecast %q", amt(b.Status.Actual), amt(b.Status.Committed), amt(b.Status.Forecast))
		}
		if bp := b.Status.Balance; bp == nil || amt(bp.Balance) != "500.00" || amt(bp.DueDeductions) != "165.00" || amt(bp.Projected) != "335.00" {
			return fmt.Errorf("balance %+v", b.Status.Balance)
		}
		return wantCondition(b.Status.Conditions, billingv1alpha1.ConditionBalanceLow, metav1.ConditionTrue, billingv1alpha1.ReasonBalanceBelowFloor)
	})
	if !slices.Equal(crossedSet(got), []string{"Committed/10"}) {
		t.Fatalf("crossed %v, want only Committed/10", crossedSet(got))
	}
	// A top-up lifts the projection above the floor.
	if err := h.sim.UpdateAccount(a.DomainID, simulator.BalanceUpdate{Cash: ptr("900.00")}); err != nil {
		t.Fatal(err)
	}
	h.advance(2 * time.Minute)
	waitBudget(t, ns, "team", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if bp := b.Status.Balance; bp == nil || amt(bp.Projected) != "735.00" {
			return fmt.Errorf("balance %+v", b.Status.Balance)
		}
		return wantCondition(b.Status.Conditions, billingv1alpha1.ConditionBalanceLow, metav1.ConditionFalse, billingv1alpha1.ReasonBalanceAboveFloor)
	})
}

// TestBudgetAutoRenewTermOfOldResource: committed spend counts the cloud's
// auto-renewal of a monthly resource bought three years ago as one month,
// like that of a resource bought last month: the term is the purchase
// order's period (digest §7.3 rule 25), not expire_time - effective_time,
// which is the old resource's whole life (issue 15).
func TestBudgetAutoRenewTermOfOldResource(t *testing.T) {
	toNextMonth(t, 0)
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "5000.00")
	old := h.newResource(t, a, resourceOpts{expiresIn: 10 * day, monthly: "40.00", autoRenew: true, effectiveAgo: 3 * 365 * day})
	young := h.newResource(t, a, resourceOpts{expiresIn: 12 * day, monthly: "25.00", autoRenew: true})
	mustCreate(t, modePolicy(ns, "cloud", billingv1alpha1.RenewalModeAutoRenew))
	mustCreate(t, subscription(ns, "old", old, "cloud", billingv1alpha1.ManagementObserve))
	mustCreate(t, subscription(ns, "young", young, "cloud", billingv1alpha1.ManagementObserve))
	for _, name := range []string{"old", "young"} {
		waitSub(t, ns, name, 20*time.Second, func(s *billingv1alpha1.Subscription) error {
			if s.Status.Resource == nil || s.Status.Resource.EffectiveTime == nil {
				return fmt.Errorf("resource not observed yet")
			}
			return nil
		})
	}
	mustCreate(t, budgetAlert(ns, "team", "1000.00", threshold(50, billingv1alpha1.BasisCommitted)))
	waitBudget(t, ns, "team", 30*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if amt(b.Status.Committed) != "65.00" {
			return fmt.Errorf("committed %q, want 65.00: one monthly deduction of each resource", amt(b.Status.Committed))
		}
		return nil
	})
}

// TestBudgetCurrencyMismatch: a limit in another currency is refused.
func TestBudgetCurrencyMismatch(t *testing.T) {
	ns := h.env.Namespace(t)
	h.newAccount(t, ns, "100.00")
	b := budgetAlert(ns, "cny", "100.00", threshold(50, billingv1alpha1.BasisActual, billingv1alpha1.ActionBlockRenewals))
	b.Spec.Limit.Currency = "CNY"
	mustCreate(t, b)
	waitBudget(t, ns, "cny", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if err := wantCondition(b.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionFalse, billingv1alpha1.ReasonCurrencyMismatch); err != nil {
			return err
		}
		return wantCondition(b.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonCurrencyMismatch)
	})
}

// webhookServer is a local receiver that fails the first failures requests.
type webhookServer struct {
	mu       sync.Mutex
	failures int
	// failStatus is the answer to failed deliveries (default 503).
	failStatus int
	bodies     []notify.BudgetThresholdCrossed
}

func (w *webhookServer) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var p notify.BudgetThresholdCrossed
	data, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(data, &p)
	w.bodies = append(w.bodies, p)
	if len(w.bodies) <= w.failures {
		status := w.failStatus
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		rw.WriteHeader(status)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}

func (w *webhookServer) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.bodies)
}

// TestBudgetWebhookRetries: the webhook gets a JSON body, failed
// deliveries are retried with backoff (not in a hot loop), and a delivered
// notification is not sent again.
func TestBudgetWebhookRetries(t *testing.T) {
	toNextMonth(t, 0)
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	recv := &webhookServer{failures: 2}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	mustCreate(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hook", Labels: watchLabel()},
		StringData: map[string]string{"url": srv.URL + "/hook?token=secret"}})
	b := budgetAlert(ns, "team", "100.00", threshold(50, billingv1alpha1.BasisActual))
	b.Spec.Webhook = &billingv1alpha1.WebhookSpec{URLSecretRef: billingv1alpha1.LocalObjectReference{Name: "hook"}}
	// Spend is seeded first: the budget reads BSS once per refresh
	// interval of business time, and the test clock stands still.
	seedCosts(t, a, cost{amount: "60.00", mode: 1})
	mustCreate(t, b)

	waitBudget(t, ns, "team", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if len(b.Status.Crossed) != 1 || b.Status.Crossed[0].Notified {
			return fmt.Errorf("crossed %+v", b.Status.Crossed)
		}
		// The failing receiver does not hold up the condition.
		return wantCondition(b.Status.Conditions, billingv1alpha1.ConditionThresholdExceeded, metav1.ConditionTrue, billingv1alpha1.ReasonThresholdCrossed)
	})
	// No hot loop: without business time passing there is no retry. A
	// pass is forced by a spec change (a threshold far above the spend)
	// and proven by the generation it observed.
	budgetPassed(t, ns, "team")
	if n := recv.count(); n != 1 {
		t.Fatalf("%d deliveries before the backoff passed, want 1", n)
	}
	eventually(t, 10*time.Second, func() error {
		if n := budgetEvents(t, ns, "team", billingv1alpha1.ReasonWebhookFailed); n != 1 {
			return fmt.Errorf("%d WebhookFailed events", n)
		}
		return nil
	})
	h.advance(31 * time.Second) // second attempt, fails; next in 60s
	eventually(t, 10*time.Second, func() error {
		if n := recv.count(); n != 2 {
			return fmt.Errorf("%d deliveries, want 2", n)
		}
		return nil
	})
	h.advance(61 * time.Second) // third attempt succeeds
	waitBudget(t, ns, "team", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if len(b.Status.Crossed) != 1 || !b.Status.Crossed[0].Notified {
			return fmt.Errorf("crossed %+v", b.Status.Crossed)
		}
		return nil
	})
	h.advance(5 * time.Minute)
	refreshedSince(t, ns, "team", h.clock.Now())
	if n := recv.count(); n != 3 {
		t.Fatalf("%d deliveries, want 3", n)
	}
	p := recv.bodies[2]
	if p.Version != notify.PayloadVersion || p.Kind != notify.KindBudgetThresholdCrossed || p.Name != "team" || p.Namespace != ns || p.Basis != "Actual" || p.Percent != 50 || p.Actual != "60.00" ||
		p.Limit != "100.00" || p.Currency != "USD" || p.Period != "Monthly" || p.CrossedAt == "" ||
		p.IdempotencyKey == "" || p.IdempotencyKey != recv.bodies[0].IdempotencyKey {
		t.Fatalf("payload %+v", p)
	}
}

// ptr returns a pointer to a decimal, for BalanceUpdate.
func ptr(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}

// gatedSetup creates an account whose spend (60.00) crosses a 50% threshold
// of a 100.00 budget with the given action, waits for the action to be in
// force, and creates a managed Subscription due for renewal whose policy
// references the budget.
func gatedSetup(t *testing.T, action billingv1alpha1.BudgetAction) (string, account) {
	t.Helper()
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	seedCosts(t, a, cost{amount: "60.00", mode: 1})
	mustCreate(t, budgetAlert(ns, "gate", "100.00", threshold(50, billingv1alpha1.BasisActual, action)))
	waitBudget(t, ns, "gate", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if !slices.Equal(b.Status.ActiveActions, []billingv1alpha1.BudgetAction{action}) {
			return fmt.Errorf("activeActions %v", b.Status.ActiveActions)
		}
		return nil
	})
	id := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	mustCreate(t, renewPolicy(ns, "gated", func(r *billingv1alpha1.RenewSpec) {
		r.BudgetAlertRef = &billingv1alpha1.LocalObjectReference{Name: "gate"}
	}))
	mustCreate(t, subscription(ns, "web", id, "gated", billingv1alpha1.ManagementManage))
	return ns, a
}

// TestBudgetBlockRenewalsReleasedByLimit: BlockRenewals holds a due renewal
// until the limit rises.
func TestBudgetBlockRenewalsReleasedByLimit(t *testing.T) {
	toNextMonth(t, 0)
	ns, a := gatedSetup(t, billingv1alpha1.ActionBlockRenewals)
	rr := waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseBlocked)
	if err := wantCondition(rr.Status.Conditions, billingv1alpha1.ConditionBudgetBlocked, metav1.ConditionTrue, billingv1alpha1.ReasonBudgetBlocks); err != nil {
		t.Fatal(err)
	}
	requestPassed(t, ns, "web-r1")
	if n := len(renewalOrders(a)); n != 0 {
		t.Fatalf("%d renewal orders while blocked", n)
	}
	var b billingv1alpha1.BudgetAlert
	get(t, ns, "gate", &b)
	patch := client.MergeFrom(b.DeepCopy())
	b.Spec.Limit.Amount = "1000.00"
	if err := h.env.Client.Patch(ctx(), &b, patch); err != nil {
		t.Fatal(err)
	}
	waitBudget(t, ns, "gate", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if len(b.Status.ActiveActions) != 0 || len(b.Status.Crossed) != 0 {
			return fmt.Errorf("activeActions %v crossed %v", b.Status.ActiveActions, crossedSet(b))
		}
		return nil
	})
	waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders, want 1", n)
	}
}

// TestBudgetBlockRenewalsReleasedByRollover: BlockRenewals holds a due
// renewal until the period rolls over.
func TestBudgetBlockRenewalsReleasedByRollover(t *testing.T) {
	toNextMonth(t, 0)
	// Two days before the end of the month.
	_, end, err := budgetBounds(h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.advance(end.Add(-2 * day).Sub(h.clock.Now()))
	ns, a := gatedSetup(t, billingv1alpha1.ActionBlockRenewals)
	waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseBlocked)
	h.advance(2*day + time.Hour)
	waitBudget(t, ns, "gate", 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if len(b.Status.ActiveActions) != 0 || amt(b.Status.Actual) != "0.00" {
			return fmt.Errorf("activeActions %v actual %q", b.Status.ActiveActions, amt(b.Status.Actual))
		}
		return nil
	})
	waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	if n := len(renewalOrders(a)); n != 1 {
		t.Fatalf("%d renewal orders, want 1", n)
	}
}

// TestBudgetRequireApproval: RequireApproval routes a due renewal to a person.
func TestBudgetRequireApproval(t *testing.T) {
	toNextMonth(t, 0)
	ns, a := gatedSetup(t, billingv1alpha1.ActionRequireApproval)
	rr := waitRequest(t, ns, "web-r1", 30*time.Second, billingv1alpha1.RenewalPhaseAwaitingApproval)
	if c := condition(rr.Status.Conditions, billingv1alpha1.ConditionApprovalRequired); c == nil || !strings.Contains(c.Message+c.Reason, billingv1alpha1.ReasonBudgetRequires) {
		t.Fatalf("ApprovalRequired condition %+v", c)
	}
	if n := len(renewalOrders(a)); n != 0 {
		t.Fatalf("%d renewal orders before approval", n)
	}
}

// TestBudgetWebhookRejectedIsNotRetried: a receiver that answers 404
// refused the notification for good: it is told once, with a
// WebhookRejected event, and not again however much time passes.
func TestBudgetWebhookRejectedIsNotRetried(t *testing.T) {
	toNextMonth(t, 0)
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	recv := &webhookServer{failures: 1000, failStatus: http.StatusNotFound}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	mustCreate(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hook", Labels: watchLabel()},
		StringData: map[string]string{"url": srv.URL + "/gone?token=secret"}})
	b := budgetAlert(ns, "team", "100.00", threshold(50, billingv1alpha1.BasisActual))
	b.Spec.Webhook = &billingv1alpha1.WebhookSpec{URLSecretRef: billingv1alpha1.LocalObjectReference{Name: "hook"}}
	seedCosts(t, a, cost{amount: "60.00", mode: 1})
	mustCreate(t, b)
	eventually(t, 20*time.Second, func() error {
		if n := budgetEvents(t, ns, "team", billingv1alpha1.ReasonWebhookRejected); n != 1 {
			return fmt.Errorf("%d WebhookRejected events", n)
		}
		return nil
	})
	// Well past every backoff, and a pass proven by the generation it
	// observed: still the one delivery.
	h.advance(3 * time.Hour)
	budgetPassed(t, ns, "team")
	if n := recv.count(); n != 1 {
		t.Fatalf("%d deliveries to a receiver that answered 404, want 1", n)
	}
	if n := budgetEvents(t, ns, "team", billingv1alpha1.ReasonWebhookFailed); n != 0 {
		t.Errorf("%d WebhookFailed (will retry) events for a refused delivery", n)
	}
}

// budgetPassed makes the BudgetAlert controller run a pass over a
// BudgetAlert, with a spec change that crosses nothing (a threshold at 99%
// of the limit), and waits until that pass has observed the generation.
func budgetPassed(t *testing.T, ns, name string) {
	t.Helper()
	var cur billingv1alpha1.BudgetAlert
	get(t, ns, name, &cur)
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.Thresholds = append(cur.Spec.Thresholds, threshold(99, billingv1alpha1.BasisActual))
	if err := h.env.Client.Patch(ctx(), &cur, patch); err != nil {
		t.Fatal(err)
	}
	waitBudget(t, ns, name, 20*time.Second, func(b *billingv1alpha1.BudgetAlert) error {
		if b.Status.ObservedGeneration < cur.Generation {
			return fmt.Errorf("observedGeneration %d, want %d", b.Status.ObservedGeneration, cur.Generation)
		}
		return nil
	})
}
