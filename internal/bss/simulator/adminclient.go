package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AdminClient drives a simulator's /_sim/ admin API over HTTP: the stage on
// which tests play the adversaries of the operator (console users, timing
// faults, moving prices, held orders) and read the write log. It works
// against the bss-simulator binary and against an in-process Server served
// by httptest alike.
type AdminClient struct {
	base string
	hc   *http.Client
}

// NewAdminClient returns a client of the simulator at baseURL (the BSS
// endpoint, e.g. http://127.0.0.1:8443). hc nil means http.DefaultClient.
func NewAdminClient(baseURL string, hc *http.Client) *AdminClient {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &AdminClient{base: strings.TrimSuffix(baseURL, "/"), hc: hc}
}

// do sends one admin request; out, if not nil, receives the JSON answer.
func (c *AdminClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("admin %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("admin %s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("admin %s %s: %w", method, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("admin %s %s: read answer: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("admin %s %s: HTTP %d: %s", method, path, res.StatusCode, strings.TrimSpace(string(raw)))
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("admin %s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// AddCredential adds an AK/SK credential (for an IAM user) to an account.
func (c *AdminClient) AddCredential(ctx context.Context, domainID string, cred Credential) error {
	return c.do(ctx, http.MethodPost, "/_sim/accounts/"+url.PathEscape(domainID)+"/credentials", cred, nil)
}

// IssueToken issues an X-Auth-Token of IAM user user (empty: the account's
// own user) valid for ttl of simulated time (0: forever).
func (c *AdminClient) IssueToken(ctx context.Context, domainID, user string, ttl time.Duration) (string, error) {
	req := map[string]string{"user": user}
	if ttl > 0 {
		req["ttl"] = ttl.String()
	}
	var out struct {
		Token string `json:"token"`
	}
	err := c.do(ctx, http.MethodPost, "/_sim/accounts/"+url.PathEscape(domainID)+"/tokens", req, &out)
	return out.Token, err
}

// AdminConsole is a console user played through the admin API.
type AdminConsole struct {
	c    *AdminClient
	path string
}

// Console returns the console session of user in account domainID.
func (c *AdminClient) Console(domainID, user string) *AdminConsole {
	return &AdminConsole{c: c, path: "/_sim/console/" + url.PathEscape(domainID) + "/" + url.PathEscape(user) + "/"}
}

func (a *AdminConsole) act(ctx context.Context, action string, in any) (ConsoleResult, error) {
	var res ConsoleResult
	err := a.c.do(ctx, http.MethodPost, a.path+action, in, &res)
	return res, err
}

// Renew renews resources, paying the orders when r.Pay.
func (a *AdminConsole) Renew(ctx context.Context, r ConsoleRenew) (ConsoleResult, error) {
	return a.act(ctx, ConsoleActionRenew, r)
}

// Pay pays an order, with its commercial discount when discount.
func (a *AdminConsole) Pay(ctx context.Context, orderID string, discount bool) (ConsoleResult, error) {
	return a.act(ctx, ConsoleActionPay, ConsoleRequest{OrderID: orderID, Discount: discount})
}

// Cancel cancels a pending-payment order.
func (a *AdminConsole) Cancel(ctx context.Context, orderID string) (ConsoleResult, error) {
	return a.act(ctx, ConsoleActionCancel, ConsoleRequest{OrderID: orderID})
}

// AutoRenew switches auto-renew on or off.
func (a *AdminConsole) AutoRenew(ctx context.Context, resourceID string, on bool) (ConsoleResult, error) {
	return a.act(ctx, ConsoleActionAutoRenew, ConsoleRequest{ResourceID: resourceID, On: on})
}

// ToOnDemand sets or cancels the change to pay-per-use on expiry.
func (a *AdminConsole) ToOnDemand(ctx context.Context, resourceID string, on bool) (ConsoleResult, error) {
	return a.act(ctx, ConsoleActionToOnDemand, ConsoleRequest{ResourceID: resourceID, On: on})
}

// Unsubscribe unsubscribes a resource (type 1) or its renewal terms (2).
func (a *AdminConsole) Unsubscribe(ctx context.Context, resourceID string, unsubscribeType int) (ConsoleResult, error) {
	return a.act(ctx, ConsoleActionUnsubscribe, ConsoleRequest{ResourceID: resourceID, Type: unsubscribeType})
}

// SetFault sets the fault of operation op (or AnyOp) for the scope in f.
func (c *AdminClient) SetFault(ctx context.Context, op string, f Fault) error {
	return c.do(ctx, http.MethodPut, "/_sim/faults/"+url.PathEscape(op), f, nil)
}

// ClearFaults removes every fault.
func (c *AdminClient) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sim/faults", nil, nil)
}

// SetPrice schedules a change of a resource's renewal price.
func (c *AdminClient) SetPrice(ctx context.Context, resourceID string, pc PriceChange) error {
	return c.do(ctx, http.MethodPost, "/_sim/resources/"+url.PathEscape(resourceID)+"/price", pc, nil)
}

// HoldOrders arms a hold for the next matching orders.
func (c *AdminClient) HoldOrders(ctx context.Context, h OrderHold) error {
	return c.do(ctx, http.MethodPost, "/_sim/holds", h, nil)
}

// HoldOrder holds an existing pending-payment order in status for d.
func (c *AdminClient) HoldOrder(ctx context.Context, orderID string, status int, d time.Duration) error {
	return c.do(ctx, http.MethodPost, "/_sim/orders/"+url.PathEscape(orderID)+"/hold", HoldRequest{Status: status, For: d}, nil)
}

// Writes returns the write log entries after sequence number since (0: all).
func (c *AdminClient) Writes(ctx context.Context, since int64) ([]WriteEntry, error) {
	var out []WriteEntry
	err := c.do(ctx, http.MethodGet, "/_sim/writes?since="+strconv.FormatInt(since, 10), nil, &out)
	return out, err
}

// ResetWrites empties the write log.
func (c *AdminClient) ResetWrites(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sim/writes", nil, nil)
}

// Orders returns the orders matching f (all of them for a zero filter).
func (c *AdminClient) Orders(ctx context.Context, f OrderFilter) ([]Order, error) {
	q := url.Values{}
	for k, v := range map[string]string{"placedBy": f.PlacedBy, "paidBy": f.PaidBy, "resource": f.Resource} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var out []Order
	err := c.do(ctx, http.MethodGet, "/_sim/orders?"+q.Encode(), nil, &out)
	return out, err
}

// Payments returns the paid orders with who paid them.
func (c *AdminClient) Payments(ctx context.Context) ([]Payment, error) {
	var out []Payment
	err := c.do(ctx, http.MethodGet, "/_sim/payments", nil, &out)
	return out, err
}

// Advance moves the simulated clock forward by d and returns the new time.
func (c *AdminClient) Advance(ctx context.Context, d time.Duration) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	err := c.do(ctx, http.MethodPost, "/_sim/clock", map[string]string{"advance": d.String()}, &out)
	return out.Now, err
}

// Now returns the simulated time.
func (c *AdminClient) Now(ctx context.Context) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	err := c.do(ctx, http.MethodGet, "/_sim/clock", nil, &out)
	return out.Now, err
}
