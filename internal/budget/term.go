package budget

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bss-operator/bss-operator/internal/bss"
)

// The term of a cloud auto-renewal is "the same as the original resource
// subscription period" (digest §7.3 rule 25): the period of the order that
// bought the resource. It is not expire_time - effective_time: BSS's
// effective_time is when the resource took effect and does not move on
// renewal (6.3.1; docs/simulator.md), so that span is the resource's whole
// life, three years for a monthly resource bought three years ago (issue
// 15). The purchase order is found among the new-purchase orders (6.2.1)
// created shortly before the resource took effect, confirmed by the
// resources on it (6.3.1 order_id), and its period read from its lines
// (6.2.2 period_type, period_num).
const (
	// PurchaseLookback is how long before its effective time a resource's
	// purchase order may have been created: an order stays pending
	// payment up to seven days (6.2.2 pending_payment_end_time), and a
	// day's margin.
	PurchaseLookback = 8 * 24 * time.Hour
	// purchaseLookahead allows for the clock of the order list and of the
	// resource to differ.
	purchaseLookahead = 10 * time.Minute
	// TermMaxOrders bounds the candidate orders examined for one resource.
	TermMaxOrders = 20
	// TermMaxLookups bounds the resources whose term one pass looks up;
	// the others are looked up in later passes.
	TermMaxLookups = 2
	// failedTermMaxAge is how long a lookup that failed or found nothing
	// is not tried again.
	failedTermMaxAge = time.Hour
)

// PurchaseTerm returns the period, in months, of the order that bought
// resourceID, which took effect at effective: 0 when no such order is
// found among the TermMaxOrders new-purchase orders created in the
// PurchaseLookback before it, or its lines do not give one period in
// months or years.
func PurchaseTerm(ctx context.Context, cl bss.Client, resourceID string, effective time.Time) (int, error) {
	if effective.IsZero() {
		return 0, nil
	}
	req := bss.ListOrdersRequest{Type: bss.OrderNewPurchase, CreateTimeBegin: effective.Add(-PurchaseLookback),
		CreateTimeEnd: effective.Add(purchaseLookahead), Limit: TermMaxOrders}
	page, err := cl.ListOrders(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("list purchase orders around %s: %w", effective.UTC().Format(time.RFC3339), err)
	}
	for i := range page.Orders {
		o := &page.Orders[i]
		if o.Status == bss.OrderCanceled {
			continue
		}
		res, err := cl.ListResources(ctx, bss.ListResourcesRequest{OrderID: o.ID, Limit: 50})
		if err != nil {
			return 0, fmt.Errorf("list resources of order %s: %w", o.ID, err)
		}
		on := false
		for _, r := range res.Resources {
			on = on || r.ID == resourceID
		}
		if !on {
			continue
		}
		detail, err := cl.GetOrder(ctx, o.ID)
		if err != nil {
			return 0, fmt.Errorf("read purchase order %s: %w", o.ID, err)
		}
		return linesMonths(detail.LineItems), nil
	}
	return 0, nil
}

// linesMonths is the period of an order's lines in months, or 0 when a
// line has none in months or years, or the lines disagree.
func linesMonths(items []bss.OrderLineItem) int {
	months := 0
	for _, li := range items {
		if li.PeriodNum == nil || *li.PeriodNum < 1 {
			return 0
		}
		m := *li.PeriodNum
		switch li.PeriodType {
		case bss.PeriodMonth:
		case bss.PeriodYear:
			m *= 12
		default:
			return 0
		}
		if months != 0 && m != months {
			return 0
		}
		months = m
	}
	return months
}

// TermQuery names a resource whose auto-renew term is wanted.
type TermQuery struct {
	// ResourceID is the primary resource.
	ResourceID string
	// Effective is its effective_time (6.3.1).
	Effective time.Time
}

// TermCache keeps the auto-renew terms of resources between passes, per
// account, resource and effective time (which never changes, so a term
// found is kept). Losing it (a restart) only costs lookups. It is safe for
// concurrent use.
type TermCache struct {
	// callTimeout bounds each lookup; 0 leaves it to ctx.
	callTimeout time.Duration

	mu    sync.Mutex
	terms map[string]termEntry
}

// termEntry is a looked-up term; months 0 is a lookup that found none.
type termEntry struct {
	months   int
	lookedAt time.Time
}

// NewTermCache returns an empty cache whose lookups each take at most
// callTimeout (0: no bound beyond the caller's context).
func NewTermCache(callTimeout time.Duration) *TermCache {
	return &TermCache{callTimeout: callTimeout, terms: map[string]termEntry{}}
}

func termKey(account string, q TermQuery) string {
	return account + "|" + q.ResourceID + "|" + q.Effective.UTC().Format(time.RFC3339)
}

// Terms returns the auto-renew term in months of each queried resource
// that is known or found in this pass (at most TermMaxLookups lookups); a
// resource missing from the answer has no known term.
func (c *TermCache) Terms(ctx context.Context, cl bss.Client, account string, qs []TermQuery, now time.Time) map[string]int {
	out := map[string]int{}
	lookups := 0
	for _, q := range qs {
		key := termKey(account, q)
		c.mu.Lock()
		e, ok := c.terms[key]
		c.mu.Unlock()
		if ok && (e.months > 0 || now.Sub(e.lookedAt) < failedTermMaxAge) {
			if e.months > 0 {
				out[q.ResourceID] = e.months
			}
			continue
		}
		if lookups >= TermMaxLookups {
			continue
		}
		lookups++
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if c.callTimeout > 0 {
			cctx, cancel = context.WithTimeout(ctx, c.callTimeout)
		}
		months, err := PurchaseTerm(cctx, cl, q.ResourceID, q.Effective)
		cancel()
		if err != nil {
			months = 0
		}
		c.mu.Lock()
		c.terms[key] = termEntry{months: months, lookedAt: now}
		c.mu.Unlock()
		if months > 0 {
			out[q.ResourceID] = months
		}
	}
	return out
}
