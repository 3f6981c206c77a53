// Package inventory keeps one shared, periodically refreshed view of each
// billing account's yearly/monthly resources, so that the Subscriptions of an
// account share one inventory refresh (the paged 6.3.1 listing, 500 per
// page) instead of making one query each.
package inventory

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"k8s.io/utils/clock"

	"github.com/bss-operator/bss-operator/internal/bss"
)

// PageSize is the 6.3.1 listing's largest page.
const PageSize = 500

// QueryBatch is the most resource IDs one 6.3.1 query may name.
const QueryBatch = 50

// ChangeFunc is told which resource IDs of an account changed in a refresh
// (new, gone, or with a different expiry, policy or status).
type ChangeFunc func(accountKey string, resourceIDs []string)

// Cache holds the resource view of every account.
type Cache struct {
	clock    clock.PassiveClock
	onChange ChangeFunc

	mu       sync.Mutex
	accounts map[string]*account
	flight   singleflight.Group
}

// account is one account's view.
type account struct {
	mu        sync.RWMutex
	resources map[string]bss.Resource
	children  map[string][]string
	fetchedAt time.Time
}

// New returns an empty cache. onChange may be nil.
func New(clk clock.PassiveClock, onChange ChangeFunc) *Cache {
	return &Cache{clock: clk, onChange: onChange, accounts: map[string]*account{}}
}

func (c *Cache) entry(key string) *account {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.accounts[key]
	if !ok {
		a = &account{resources: map[string]bss.Resource{}, children: map[string][]string{}}
		c.accounts[key] = a
	}
	return a
}

// FetchedAt is when the account's view was last refreshed (zero if never).
func (c *Cache) FetchedAt(key string) time.Time {
	a := c.entry(key)
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.fetchedAt
}

// Forget drops an account's view (the account was deleted).
func (c *Cache) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.accounts, key)
}

// Ensure refreshes the account's view if it is older than maxAge.
// Concurrent callers share one refresh.
func (c *Cache) Ensure(ctx context.Context, key string, cl bss.Client, maxAge time.Duration) error {
	if at := c.FetchedAt(key); !at.IsZero() && c.clock.Since(at) < maxAge {
		return nil
	}
	return c.Refresh(ctx, key, cl)
}

// Refresh lists every yearly/monthly resource of the account, page by page,
// and replaces the account's view. Concurrent callers share one refresh.
func (c *Cache) Refresh(ctx context.Context, key string, cl bss.Client) error {
	_, err, _ := c.flight.Do(key, func() (any, error) {
		fresh := map[string]bss.Resource{}
		for offset := 0; ; offset += PageSize {
			page, err := cl.ListResources(ctx, bss.ListResourcesRequest{Offset: offset, Limit: PageSize})
			if err != nil {
				return nil, fmt.Errorf("list resources of %s at offset %d: %w", key, offset, err)
			}
			for _, r := range page.Resources {
				fresh[r.ID] = r
			}
			if len(page.Resources) == 0 || offset+len(page.Resources) >= page.TotalCount {
				break
			}
		}
		changed := c.replace(key, fresh)
		if c.onChange != nil && len(changed) > 0 {
			c.onChange(key, changed)
		}
		return nil, nil
	})
	return err
}

// replace installs a fresh view and returns the IDs that changed.
func (c *Cache) replace(key string, fresh map[string]bss.Resource) []string {
	a := c.entry(key)
	a.mu.Lock()
	defer a.mu.Unlock()
	var changed []string
	for id, r := range fresh {
		if old, ok := a.resources[id]; !ok || !same(old, r) {
			changed = append(changed, id)
		}
	}
	for id := range a.resources {
		if _, ok := fresh[id]; !ok {
			changed = append(changed, id)
		}
	}
	a.resources = fresh
	a.children = childrenOf(fresh)
	a.fetchedAt = c.clock.Now()
	return changed
}

// Lookup returns the resources with the given IDs from BSS (6.3.1 by ID,
// in batches of 50) and updates the view with them; IDs that BSS does not
// know are absent from the result. Use it after a write, or for an ID the
// listing did not have.
func (c *Cache) Lookup(ctx context.Context, key string, cl bss.Client, ids []string) (map[string]bss.Resource, error) {
	found := map[string]bss.Resource{}
	for start := 0; start < len(ids); start += QueryBatch {
		end := min(start+QueryBatch, len(ids))
		rs, err := cl.QueryResources(ctx, bss.QueryResourcesRequest{ResourceIDs: ids[start:end]})
		if err != nil {
			return nil, fmt.Errorf("query resources of %s: %w", key, err)
		}
		for _, r := range rs {
			found[r.ID] = r
		}
	}
	a := c.entry(key)
	a.mu.Lock()
	for id, r := range found {
		a.resources[id] = r
	}
	a.children = childrenOf(a.resources)
	a.mu.Unlock()
	return found, nil
}

// Get returns a resource from the view.
func (c *Cache) Get(key, id string) (bss.Resource, bool) {
	a := c.entry(key)
	a.mu.RLock()
	defer a.mu.RUnlock()
	r, ok := a.resources[id]
	return r, ok
}

// Attached returns the attached resources of a primary resource.
func (c *Cache) Attached(key, primaryID string) []bss.Resource {
	a := c.entry(key)
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]bss.Resource, 0, len(a.children[primaryID]))
	for _, id := range a.children[primaryID] {
		out = append(out, a.resources[id])
	}
	return out
}

// All returns every resource of the account's view.
func (c *Cache) All(key string) []bss.Resource {
	a := c.entry(key)
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]bss.Resource, 0, len(a.resources))
	for _, r := range a.resources {
		out = append(out, r)
	}
	return out
}

// childrenOf indexes attached resources by their primary.
func childrenOf(rs map[string]bss.Resource) map[string][]string {
	out := map[string][]string{}
	for id, r := range rs {
		if !r.IsMain && r.ParentResourceID != "" && r.ParentResourceID != id {
			out[r.ParentResourceID] = append(out[r.ParentResourceID], id)
		}
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}

// same reports whether two observations of a resource agree on everything
// a Subscription shows.
func same(a, b bss.Resource) bool {
	return a.Name == b.Name && a.Status == b.Status && a.ExpirePolicy == b.ExpirePolicy &&
		a.ExpireTime.Equal(b.ExpireTime) && a.EffectiveTime.Equal(b.EffectiveTime) &&
		a.IsMain == b.IsMain && a.ParentResourceID == b.ParentResourceID && a.SpecDesc == b.SpecDesc &&
		a.EnterpriseProject == b.EnterpriseProject && a.UpdateTime.Equal(b.UpdateTime)
}
