package main

import (
	"context"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// runLoad measures one load scenario with a fresh manager process.
func (b *bench) runLoad(ctx context.Context, sc scenario) (result, error) {
	r := result{scenario: sc, target: float64(sc.perAccount)/500 + 2}
	ns := fmt.Sprintf("load-%d", time.Now().UnixNano()%1e9)
	if err := b.env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return r, fmt.Errorf("create namespace: %w", err)
	}
	policy := &billingv1alpha1.RenewalPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "monthly"},
		Spec: billingv1alpha1.RenewalPolicySpec{Mode: billingv1alpha1.RenewalModeRenew, Renew: &billingv1alpha1.RenewSpec{
			RenewBefore: &metav1.Duration{Duration: 14 * 24 * time.Hour}, Period: billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}}}}
	if err := b.env.Client.Create(ctx, policy); err != nil {
		return r, fmt.Errorf("create policy: %w", err)
	}
	var all []string
	for a := 0; a < sc.accounts; a++ {
		acct, err := b.seedAccount(ctx, ns)
		if err != nil {
			return r, err
		}
		var ba billingv1alpha1.BillingAccount
		if err := b.env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: acct}, &ba); err != nil {
			return r, err
		}
		// Far from renewal: the steady state has no quotes and no writes.
		ids, err := b.seedSubscriptions(ctx, ns, acct, ba.Spec.DomainID, "monthly", sc.perAccount, 200*24*time.Hour)
		if err != nil {
			return r, err
		}
		all = append(all, ids...)
	}
	fmt.Fprintf(os.Stderr, "   %d Subscriptions created; starting the manager\n", len(all))

	w, err := b.watchSubs(ctx, ns)
	if err != nil {
		return r, err
	}
	defer w.stop()
	b.sim.ResetCounters()
	start := time.Now()
	mgr, err := b.startManager(ctx, sc.name)
	if err != nil {
		return r, err
	}
	defer mgr.stop()
	synced, err := w.wait(ctx, start, len(all), b.cfg.timeout, func(s *billingv1alpha1.Subscription) bool { return s.Status.ExpireTime != nil })
	if err != nil {
		return r, err
	}
	r.initialSync = synced.all
	fmt.Fprintf(os.Stderr, "   initial sync in %s; counting calls and refreshes over %d refresh intervals\n", r.initialSync.Round(time.Second), b.cfg.refreshes)

	time.Sleep(b.cfg.refresh) // let the initial wave settle
	initial := b.sim.Counters()
	b.sim.ResetCounters()
	// The window starts and ends in a pause of the BSS calls, so that it
	// holds whole refreshes, and the calls are divided by the refreshes
	// that happened in it (refreshCounts).
	before, err := b.quietCounters(ctx)
	if err != nil {
		return r, err
	}
	time.Sleep(time.Duration(b.cfg.refreshes) * b.cfg.refresh)
	after, err := b.quietCounters(ctx)
	if err != nil {
		return r, err
	}
	calls, refreshes := refreshCounts(before, after)
	r.refreshes = refreshes
	if refreshes > 0 {
		r.callsPerRefresh = float64(calls) / float64(refreshes)
	}

	// The idle objects, as stored: what every status write of them costs.
	sizes, err := b.subscriptionSizes(ctx, ns)
	if err != nil {
		return r, err
	}
	r.storedMean, r.storedMax = sizeStats(sizes.values)
	r.storedSource = sizes.source
	fmt.Fprintf(os.Stderr, "   stored size (%s): %.0f bytes on average, at most %d; by part, on average: %s\n",
		sizes.source, r.storedMean, r.storedMax, formatParts(sizes.parts, len(sizes.values)))

	// The worst case: the change lands just after a listing, so it cannot
	// be seen for a whole refresh interval. A change at a random moment
	// waits half of that on average; the table's "first seen" is the wait.
	if err := b.afterListing(ctx); err != nil {
		return r, err
	}
	fmt.Fprintln(os.Stderr, "   a listing just ended; renaming every resource in BSS and waiting for every status to show it")
	for _, id := range all {
		if err := b.sim.RenameResource(id, id+"-renamed"); err != nil {
			return r, err
		}
	}
	// The apiserver's count of status writes, to tell a manager that
	// writes more than once per changed status from one that is slow.
	writesBefore, werr := b.statusWrites(ctx)
	changed := time.Now()
	prof := b.startProfile(ctx, mgr, "convergence-"+sc.name, 2*b.cfg.refresh+30*time.Second)
	conv, err := w.wait(ctx, changed, len(all), b.cfg.timeout, func(s *billingv1alpha1.Subscription) bool {
		return s.Status.Resource != nil && s.Status.Resource.Name == s.Spec.ResourceID+"-renamed"
	})
	if err != nil {
		return r, err
	}
	r.convergence, r.firstSeen = conv.all, conv.first
	prof.stop(ctx)
	r.rssMiB, r.peakMiB, r.cpuSeconds = procStats(mgr.cmd.Process.Pid)
	// The 429s since the manager started: those of the initial sync, and
	// those since the reset before the calls were counted.
	r.throttled = throttled(initial) + throttled(b.sim.Counters())

	mgr.stop()
	if werr == nil {
		var writesAfter map[string]int
		if writesAfter, werr = b.statusWrites(ctx); werr == nil {
			writes, conflicts := writesBetween(writesBefore, writesAfter)
			fmt.Fprintf(os.Stderr, "   the manager made %d Subscription status writes for %d changed statuses (%d conflicts)\n",
				writes, len(all), conflicts)
		}
	}
	if werr != nil {
		fmt.Fprintf(os.Stderr, "   status writes not counted: %v\n", werr)
	}
	if b.cfg.watchedCeiling {
		// The same writes with the bench's own watch still open, as it is
		// during convergence: how much of the manager's excess over
		// "apiserver alone" is the bench watching.
		rate, err := b.writeCeiling(ctx, ns, all, managerWorkers, "-ceiling-watched")
		if err != nil {
			return r, err
		}
		fmt.Fprintf(os.Stderr, "   apiserver alone with the bench's watch open: %s (%.0f/s)\n",
			time.Duration(float64(len(all))/rate*float64(time.Second)).Round(100*time.Millisecond), rate)
	}
	w.stop()
	if r.apiserverWrites, err = b.writeCeiling(ctx, ns, all, managerWorkers, "-ceiling"); err != nil {
		return r, err
	}

	// Quiet this scenario before the next: its objects stay in the cache of
	// no later manager (each scenario starts a new one), but remove them.
	_ = b.env.Client.DeleteAllOf(ctx, &billingv1alpha1.Subscription{}, client.InNamespace(ns))
	_ = b.env.Client.DeleteAllOf(ctx, &billingv1alpha1.BillingAccount{}, client.InNamespace(ns))
	return r, nil
}

// afterListing returns once an inventory listing (6.3.1) has started and
// its pages have stopped for a second: the pages of one listing follow
// each other at the client's rate limit, far less than a second apart.
func (b *bench) afterListing(ctx context.Context) error {
	deadline := time.Now().Add(3 * b.cfg.refresh)
	calls := func() int { return b.sim.Counters().Total(simulator.OpQueryResources) }
	start, last := calls(), calls()
	lastChange := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if n := calls(); n != last {
			last, lastChange = n, time.Now()
		}
		if last > start && time.Since(lastChange) >= time.Second {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no inventory listing within %s", 3*b.cfg.refresh)
		}
	}
}

// runBurst makes n renewals due at once on one account and times them.
func (b *bench) runBurst(ctx context.Context, n int) (burstResult, error) {
	br := burstResult{renewals: n}
	ns := fmt.Sprintf("burst-%d", time.Now().UnixNano()%1e9)
	if err := b.env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return br, fmt.Errorf("create namespace: %w", err)
	}
	policy := &billingv1alpha1.RenewalPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "due"},
		Spec: billingv1alpha1.RenewalPolicySpec{Mode: billingv1alpha1.RenewalModeRenew, Renew: &billingv1alpha1.RenewSpec{
			RenewBefore: &metav1.Duration{Duration: 14 * 24 * time.Hour}, Period: billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}}}}
	if err := b.env.Client.Create(ctx, policy); err != nil {
		return br, fmt.Errorf("create policy: %w", err)
	}
	acct, err := b.seedAccount(ctx, ns)
	if err != nil {
		return br, err
	}
	var ba billingv1alpha1.BillingAccount
	if err := b.env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: acct}, &ba); err != nil {
		return br, err
	}
	if _, err := b.seedSubscriptions(ctx, ns, acct, ba.Spec.DomainID, "due", n, 3*24*time.Hour); err != nil {
		return br, err
	}
	w, err := b.watchSubs(ctx, ns)
	if err != nil {
		return br, err
	}
	defer w.stop()
	b.sim.ResetCounters()
	start := time.Now()
	mgr, err := b.startManager(ctx, "burst")
	if err != nil {
		return br, err
	}
	defer mgr.stop()
	prof := b.startProfile(ctx, mgr, "burst", 2*time.Minute)
	done, err := w.wait(ctx, start, n, b.cfg.timeout, func(s *billingv1alpha1.Subscription) bool {
		return s.Status.LastRenewal != nil && s.Status.ActiveRequest == ""
	})
	if err != nil {
		return br, err
	}
	br.elapsed = done.all
	prof.stop(ctx)
	counters := b.sim.Counters()
	br.throttled = throttled(counters)
	for op := range counters.Calls {
		if d := time.Duration(float64(counters.Total(op)) / quotaOf(op) * float64(time.Second)); d > br.quotaBound {
			br.quotaBound, br.bindingAPI = d, fmt.Sprintf("%s: %d calls at %.0f/s", op, counters.Total(op), quotaOf(op))
		}
	}
	for _, o := range b.sim.Orders() {
		if o.AccountID == ba.Spec.DomainID && o.Type == 2 {
			br.orders++
		}
	}
	return br, nil
}
