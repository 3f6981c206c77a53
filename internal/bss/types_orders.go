package bss

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// OrderStatus is an order's status (6.2.1, 6.2.2).
type OrderStatus int

// Order statuses.
const (
	OrderPendingApproval    OrderStatus = 1
	OrderPendingRefund      OrderStatus = 2
	OrderProcessing         OrderStatus = 3
	OrderCanceled           OrderStatus = 4
	OrderCompleted          OrderStatus = 5
	OrderPendingPayment     OrderStatus = 6
	OrderToBeConfirmed      OrderStatus = 9
	OrderToBeShipped        OrderStatus = 10
	OrderToBeReceived       OrderStatus = 11
	OrderPendingPickUp      OrderStatus = 12
	OrderExchangeInProgress OrderStatus = 13
)

// String returns the status name.
func (s OrderStatus) String() string {
	switch s {
	case OrderPendingApproval:
		return "PendingApproval"
	case OrderPendingRefund:
		return "PendingRefund"
	case OrderProcessing:
		return "Processing"
	case OrderCanceled:
		return "Canceled"
	case OrderCompleted:
		return "Completed"
	case OrderPendingPayment:
		return "PendingPayment"
	case OrderToBeConfirmed:
		return "ToBeConfirmed"
	case OrderToBeShipped:
		return "ToBeShipped"
	case OrderToBeReceived:
		return "ToBeReceived"
	case OrderPendingPickUp:
		return "PendingPickUp"
	case OrderExchangeInProgress:
		return "ExchangeInProgress"
	default:
		return fmt.Sprintf("OrderStatus(%d)", int(s))
	}
}

// OrderType is an order's kind (6.2.1, 6.2.2).
type OrderType int

// Order types.
const (
	OrderNewPurchase     OrderType = 1
	OrderRenewal         OrderType = 2
	OrderChange          OrderType = 3
	OrderUnsubscription  OrderType = 4
	OrderToPayPerUse     OrderType = 10
	OrderToYearlyMonthly OrderType = 11
	OrderTrial           OrderType = 13
	OrderCommercialUse   OrderType = 14
	OrderPriceAdjustment OrderType = 15
)

// String returns the order type name.
func (t OrderType) String() string {
	switch t {
	case OrderNewPurchase:
		return "NewPurchase"
	case OrderRenewal:
		return "Renewal"
	case OrderChange:
		return "Change"
	case OrderUnsubscription:
		return "Unsubscription"
	case OrderToPayPerUse:
		return "ToPayPerUse"
	case OrderToYearlyMonthly:
		return "ToYearlyMonthly"
	case OrderTrial:
		return "Trial"
	case OrderCommercialUse:
		return "CommercialUse"
	case OrderPriceAdjustment:
		return "PriceAdjustment"
	default:
		return fmt.Sprintf("OrderType(%d)", int(t))
	}
}

// OrderDiscountItem is one discount applied to an order (DiscountItemV2).
type OrderDiscountItem struct {
	// Type is the discount type code, e.g. "700" promotion discount.
	Type string
	// Amount is the discounted amount.
	Amount Money
}

// AmountInfo is an order's deduction details (AmountInfoV2). Nil amounts
// were null or absent in the response.
type AmountInfo struct {
	// Discounts lists the discounts applied.
	Discounts []OrderDiscountItem
	// FlexiPurchaseCoupon is the flexi-purchase coupon amount (reserved).
	FlexiPurchaseCoupon *Money
	// Coupon is the cash coupon amount.
	Coupon *Money
	// StoredCard is the stored-value card amount (reserved).
	StoredCard *Money
	// Commission is the handling fee (unsubscription orders only).
	Commission *Money
	// Consumed is the consumed amount (unsubscription orders only).
	Consumed *Money
}

// Order is an order as listed by 6.2.1 or described by 6.2.2.
type Order struct {
	// ID is the order id.
	ID string
	// CustomerID is the customer account id.
	CustomerID string
	// ServiceTypeCode is the cloud service type.
	ServiceTypeCode string
	// ServiceTypeName is the cloud service name.
	ServiceTypeName string
	// SourceType is 1 customer, 2 agent, 3 contract, 4 distributor.
	SourceType int
	// Status is the order status.
	Status OrderStatus
	// Type is the order type.
	Type OrderType
	// OfficialAmount is the list price (negative for unsubscriptions).
	OfficialAmount Money
	// AmountAfterDiscount is the price after discounts (the refund after the
	// handling fee for unsubscriptions).
	AmountAfterDiscount Money
	// CreateTime is when the order was created (UTC).
	CreateTime time.Time
	// PaymentTime is when it was paid, zero if unpaid.
	PaymentTime time.Time
	// PendingPaymentEndTime is the payment deadline of a pending order, zero otherwise.
	PendingPaymentEndTime time.Time
	// ContractID is the contract id, if any.
	ContractID string
	// UserName is who placed the order (6.2.2 only).
	UserName string
	// Amounts holds the deduction details.
	Amounts AmountInfo
	// EnterpriseProjects lists the order's enterprise projects (6.2.1 only).
	EnterpriseProjects []EnterpriseProject
	// SubOrders are the orders of a combined order.
	SubOrders []Order
	// AgentPay says whose payment the order belongs to (6.2.1 only, the
	// SDK's agent_pay_info; nil when absent): a partner's, when
	// IsAgentPay, or the customer's.
	AgentPay *AgentPayInfo
}

// AgentPayInfo is an order's agent payment details (the SDK's
// AgentPayInfoV2 on 6.2.1 CustomerOrderV2; not in the reference).
type AgentPayInfo struct {
	// PayingAgentID is the customer account ID of the partner that pays.
	PayingAgentID string
	// IsAgentPay is true when the order is paid by that partner.
	IsAgentPay bool
}

// PartnerPays reports whether a partner pays the order (6.2.1
// agent_pay_info.is_agent_pay), and which one.
func (o Order) PartnerPays() (string, bool) {
	if o.AgentPay == nil || !o.AgentPay.IsAgentPay {
		return "", false
	}
	return o.AgentPay.PayingAgentID, true
}

// BaseProductInfo is a line item's product before a change (6.2.2).
type BaseProductInfo struct {
	// ProductID is the product id.
	ProductID string
	// SpecDesc is the product specification description.
	SpecDesc string
	// CategoryCode is the product catalog code.
	CategoryCode string
	// ProductOwnerService is the cloud service type code.
	ProductOwnerService string
	// CommercialResource is the commercial resource type code.
	CommercialResource string
}

// OrderLineItem is one line of an order (6.2.2 OrderLineItemEntityV2). The
// API does not return resource ids per line; list the order's resources with
// ListResources and OrderID.
type OrderLineItem struct {
	// ID is the line item id, e.g. CS18122203217MRPB-000001.
	ID string
	// OrderID is the order of the line, when returned.
	OrderID string
	// ServiceTypeCode is the cloud service type.
	ServiceTypeCode string
	// ServiceTypeName is the cloud service name.
	ServiceTypeName string
	// ProductID is the product id.
	ProductID string
	// SpecDesc is the product specification description.
	SpecDesc string
	// PeriodType is the period unit.
	PeriodType PeriodType
	// PeriodNum is the number of periods, nil for unsubscription orders.
	PeriodNum *int
	// EffectiveTime is when the line takes effect (UTC).
	EffectiveTime time.Time
	// ExpireTime is when the line expires (UTC).
	ExpireTime time.Time
	// SubscriptionNum is the number of subscriptions.
	SubscriptionNum int
	// OfficialAmount is the list price.
	OfficialAmount Money
	// AmountAfterDiscount is the price after discounts.
	AmountAfterDiscount Money
	// Amounts holds the deduction details.
	Amounts AmountInfo
	// CategoryCode is the product catalog code.
	CategoryCode string
	// ProductOwnerService is the cloud service type code.
	ProductOwnerService string
	// CommercialResource is the commercial resource type code.
	CommercialResource string
	// BaseProduct is the product before a change, nil otherwise.
	BaseProduct *BaseProductInfo
}

// OrderDetail is an order with all its line items (6.2.2).
type OrderDetail struct {
	// Order is the order.
	Order Order
	// LineItems are all line items (fetched across pages).
	LineItems []OrderLineItem
}

// ListOrdersRequest filters the order listing (6.2.1).
type ListOrdersRequest struct {
	// OrderID filters by order id.
	OrderID string
	// ServiceTypeCode filters by cloud service type.
	ServiceTypeCode string
	// Status filters by status (1, 3, 4, 5, 6 or 9); 0 means any.
	Status OrderStatus
	// Type filters by order type; 0 means any.
	Type OrderType
	// CreateTimeBegin and CreateTimeEnd bound the creation time (span ≤ 1 year).
	CreateTimeBegin, CreateTimeEnd time.Time
	// PaymentTimeBegin and PaymentTimeEnd bound the payment time (span ≤ 1 year).
	PaymentTimeBegin, PaymentTimeEnd time.Time
	// Ascending sorts by creation time ascending; the default is descending.
	Ascending bool
	// Offset is the 0-based record offset.
	Offset int
	// Limit is the page size, 1..100; 0 means the server default (10).
	Limit int
}

// OrderPage is one page of orders.
type OrderPage struct {
	// Orders are this page's orders.
	Orders []Order
	// TotalCount is the number of matching orders on all pages.
	TotalCount int
}

// DiscountType is the kind of an order discount (6.2.3).
type DiscountType int

// Order discount types (6.2.3; 6.2.4 accepts 0, 2 and 3).
const (
	DiscountPromotion   DiscountType = 0
	DiscountContract    DiscountType = 1
	DiscountCommercial  DiscountType = 2
	DiscountPartner     DiscountType = 3
	DiscountOrderAdjust DiscountType = 609
)

// Discount is a discount available when paying an order (6.2.3 DiscountInfoV3).
type Discount struct {
	// ID is passed to PayOrder to use the discount.
	ID string
	// Value is the discount percentage or reduction, as printed (may be "").
	Value string
	// Type is the discount type.
	Type DiscountType
	// Orders lists the orders and lines the discount applies to.
	Orders []DiscountOrder
}

// DiscountOrder is an order a discount applies to.
type DiscountOrder struct {
	// OrderID is the order id.
	OrderID string
	// LineItems are the discounted lines.
	LineItems []DiscountLineItem
}

// DiscountLineItem is a group of order lines with the same discount. The
// reference gives no currency for these amounts.
type DiscountLineItem struct {
	// LineItemIDs are the order line item ids.
	LineItemIDs []string
	// Mode is 0 discount, 1 buy-it-now price, 2 reduction.
	Mode int
	// Amount is the deducted amount, nil when absent.
	Amount *decimal.Decimal
	// Ratio is the discount ratio, nil when absent.
	Ratio *decimal.Decimal
}

// CouponRef names a coupon to use when paying (6.2.4 CouponSimpleInfo).
type CouponRef struct {
	// ID is the coupon id.
	ID string
	// Type is 300..303 (301 promotion coupon).
	Type int
}

// DiscountRef names the discount to use when paying (6.2.4 DiscountSimpleInfo).
type DiscountRef struct {
	// ID is a Discount.ID from ListOrderDiscounts.
	ID string
	// Type is DiscountPromotion, DiscountCommercial or DiscountPartner.
	Type DiscountType
}

// PayOrderRequest pays a pending order (6.2.4).
type PayOrderRequest struct {
	// OrderID is the order to pay.
	OrderID string
	// Coupons are up to 3 coupons; empty sends use_coupon=NO.
	Coupons []CouponRef
	// Discount is the one discount to use; nil sends use_discount=NO.
	Discount *DiscountRef
}

// Refund is an amount of an unsubscription or downgrade order (6.2.6).
type Refund struct {
	// ID is the record id.
	ID string
	// Amount is negative for a refund, positive for a handling fee.
	Amount Money
	// CustomerID is the customer account id.
	CustomerID string
	// ResourceTypeCode is the resource type.
	ResourceTypeCode string
	// ResourceTypeName is the resource type name.
	ResourceTypeName string
	// ServiceTypeCode is the cloud service type.
	ServiceTypeCode string
	// ServiceTypeName is the cloud service name.
	ServiceTypeName string
	// RegionCode is the region.
	RegionCode string
	// BaseOrderID is the original order the amount belongs to.
	BaseOrderID string
}
