package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/shopspring/decimal"
)

// ErrClockNotSettable is returned by Advance and SetTime when the simulated
// clock does not implement SettableClock.
var ErrClockNotSettable = errors.New("the simulator clock cannot be set")

// Now returns the simulated time.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Tick applies every time-driven event due at the current simulated time
// (expiry, auto-renew deductions, payment deadlines). Requests do this
// implicitly; tests call it after moving a fake clock to inspect state.
func (s *Server) Tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catchUp(s.clock.Now().UTC().Truncate(time.Second))
}

// Advance moves a settable simulated clock forward by d and applies the
// events in between, in order.
func (s *Server) Advance(d time.Duration) error {
	return s.SetTime(s.clock.Now().Add(d))
}

// SetTime sets a settable simulated clock to t and applies due events.
// Moving the clock backwards is allowed but does not undo past events.
func (s *Server) SetTime(t time.Time) error {
	c, settable := s.clock.(SettableClock)
	if !settable {
		return ErrClockNotSettable
	}
	c.SetTime(t)
	s.Tick()
	return nil
}

// Counters returns a snapshot of the call counters.
func (s *Server) Counters() Counters { return s.counters.snapshot() }

// AccountCounters returns a snapshot of the call counters of one account
// (domain ID): calls that authenticated as it, or that failed before
// authenticating and claimed it in X-Domain-Id. Tests that share a
// simulator read these, so that they cannot see each other's calls.
func (s *Server) AccountCounters(domainID string) Counters {
	return s.counters.snapshotAccount(domainID)
}

// ResetCounters zeroes the call counters and the throttling windows.
func (s *Server) ResetCounters() {
	s.counters.reset()
	s.throttle.reset()
}

// Orders returns a deep copy of the order book, in creation order.
func (s *Server) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.st.orderOrder))
	for _, id := range s.st.orderOrder {
		out = append(out, copyOrder(s.st.orders[id]))
	}
	return out
}

// Order returns a copy of one order.
func (s *Server) Order(id string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.findOrder(id)
	if o == nil {
		return Order{}, false
	}
	return copyOrder(o), true
}

func copyOrder(o *Order) Order {
	c := *o
	c.release = nil
	c.Lines = append([]OrderLine(nil), o.Lines...)
	c.Discounts = append([]Discount(nil), o.Discounts...)
	c.Refunds = append([]RefundRecord(nil), o.Refunds...)
	c.EnterpriseProjects = append([]EnterpriseProject(nil), o.EnterpriseProjects...)
	return c
}

// ResourceView is a resource with its derived status and expire_policy.
type ResourceView struct {
	Resource
	Status       int `json:"status"`
	ExpirePolicy int `json:"expirePolicy"`
}

// Resources returns copies of all resources (including closed ones).
func (s *Server) Resources() []ResourceView {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	out := make([]ResourceView, 0, len(s.st.resourceOrder))
	for _, id := range s.st.resourceOrder {
		out = append(out, s.view(s.st.resources[id], now))
	}
	return out
}

// Resource returns a copy of one resource.
func (s *Server) Resource(id string) (ResourceView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, found := s.st.resources[id]
	if !found {
		return ResourceView{}, false
	}
	return s.view(r, s.clock.Now()), true
}

func (s *Server) view(r *Resource, now time.Time) ResourceView {
	c := *r
	c.Segments = append([]Segment(nil), r.Segments...)
	c.Attached = append([]string(nil), r.Attached...)
	v := ResourceView{Resource: c, ExpirePolicy: s.effectivePolicy(r)}
	if !r.Closed {
		v.Status = s.statusOf(r, now)
	}
	return v
}

// Account returns a copy of one account.
func (s *Server) Account(domainID string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, found := s.st.accounts[domainID]
	if !found {
		return Account{}, false
	}
	c := *a
	c.Credentials = append([]Credential(nil), a.Credentials...)
	c.Tokens = append([]Token(nil), a.Tokens...)
	c.Coupons = append([]Coupon(nil), a.Coupons...)
	return c, true
}

// Accounts returns copies of all accounts.
func (s *Server) Accounts() []Account {
	s.mu.Lock()
	ids := append([]string(nil), s.st.accountOrder...)
	s.mu.Unlock()
	out := make([]Account, 0, len(ids))
	for _, id := range ids {
		if a, found := s.Account(id); found {
			out = append(out, a)
		}
	}
	return out
}

// BalanceUpdate changes an account's balances; nil fields are left alone.
type BalanceUpdate struct {
	Cash        *decimal.Decimal `json:"cash,omitempty"`
	CreditLimit *decimal.Decimal `json:"creditLimit,omitempty"`
	CreditUsed  *decimal.Decimal `json:"creditUsed,omitempty"`
	Debt        *decimal.Decimal `json:"debt,omitempty"`
	Frozen      *bool            `json:"frozen,omitempty"`
}

// UpdateAccount applies a BalanceUpdate to an account.
func (s *Server) UpdateAccount(domainID string, u BalanceUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, found := s.st.accounts[domainID]
	if !found {
		return fmt.Errorf("update account %s: not found", domainID)
	}
	for _, f := range []struct {
		src *decimal.Decimal
		dst *decimal.Decimal
	}{{u.Cash, &a.Cash}, {u.CreditLimit, &a.CreditLimit}, {u.CreditUsed, &a.CreditUsed}, {u.Debt, &a.Debt}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if u.Frozen != nil {
		a.Frozen = *u.Frozen
	}
	return nil
}

// IssueToken adds an X-Auth-Token for an account valid for ttl (0: forever)
// of simulated time, and returns it.
func (s *Server) IssueToken(domainID string, ttl time.Duration) (string, error) {
	return s.IssueUserToken(domainID, "", ttl)
}

// IssueUserToken is IssueToken for a named IAM user of the account: writes
// made with the token are attributed to user.
func (s *Server) IssueUserToken(domainID, user string, ttl time.Duration) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, found := s.st.accounts[domainID]
	if !found {
		return "", fmt.Errorf("issue token for %s: account not found", domainID)
	}
	s.st.recordSeq++
	tok := Token{Value: fmt.Sprintf("MIIsim%s%08d", shortID(domainID), s.st.recordSeq), User: user}
	if ttl > 0 {
		tok.ExpiresAt = s.clock.Now().Add(ttl)
	}
	a.Tokens = append(a.Tokens, tok)
	return tok.Value, nil
}

// adminRoutes registers the unauthenticated /_sim/ admin API.
func (s *Server) adminRoutes() {
	h := func(pattern string, fn func(*http.Request) (any, error)) {
		s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if !s.cfg.allowRemoteAdmin && !isLoopback(r.RemoteAddr) {
				http.Error(w, "admin API is loopback-only", http.StatusForbidden)
				return
			}
			v, err := fn(r)
			w.Header().Set("Content-Type", "application/json")
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
				return
			}
			if v == nil {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			_ = json.NewEncoder(w).Encode(v)
		})
	}
	h("POST /_sim/inventory", func(r *http.Request) (any, error) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		inv, err := ParseInventory(data)
		if err != nil {
			return nil, err
		}
		return nil, s.LoadInventory(inv)
	})
	h("POST /_sim/accounts", func(r *http.Request) (any, error) {
		var a AccountSeed
		if err := decodeAdmin(r, &a); err != nil {
			return nil, err
		}
		return nil, s.AddAccount(a)
	})
	h("GET /_sim/accounts", func(*http.Request) (any, error) { return s.Accounts(), nil })
	h("PATCH /_sim/accounts/{domain_id}", func(r *http.Request) (any, error) {
		var u BalanceUpdate
		if err := decodeAdmin(r, &u); err != nil {
			return nil, err
		}
		return nil, s.UpdateAccount(r.PathValue("domain_id"), u)
	})
	h("POST /_sim/accounts/{domain_id}/tokens", func(r *http.Request) (any, error) {
		var req struct {
			TTL  string `json:"ttl"`
			User string `json:"user"`
		}
		_ = decodeAdmin(r, &req)
		var ttl time.Duration
		if req.TTL != "" {
			d, err := parseRelative(req.TTL)
			if err != nil {
				return nil, err
			}
			ttl = d
		}
		tok, err := s.IssueUserToken(r.PathValue("domain_id"), req.User, ttl)
		return map[string]string{"token": tok}, err
	})
	h("POST /_sim/resources", func(r *http.Request) (any, error) {
		var rs ResourceSeed
		if err := decodeAdmin(r, &rs); err != nil {
			return nil, err
		}
		return nil, s.AddResource(rs)
	})
	h("GET /_sim/resources", func(*http.Request) (any, error) { return s.Resources(), nil })
	h("GET /_sim/orders", func(r *http.Request) (any, error) {
		q := r.URL.Query()
		return s.OrdersWhere(OrderFilter{PlacedBy: q.Get("placedBy"), PaidBy: q.Get("paidBy"), Resource: q.Get("resource")}), nil
	})
	h("GET /_sim/clock", func(*http.Request) (any, error) { return map[string]time.Time{"now": s.Now().UTC()}, nil })
	h("POST /_sim/clock", func(r *http.Request) (any, error) {
		var req struct {
			Advance string     `json:"advance"`
			Set     *time.Time `json:"set"`
		}
		if err := decodeAdmin(r, &req); err != nil {
			return nil, err
		}
		var err error
		switch {
		case req.Set != nil:
			err = s.SetTime(*req.Set)
		case req.Advance != "":
			var d time.Duration
			if d, err = parseRelative(req.Advance); err == nil {
				err = s.Advance(d)
			}
		default:
			s.Tick()
		}
		return map[string]time.Time{"now": s.Now().UTC()}, err
	})
	h("PUT /_sim/faults/{op}", func(r *http.Request) (any, error) {
		var f Fault
		if err := decodeAdmin(r, &f); err != nil {
			return nil, err
		}
		s.SetFault(r.PathValue("op"), f)
		return nil, nil
	})
	h("DELETE /_sim/faults", func(*http.Request) (any, error) { s.ClearFaults(); return nil, nil })
	h("GET /_sim/counters", func(*http.Request) (any, error) { return s.Counters(), nil })
	s.stageRoutes(h)
	h("DELETE /_sim/counters", func(*http.Request) (any, error) { s.ResetCounters(); return nil, nil })
}

func decodeAdmin(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("decode admin request: %w", err)
	}
	return nil
}

func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RenameResource changes a resource's name, as a rename in the console
// would. Benchmarks use it to measure how fast a change reaches every
// Subscription's status.
func (s *Server) RenameResource(id, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.resources[id]
	if !ok {
		return fmt.Errorf("resource %q not found", id)
	}
	r.Name = name
	return nil
}
