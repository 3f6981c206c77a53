// Package bss is a typed client for the Huawei Cloud BSS billing API
// ("Customer Operation Capabilities"): yearly/monthly resources, orders,
// pricing, balances and bills. Controllers use the Client interface and never
// see HTTP; errors are *Error values classified as terminal, retryable, not
// found or ambiguous.
package bss

import "context"

// Client lists the BSS operations the operator needs. Every method takes ctx
// first and honours its deadline and cancellation. Reads retry retryable
// failures with backoff; writes are never retried by the client, and an
// unknown write outcome is returned as an ambiguous error.
type Client interface {
	// QueryResources returns the resources with the given ids (at most 50)
	// and, unless OnlyMainResource, their attached resources (6.3.1).
	QueryResources(ctx context.Context, req QueryResourcesRequest) ([]Resource, error)
	// ListResources returns one page of yearly/monthly resources (6.3.1).
	ListResources(ctx context.Context, req ListResourcesRequest) (*ResourcePage, error)
	// Renew renews primary resources and returns the renewal orders (6.3.2).
	Renew(ctx context.Context, req RenewRequest) (*RenewResult, error)
	// Unsubscribe unsubscribes resources and returns the orders (6.3.3).
	Unsubscribe(ctx context.Context, req UnsubscribeRequest) (*UnsubscribeResult, error)
	// EnableAutoRenew turns automatic renewal on for a resource (6.3.4),
	// with at most one AutoRenewSettings. Without settings BSS renews by
	// the unit of the resource's last order, without limit; on a resource
	// whose auto-renew is already on it then changes nothing.
	EnableAutoRenew(ctx context.Context, resourceID string, settings ...AutoRenewSettings) error
	// DisableAutoRenew turns automatic renewal off (6.3.5); a resource whose
	// auto-renew is already off gives CodeAutoRenewAlreadyOff.
	DisableAutoRenew(ctx context.Context, resourceID string) error
	// SetToOnDemand enables or cancels the change to pay-per-use on expiry
	// (6.3.6). Per-item failures come back in the result and as an error.
	SetToOnDemand(ctx context.Context, req ToOnDemandRequest) (*ToOnDemandResult, error)
	// ListOrders returns one page of orders (6.2.1).
	ListOrders(ctx context.Context, req ListOrdersRequest) (*OrderPage, error)
	// GetOrder returns an order with all its line items (6.2.2).
	GetOrder(ctx context.Context, orderID string) (*OrderDetail, error)
	// ListOrderDiscounts returns the discounts available to an order (6.2.3).
	ListOrderDiscounts(ctx context.Context, orderID string) ([]Discount, error)
	// PayOrder pays a pending order (6.2.4).
	PayOrder(ctx context.Context, req PayOrderRequest) error
	// CancelOrder cancels a pending order (6.2.5).
	CancelOrder(ctx context.Context, orderID string) error
	// ListRefunds returns the amounts of an unsubscription order (6.2.6).
	ListRefunds(ctx context.Context, orderID string) ([]Refund, error)
	// RenewalPrice quotes the renewal of primary resources (4.2.3).
	RenewalPrice(ctx context.Context, req RenewalPriceRequest) (*RenewalQuote, error)
	// OnDemandPrice quotes products on pay-per-use (4.2.1): what a
	// resource would cost after the change to pay-per-use (6.3.6).
	OnDemandPrice(ctx context.Context, req OnDemandPriceRequest) (*OnDemandQuote, error)
	// Balances returns the account balances (5.1).
	Balances(ctx context.Context) (*Balances, error)
	// SummaryBills returns a month's summary bills (7.1).
	SummaryBills(ctx context.Context, req SummaryBillsRequest) (*SummaryBills, error)
	// CostData returns one page of cost data (8.1).
	CostData(ctx context.Context, req CostDataRequest) (*CostPage, error)
}
