package bss

import (
	"context"
	"fmt"
	"time"

	"k8s.io/utils/clock"

	"github.com/bss-operator/bss-operator/internal/metrics"
)

// instrumented decorates a Client with Prometheus metrics: requests by
// operation and result, and latency. Throttling is recorded by the HTTP
// client itself (Config.Metrics), where the waits happen.
type instrumented struct {
	next    Client
	metrics *metrics.BSS
	clock   clock.PassiveClock
}

var _ Client = (*instrumented)(nil)

// NewInstrumented wraps next so that every call is counted by operation and
// result ("success" or the error class) and timed. A nil m returns next.
func NewInstrumented(next Client, m *metrics.BSS, clk clock.PassiveClock) Client {
	if m == nil {
		return next
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &instrumented{next: next, metrics: m, clock: clk}
}

// resultLabel maps an error to a bounded label value.
func resultLabel(err error) string {
	if err == nil {
		return metrics.ResultSuccess
	}
	if e, ok := AsError(err); ok {
		return e.Class.String()
	}
	return "error"
}

func (i *instrumented) observe(op string, start time.Time, err error) {
	i.metrics.ObserveRequest(op, resultLabel(err), i.clock.Since(start))
}

// QueryResources implements Client.
func (i *instrumented) QueryResources(ctx context.Context, req QueryResourcesRequest) ([]Resource, error) {
	start := i.clock.Now()
	res, err := i.next.QueryResources(ctx, req)
	i.observe("QueryResources", start, err)
	return res, err
}

// ListResources implements Client.
func (i *instrumented) ListResources(ctx context.Context, req ListResourcesRequest) (*ResourcePage, error) {
	start := i.clock.Now()
	res, err := i.next.ListResources(ctx, req)
	i.observe("ListResources", start, err)
	return res, err
}

// Renew implements Client.
func (i *instrumented) Renew(ctx context.Context, req RenewRequest) (*RenewResult, error) {
	start := i.clock.Now()
	res, err := i.next.Renew(ctx, req)
	i.observe("Renew", start, err)
	return res, err
}

// Unsubscribe implements Client.
func (i *instrumented) Unsubscribe(ctx context.Context, req UnsubscribeRequest) (*UnsubscribeResult, error) {
	start := i.clock.Now()
	res, err := i.next.Unsubscribe(ctx, req)
	i.observe("Unsubscribe", start, err)
	return res, err
}

// EnableAutoRenew implements Client.
func (i *instrumented) EnableAutoRenew(ctx context.Context, resourceID string, settings ...AutoRenewSettings) error {
	start := i.clock.Now()
	err := i.next.EnableAutoRenew(ctx, resourceID, settings...)
	i.observe("EnableAutoRenew", start, err)
	return err
}

// DisableAutoRenew implements Client.
func (i *instrumented) DisableAutoRenew(ctx context.Context, resourceID string) error {
	start := i.clock.Now()
	err := i.next.DisableAutoRenew(ctx, resourceID)
	i.observe("DisableAutoRenew", start, err)
	return err
}

// SetToOnDemand implements Client.
func (i *instrumented) SetToOnDemand(ctx context.Context, req ToOnDemandRequest) (*ToOnDemandResult, error) {
	start := i.clock.Now()
	res, err := i.next.SetToOnDemand(ctx, req)
	i.observe("SetToOnDemand", start, err)
	return res, err
}

// ListOrders implements Client.
func (i *instrumented) ListOrders(ctx context.Context, req ListOrdersRequest) (*OrderPage, error) {
	start := i.clock.Now()
	res, err := i.next.ListOrders(ctx, req)
	i.observe("ListOrders", start, err)
	return res, err
}

// GetOrder implements Client.
func (i *instrumented) GetOrder(ctx context.Context, orderID string) (*OrderDetail, error) {
	start := i.clock.Now()
	res, err := i.next.GetOrder(ctx, orderID)
	i.observe("GetOrder", start, err)
	return res, err
}

// ListOrderDiscounts implements Client.
func (i *instrumented) ListOrderDiscounts(ctx context.Context, orderID string) ([]Discount, error) {
	start := i.clock.Now()
	res, err := i.next.ListOrderDiscounts(ctx, orderID)
	i.observe("ListOrderDiscounts", start, err)
	return res, err
}

// PayOrder implements Client.
func (i *instrumented) PayOrder(ctx context.Context, req PayOrderRequest) error {
	start := i.clock.Now()
	err := i.next.PayOrder(ctx, req)
	i.observe("PayOrder", start, err)
	return err
}

// CancelOrder implements Client.
func (i *instrumented) CancelOrder(ctx context.Context, orderID string) error {
	start := i.clock.Now()
	err := i.next.CancelOrder(ctx, orderID)
	i.observe("CancelOrder", start, err)
	return err
}

// ListRefunds implements Client.
func (i *instrumented) ListRefunds(ctx context.Context, orderID string) ([]Refund, error) {
	start := i.clock.Now()
	res, err := i.next.ListRefunds(ctx, orderID)
	i.observe("ListRefunds", start, err)
	return res, err
}

// RenewalPrice implements Client.
func (i *instrumented) RenewalPrice(ctx context.Context, req RenewalPriceRequest) (*RenewalQuote, error) {
	start := i.clock.Now()
	res, err := i.next.RenewalPrice(ctx, req)
	i.observe("RenewalPrice", start, err)
	return res, err
}

// OnDemandPrice implements Client.
func (i *instrumented) OnDemandPrice(ctx context.Context, req OnDemandPriceRequest) (*OnDemandQuote, error) {
	start := i.clock.Now()
	res, err := i.next.OnDemandPrice(ctx, req)
	i.observe("OnDemandPrice", start, err)
	return res, err
}

// Balances implements Client.
func (i *instrumented) Balances(ctx context.Context) (*Balances, error) {
	start := i.clock.Now()
	res, err := i.next.Balances(ctx)
	i.observe("Balances", start, err)
	return res, err
}

// SummaryBills implements Client.
func (i *instrumented) SummaryBills(ctx context.Context, req SummaryBillsRequest) (*SummaryBills, error) {
	start := i.clock.Now()
	res, err := i.next.SummaryBills(ctx, req)
	i.observe("SummaryBills", start, err)
	return res, err
}

// CostData implements Client.
func (i *instrumented) CostData(ctx context.Context, req CostDataRequest) (*CostPage, error) {
	start := i.clock.Now()
	res, err := i.next.CostData(ctx, req)
	i.observe("CostData", start, err)
	return res, err
}

// Format prints the wrapped client, which redacts itself.
func (i *instrumented) Format(f fmt.State, _ rune) { _, _ = fmt.Fprintf(f, "instrumented(%v)", i.next) }
