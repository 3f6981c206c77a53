package bss

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"
)

// waitInBackground starts Wait and returns a channel with its result.
func waitInBackground(ctx context.Context, s *LimiterSet, api string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := s.Wait(ctx, api)
		done <- err
	}()
	return done
}

// waitForWaiter spins (yielding, never sleeping) until the fake clock has a
// waiter, bounded by a real deadline so a bug fails rather than hangs.
func waitForWaiter(t *testing.T, clk *testingclock.FakeClock) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !clk.HasWaiters() {
		if time.Now().After(deadline) {
			t.Fatal("no waiter registered")
		}
		runtime.Gosched()
	}
}

func TestLimiterBlocksUntilTokensRefill(t *testing.T) {
	clk := testingclock.NewFakeClock(testEpoch)
	set := NewLimiterRegistry(clk, nil).ForAccount("acct")
	ctx := context.Background()
	// Default quota 10/s: burst 2, refill 8/s.
	for i := 0; i < 2; i++ {
		if d, err := set.Wait(ctx, apiRenew); err != nil || d != 0 {
			t.Fatalf("call %d waited %v err %v", i, d, err)
		}
	}
	done := waitInBackground(ctx, set, apiRenew)
	waitForWaiter(t, clk)
	select {
	case err := <-done:
		t.Fatalf("third call passed without waiting: %v", err)
	default:
	}
	clk.Step(125 * time.Millisecond) // one token at 8/s
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Another API has its own bucket.
	if d, err := set.Wait(ctx, apiBalances); err != nil || d != 0 {
		t.Fatalf("other API waited %v err %v", d, err)
	}
}

func TestLimiterNeverExceedsQuotaInAnySecond(t *testing.T) {
	for api, quota := range map[string]int{apiRenew: 10, apiOrders: 20, apiMonthlySum: 25} {
		clk := newSteppingClock()
		set := NewLimiterRegistry(clk, nil).ForAccount("acct")
		var times []time.Time
		for i := 0; i < 200; i++ {
			if _, err := set.Wait(context.Background(), api); err != nil {
				t.Fatal(err)
			}
			times = append(times, clk.Now())
		}
		for i := range times {
			n := 0
			for j := i; j < len(times) && times[j].Sub(times[i]) < time.Second; j++ {
				n++
			}
			if n > quota {
				t.Fatalf("%s: %d calls within one second from call %d, quota %d", api, n, i, quota)
			}
		}
		// And it does not throttle far below the quota.
		if span := times[len(times)-1].Sub(times[0]); span > time.Duration(float64(200)/float64(quota)*1.3*float64(time.Second)) {
			t.Errorf("%s: 200 calls took %v, too slow for %d/s", api, span, quota)
		}
	}
}

func TestLimiterRegistrySharesPerAccount(t *testing.T) {
	clk := testingclock.NewFakeClock(testEpoch)
	reg := NewLimiterRegistry(clk, map[string]int{apiRenew: 5})
	a1, a2, b := reg.ForAccount("a"), reg.ForAccount("a"), reg.ForAccount("b")
	if a1 != a2 || a1 == b {
		t.Fatal("registry must return one set per account")
	}
	ctx := context.Background()
	// Quota 5: burst 1. a1 takes it; a2 (same account) must wait; b must not.
	if _, err := a1.Wait(ctx, apiRenew); err != nil {
		t.Fatal(err)
	}
	if d, err := b.Wait(ctx, apiRenew); err != nil || d != 0 {
		t.Fatalf("other account waited %v %v", d, err)
	}
	done := waitInBackground(ctx, a2, apiRenew)
	waitForWaiter(t, clk)
	clk.Step(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLimiterHonoursContext(t *testing.T) {
	clk := testingclock.NewFakeClock(testEpoch)
	set := NewLimiterRegistry(clk, map[string]int{apiPay: 1}).ForAccount("a")
	if _, err := set.Wait(context.Background(), apiPay); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := waitInBackground(ctx, set, apiPay)
	waitForWaiter(t, clk)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	// A deadline shorter than the wait fails at once.
	dctx, dcancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer dcancel()
	if _, err := set.Wait(dctx, apiPay); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}

func TestClientRecordsLimiterWaits(t *testing.T) {
	ts := newTestServer(t, respond(204, nil))
	clk := newSteppingClock()
	c, _ := newTestClient(t, ts, func(cfg *Config) {
		cfg.Clock = clk
		cfg.Limiters = NewLimiterRegistry(clk, nil).ForAccount("a")
	})
	for i := 0; i < 3; i++ {
		if err := c.CancelOrder(context.Background(), "CS1"); err != nil {
			t.Fatal(err)
		}
	}
	if w := clk.Waits(); len(w) != 1 || w[0] != 125*time.Millisecond {
		t.Fatalf("limiter waits %v, want one of 125ms", w)
	}
}
