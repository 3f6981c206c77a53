package bss

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/utils/clock"
)

// API keys name the throttled APIs of §3.3 (digest §1.5). The gateway counts
// calls per API, so operations that share an endpoint share a bucket.
const (
	apiResourcesQuery = "resources-query"
	apiRenew          = "resources-renew"
	apiUnsubscribe    = "resources-unsubscribe"
	apiAutoRenewOn    = "autorenew-enable"
	apiAutoRenewOff   = "autorenew-disable"
	apiToOnDemand     = "to-on-demand"
	apiOrders         = "orders-list"
	apiOrderDetails   = "order-details"
	apiOrderDiscounts = "order-discounts"
	apiPay            = "orders-pay"
	apiCancel         = "orders-cancel"
	apiRefunds        = "refund-orders"
	apiRenewRate      = "renew-rate"
	apiSubscribeRate  = "subscribe-rate"
	apiOnDemandRate   = "on-demand-rate"
	apiBalances       = "balances"
	apiMonthlySum     = "monthly-sum" // GET /v2/bills/customer-bills/monthly-sum, 25/s in §3.3
	apiResRecords     = "res-records"
	apiResFeeRecords  = "res-fee-records"
	apiCosts          = "cost-analysed-bills"
)

// defaultQuotaPerSecond is the §3.3 default of 10 calls per second.
const defaultQuotaPerSecond = 10

// DefaultQuotas are the per-API quotas of §3.3 in calls per second. APIs not
// listed use 10/s.
func DefaultQuotas() map[string]int {
	return map[string]int{
		apiOrders: 20,
		// §3.3 prints this quota for the v2 path the client calls
		// (DIGEST §1.5), not for §7.1's v1.0 path.
		apiMonthlySum:    25,
		apiSubscribeRate: 30,
		apiResRecords:    30,
		apiResFeeRecords: 30,
	}
}

// LimiterRegistry hands out one LimiterSet per account, so that every
// client of an account (every controller, every credential rotation) draws
// from the same buckets. Build one per manager; it holds no global state.
type LimiterRegistry struct {
	clock  clock.Clock
	quotas map[string]int

	mu   sync.Mutex
	sets map[string]*LimiterSet
}

// NewLimiterRegistry returns a registry using clk for time and the §3.3
// quotas, overridden by the quotas given (calls per second per API key).
func NewLimiterRegistry(clk clock.Clock, overrides map[string]int) *LimiterRegistry {
	q := DefaultQuotas()
	for k, v := range overrides {
		q[k] = v
	}
	return &LimiterRegistry{clock: clk, quotas: q, sets: map[string]*LimiterSet{}}
}

// ForAccount returns the limiter set of the account named by key (for
// example the site and domain id). The key must not contain secrets.
func (r *LimiterRegistry) ForAccount(key string) *LimiterSet {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sets[key]
	if !ok {
		s = &LimiterSet{clock: r.clock, quotas: r.quotas, limiters: map[string]*rate.Limiter{}}
		r.sets[key] = s
	}
	return s
}

// Forget drops an account's limiter set, e.g. when the account is deleted.
func (r *LimiterRegistry) Forget(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.sets, key)
}

// LimiterSet holds one token bucket per API for one account.
//
// A bucket with rate 0.8q and burst 0.2q (at least 1) lets through at most q
// calls in any one-second window (burst plus one second of refill), so the
// client stays under a gateway quota of q/1(s) however it counts the window.
type LimiterSet struct {
	clock  clock.Clock
	quotas map[string]int

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func (s *LimiterSet) limiter(api string) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.limiters[api]
	if !ok {
		q := s.quotas[api]
		if q <= 0 {
			q = defaultQuotaPerSecond
		}
		burst := q / 5
		if burst < 1 {
			burst = 1
		}
		l = rate.NewLimiter(rate.Limit(float64(q-burst)), burst)
		s.limiters[api] = l
	}
	return l
}

// Wait blocks until a call to api may be made, or ctx ends. It returns how
// long it waited.
func (s *LimiterSet) Wait(ctx context.Context, api string) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("rate limiter %s: %w", api, err)
	}
	l := s.limiter(api)
	now := s.clock.Now()
	r := l.ReserveN(now, 1)
	if !r.OK() {
		return 0, fmt.Errorf("rate limiter %s: burst too small", api)
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return 0, nil
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		r.CancelAt(now)
		return 0, fmt.Errorf("rate limiter %s: wait of %s exceeds the deadline: %w", api, d, context.DeadlineExceeded)
	}
	t := s.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return d, nil
	case <-ctx.Done():
		r.CancelAt(s.clock.Now())
		return 0, fmt.Errorf("rate limiter %s: %w", api, ctx.Err())
	}
}
