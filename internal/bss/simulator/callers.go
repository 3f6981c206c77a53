package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// How a caller reached the simulator.
const (
	ViaAKSK    = "aksk"    // an AK/SK-signed API request
	ViaToken   = "token"   // an X-Auth-Token API request
	ViaConsole = "console" // a person in the console, played through the admin API
	ViaSystem  = "system"  // the cloud itself (auto-renew deduction, expiry, holds)
	// ViaSeed marks the purchase orders of seeded resources, placed and paid
	// before the simulation began (they have no PaidBy).
	ViaSeed = "seed"
)

// Caller identifies who made a write: an IAM user of an account, reaching
// the simulator through an AK/SK, a token or the console; or the cloud
// itself ("Operation system", digest §7.7 #59).
type Caller struct {
	DomainID string `json:"domainId,omitempty"`
	// User is the IAM user name; orders placed by the caller report it as
	// user_name (6.2.2).
	User string `json:"user"`
	// Via is ViaAKSK, ViaToken, ViaConsole or ViaSystem.
	Via string `json:"via"`
	// AccessKey is the AK of an AK/SK caller (never the secret).
	AccessKey string `json:"accessKey,omitempty"`
}

// systemCaller places the orders the cloud places itself.
var systemCaller = Caller{User: systemUserName, Via: ViaSystem}

// userCaller is the caller behind credential user of account a; a credential
// that names no user belongs to the account's own user.
func userCaller(a *Account, user, via, ak string) Caller {
	if user == "" {
		user = a.Name
	}
	return Caller{DomainID: a.DomainID, User: user, Via: via, AccessKey: ak}
}

// AddCredential adds an AK/SK credential to an account, for example one for
// the operator's IAM user and one for a console user of the same account.
func (s *Server) AddCredential(domainID string, c Credential) error {
	if c.AccessKey == "" || c.SecretKey == "" {
		return errors.New("add credential: accessKey and secretKey are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, found := s.st.accounts[domainID]
	if !found {
		return fmt.Errorf("add credential to %s: account not found", domainID)
	}
	for _, other := range s.st.accounts {
		for _, oc := range other.Credentials {
			if oc.AccessKey == c.AccessKey {
				return fmt.Errorf("add credential: duplicate access key %s", c.AccessKey)
			}
		}
	}
	a.Credentials = append(a.Credentials, c)
	return nil
}

// Payment is one paid order: who paid it, when, and how much.
type Payment struct {
	OrderID   string    `json:"orderId"`
	AccountID string    `json:"accountId"`
	Time      time.Time `json:"time"`
	By        Caller    `json:"by"`
	PlacedBy  Caller    `json:"placedBy"`
	// Amount is what was charged (after discount, before coupons).
	Amount string `json:"amount"`
	// Discounted is true when a commercial discount was applied.
	Discounted bool `json:"discounted"`
}

// Payments lists the paid orders in creation order, with who paid them.
func (s *Server) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Payment
	for _, id := range s.st.orderOrder {
		o := s.st.orders[id]
		if o.PaidBy == nil {
			continue
		}
		p := Payment{OrderID: o.ID, AccountID: o.AccountID, Time: o.PaymentTime, By: *o.PaidBy,
			PlacedBy: o.PlacedBy, Amount: o.AfterDiscount.Add(o.CouponAmount).String()}
		for _, d := range o.Discounts {
			if d.Type == discountTypeCommercial {
				p.Discounted = true
			}
		}
		out = append(out, p)
	}
	return out
}

// OrderFilter selects orders by who placed or paid them and what they cover;
// empty fields match everything.
type OrderFilter struct {
	PlacedBy string // an IAM user name
	PaidBy   string // an IAM user name
	Resource string // a resource ID on one of the order's lines
}

// OrdersWhere returns copies of the orders that match f, in creation order.
func (s *Server) OrdersWhere(f OrderFilter) []Order {
	var out []Order
	for _, o := range s.Orders() {
		if f.PlacedBy != "" && o.PlacedBy.User != f.PlacedBy {
			continue
		}
		if f.PaidBy != "" && (o.PaidBy == nil || o.PaidBy.User != f.PaidBy) {
			continue
		}
		if f.Resource != "" && !orderCovers(&o, f.Resource) {
			continue
		}
		out = append(out, o)
	}
	return out
}

func orderCovers(o *Order, resourceID string) bool {
	for _, l := range o.Lines {
		if l.ResourceID == resourceID {
			return true
		}
	}
	return false
}

// Console plays a person: a named IAM user of an account acting in the
// console. Its actions run the same business logic as the signed API (the
// same handlers, rules and state transitions), are attributed to the user
// (Via ViaConsole) and appear in the write log; they bypass authentication,
// throttling, faults and the call counters, which belong to API callers.
type Console struct {
	s        *Server
	domainID string
	user     string
}

// Console returns a console session of user in account domainID.
func (s *Server) Console(domainID, user string) *Console {
	return &Console{s: s, domainID: domainID, user: user}
}

// ConsoleRenew is a renewal placed in the console.
type ConsoleRenew struct {
	ResourceIDs []string `json:"resourceIds"`
	// PeriodType is "month" (default) or "year"; PeriodNum the count
	// (default 1).
	PeriodType string `json:"periodType,omitempty"`
	PeriodNum  int    `json:"periodNum,omitempty"`
	// Pay pays each order at once (a separate PayOrder step, as on the
	// console's payment page); false leaves the orders pending payment.
	Pay bool `json:"pay,omitempty"`
	// Discount applies the order's commercial discount when paying.
	Discount bool `json:"discount,omitempty"`
}

// ConsoleResult is the BSS answer to a console action. A business refusal
// is a result (Status >= 400 with ErrorCode), not an error.
type ConsoleResult struct {
	Status    int             `json:"status"`
	ErrorCode string          `json:"errorCode,omitempty"`
	ErrorMsg  string          `json:"errorMsg,omitempty"`
	OrderIDs  []string        `json:"orderIds,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"`
	// Payments holds the results of the payments of a ConsoleRenew with
	// Pay, one per order.
	Payments []ConsoleResult `json:"payments,omitempty"`
}

// Err returns the refusal as an error, or nil when the action succeeded.
func (r ConsoleResult) Err() error {
	if r.Status < 400 {
		for _, p := range r.Payments {
			if err := p.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("console action refused: HTTP %d %s: %s", r.Status, r.ErrorCode, r.ErrorMsg)
}

// Renew renews resources for a period, and pays the orders when r.Pay.
func (c *Console) Renew(r ConsoleRenew) (ConsoleResult, error) {
	pt := periodMonth
	switch r.PeriodType {
	case "", "month":
	case "year":
		pt = periodYear
	default:
		return ConsoleResult{}, fmt.Errorf("console renew: periodType %q is not month or year", r.PeriodType)
	}
	n := r.PeriodNum
	if n == 0 {
		n = 1
	}
	res, err := c.act(OpRenew, nil, renewRequest{ResourceIDs: r.ResourceIDs, PeriodType: &pt, PeriodNum: &n})
	if err != nil || !r.Pay || res.Status >= 400 {
		return res, err
	}
	for _, id := range res.OrderIDs {
		p, err := c.Pay(id, r.Discount)
		if err != nil {
			return res, err
		}
		res.Payments = append(res.Payments, p)
	}
	return res, nil
}

// Pay pays a pending order, with the order's commercial discount (6.2.3)
// when discount is true.
func (c *Console) Pay(orderID string, discount bool) (ConsoleResult, error) {
	req := payRequest{OrderID: orderID, UseCoupon: "NO", UseDiscount: "NO"}
	if discount {
		kind := 2
		req.UseDiscount = "YES"
		req.DiscountInfos = []simpleInfo{{ID: discountIDFor(&Order{ID: orderID}), Type: &kind}}
	}
	return c.act(OpPayOrder, nil, req)
}

// Cancel cancels a pending-payment order.
func (c *Console) Cancel(orderID string) (ConsoleResult, error) {
	return c.act(OpCancelOrder, nil, cancelRequest{OrderID: orderID})
}

// AutoRenew switches auto-renew of a resource on or off.
func (c *Console) AutoRenew(resourceID string, on bool) (ConsoleResult, error) {
	op := OpDisableAuto
	if on {
		op = OpEnableAuto
	}
	return c.act(op, map[string]string{"resource_id": resourceID}, nil)
}

// ToOnDemand sets (on) or cancels the change of a primary resource to
// pay-per-use on expiry.
func (c *Console) ToOnDemand(resourceID string, on bool) (ConsoleResult, error) {
	op := "CANCEL"
	if on {
		op = "SET_UP"
	}
	return c.act(OpToOnDemand, nil, toOnDemandRequest{Operation: op, ResourceIDs: []string{resourceID}})
}

// Unsubscribe unsubscribes a resource: type 1 the resource and its renewal
// terms, type 2 only the renewal terms not yet started (6.3.3).
func (c *Console) Unsubscribe(resourceID string, unsubscribeType int) (ConsoleResult, error) {
	return c.act(OpUnsubscribe, nil, unsubscribeRequest{ResourceIDs: []string{resourceID}, UnsubscribeType: &unsubscribeType})
}

// act runs the handler of write operation op as the console user, with body
// (marshalled to JSON) and path values, under the server lock like an API
// request, and records it in the write log.
func (c *Console) act(op string, pathValues map[string]string, body any) (ConsoleResult, error) {
	s := c.s
	ep, found := s.endpointByOp(op)
	if !found || !ep.write {
		return ConsoleResult{}, fmt.Errorf("console: %s is not a write operation", op)
	}
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return ConsoleResult{}, fmt.Errorf("console %s: %w", op, err)
		}
	}
	// The request only carries the body and path values to the handler; it
	// is never sent.
	r, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "/console/"+op, bytes.NewReader(b))
	if err != nil {
		return ConsoleResult{}, fmt.Errorf("console %s: %w", op, err)
	}
	for k, v := range pathValues {
		r.SetPathValue(k, v)
	}
	s.mu.Lock()
	acct, found := s.st.accounts[c.domainID]
	if !found {
		s.mu.Unlock()
		return ConsoleResult{}, fmt.Errorf("console %s: account %s not found", op, c.domainID)
	}
	caller := Caller{DomainID: acct.DomainID, User: c.user, Via: ViaConsole}
	now := s.clock.Now().UTC().Truncate(time.Second)
	s.catchUp(now)
	cl := &call{r: r, body: b, account: acct, now: now, caller: caller}
	rep := ep.h(cl)
	resources, orders := s.requestResources(r, b)
	e := s.logApplied(op, cl, resources, orders, rep)
	s.mu.Unlock()
	s.wlog.finish(e, true, nil)
	return consoleResult(rep)
}

func consoleResult(rep reply) (ConsoleResult, error) {
	res := ConsoleResult{Status: rep.status}
	if rep.body != nil {
		b, err := json.Marshal(rep.body)
		if err != nil {
			return res, fmt.Errorf("console: encode answer: %w", err)
		}
		res.Body = b
	}
	switch b := rep.body.(type) {
	case cbcError:
		res.ErrorCode, res.ErrorMsg, res.OrderIDs = b.ErrorCode, b.ErrorMsg, b.OrderIDs
	case orderIDsResponse:
		res.OrderIDs = b.OrderIDs
	}
	return res, nil
}

func (s *Server) endpointByOp(op string) (endpoint, bool) {
	for _, ep := range s.endpoints() {
		if ep.op == op {
			return ep, true
		}
	}
	return endpoint{}, false
}
