package budget

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bss-operator/bss-operator/internal/bss"
)

// Bounds of pricing cloud auto-renew deductions.
const (
	// QuoteMaxCalls bounds the renewal-price calls (4.2.3) of one pass;
	// unpriced deductions are priced in later passes.
	QuoteMaxCalls = 4
	// AutoRenewQuoteMaxAge is how long a price quoted for an auto-renew
	// deduction is reused.
	AutoRenewQuoteMaxAge = 24 * time.Hour
	// failedQuoteMaxAge is how long a refused quote is not asked again.
	failedQuoteMaxAge = time.Hour
	// quoteBatchSize is the most resources one 4.2.3 call prices.
	quoteBatchSize = 10
)

// QuoteCache keeps the renewal prices of cloud auto-renew deductions
// between passes, per account, resource and term. Losing it (a restart)
// only costs quotes. It is safe for concurrent use.
type QuoteCache struct {
	// callTimeout bounds each BSS call; 0 leaves it to ctx.
	callTimeout time.Duration

	mu     sync.Mutex
	quotes map[string]quoteEntry
}

// quoteEntry is a cached renewal price.
type quoteEntry struct {
	amount   decimal.Decimal
	currency string
	quotedAt time.Time
	failed   bool
}

// NewQuoteCache returns an empty cache whose BSS calls each take at most
// callTimeout (0: no bound beyond the caller's context).
func NewQuoteCache(callTimeout time.Duration) *QuoteCache {
	return &QuoteCache{callTimeout: callTimeout, quotes: map[string]quoteEntry{}}
}

func quoteKey(account, resourceID string, months int) string {
	return fmt.Sprintf("%s|%s|%d", account, resourceID, months)
}

// PriceAutoRenewals prices the unpriced auto-renew deductions of dues in
// place: from the cache while fresh, otherwise by asking BSS (4.2.3, up to
// ten resources of one term a call) for at most QuoteMaxCalls calls. A
// failed batch is retried one resource at a time while calls remain, so
// one unpriceable resource does not leave the others unpriced; a refused
// resource is not asked again for an hour. It returns the calls made.
func (c *QuoteCache) PriceAutoRenewals(ctx context.Context, cl bss.Client, account string, dues []Due, now time.Time) int {
	fresh := func(e quoteEntry) bool {
		maxAge := AutoRenewQuoteMaxAge
		if e.failed {
			maxAge = failedQuoteMaxAge
		}
		return now.Sub(e.quotedAt) < maxAge
	}
	need := map[int][]string{}
	c.mu.Lock()
	for _, d := range dues {
		if d.Priced || d.Kind != DueAutoRenew || d.Months < 1 {
			continue // priced, not the cloud's, or its term unknown
		}
		if e, ok := c.quotes[quoteKey(account, d.ResourceID, d.Months)]; ok && fresh(e) {
			continue
		}
		if !slices.Contains(need[d.Months], d.ResourceID) {
			need[d.Months] = append(need[d.Months], d.ResourceID)
		}
	}
	c.mu.Unlock()
	calls := 0
	months := make([]int, 0, len(need))
	for m := range need {
		months = append(months, m)
	}
	slices.Sort(months)
	for _, m := range months {
		ids := need[m]
		for len(ids) > 0 && calls < QuoteMaxCalls {
			n := min(len(ids), quoteBatchSize)
			calls += c.quoteBatch(ctx, cl, account, now, m, ids[:n], QuoteMaxCalls-calls)
			ids = ids[n:]
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range dues {
		d := &dues[i]
		if d.Priced || d.Kind != DueAutoRenew {
			continue
		}
		if e, ok := c.quotes[quoteKey(account, d.ResourceID, d.Months)]; ok && !e.failed {
			d.Amount, d.Currency, d.Priced = e.amount, e.currency, true
		}
	}
	return calls
}

// quoteBatch quotes ids for a term of months and caches the prices. It
// returns the calls made, at most callsLeft.
func (c *QuoteCache) quoteBatch(ctx context.Context, cl bss.Client, account string, now time.Time, months int, ids []string, callsLeft int) int {
	if callsLeft <= 0 {
		return 0
	}
	req := bss.RenewalPriceRequest{ResourceIDs: ids, PeriodType: bss.PeriodMonth, PeriodNum: months}
	if months%12 == 0 {
		req.PeriodType, req.PeriodNum = bss.PeriodYear, months/12
	}
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if c.callTimeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, c.callTimeout)
	}
	q, err := cl.RenewalPrice(cctx, req)
	cancel()
	if err != nil {
		if len(ids) > 1 {
			calls := 1
			for _, id := range ids {
				calls += c.quoteBatch(ctx, cl, account, now, months, []string{id}, callsLeft-calls)
			}
			return calls
		}
		c.mu.Lock()
		c.quotes[quoteKey(account, ids[0], months)] = quoteEntry{quotedAt: now, failed: true}
		c.mu.Unlock()
		return 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.quotes {
		if now.Sub(e.quotedAt) > 2*AutoRenewQuoteMaxAge {
			delete(c.quotes, k)
		}
	}
	for _, it := range q.Items {
		cur := it.Amount.Currency
		if cur == "" {
			cur = q.Currency
		}
		c.quotes[quoteKey(account, it.ResourceID, months)] = quoteEntry{amount: it.Amount.Amount, currency: cur, quotedAt: now}
	}
	return 1
}
