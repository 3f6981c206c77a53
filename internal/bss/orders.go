package bss

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// Operations on orders (§6.2).
var (
	opListOrders         = operation{name: "ListOrders", api: apiOrders}
	opGetOrder           = operation{name: "GetOrder", api: apiOrderDetails}
	opListOrderDiscounts = operation{name: "ListOrderDiscounts", api: apiOrderDiscounts}
	opPayOrder           = operation{name: "PayOrder", api: apiPay, write: true}
	opCancelOrder        = operation{name: "CancelOrder", api: apiCancel, write: true}
	opListRefunds        = operation{name: "ListRefunds", api: apiRefunds}
)

var customerOrdersPath = []string{"v2", "orders", "customer-orders"}

func ordersSegments(more ...string) []string {
	return append(append([]string(nil), customerOrdersPath...), more...)
}

type wireDiscountItem struct {
	DiscountType   string      `json:"discount_type"`
	DiscountAmount wireDecimal `json:"discount_amount"`
}

// wireAmountInfo is AmountInfoV2.
type wireAmountInfo struct {
	Discounts                 []wireDiscountItem `json:"discounts"`
	FlexipurchaseCouponAmount wireDecimal        `json:"flexipurchase_coupon_amount"`
	CouponAmount              wireDecimal        `json:"coupon_amount"`
	StoredCardAmount          wireDecimal        `json:"stored_card_amount"`
	CommissionAmount          wireDecimal        `json:"commission_amount"`
	ConsumedAmount            wireDecimal        `json:"consumed_amount"`
}

func (w *wireAmountInfo) toAmountInfo(measure wireInt, currency string) (AmountInfo, error) {
	var a AmountInfo
	if w == nil {
		return a, nil
	}
	for _, d := range w.Discounts {
		m, err := moneyFrom(d.DiscountAmount, measure, currency)
		if err != nil {
			return a, err
		}
		a.Discounts = append(a.Discounts, OrderDiscountItem{Type: d.DiscountType, Amount: m})
	}
	var err error
	for _, f := range []struct {
		dst **Money
		src wireDecimal
	}{
		{&a.FlexiPurchaseCoupon, w.FlexipurchaseCouponAmount},
		{&a.Coupon, w.CouponAmount},
		{&a.StoredCard, w.StoredCardAmount},
		{&a.Commission, w.CommissionAmount},
		{&a.Consumed, w.ConsumedAmount},
	} {
		if *f.dst, err = optMoney(f.src, measure, currency); err != nil {
			return a, err
		}
	}
	return a, nil
}

// wireOrder is CustomerOrderV2, CustomerOrderEntityV2 and their sub-orders.
type wireOrder struct {
	OrderID               string                  `json:"order_id"`
	CustomerID            string                  `json:"customer_id"`
	ServiceTypeCode       string                  `json:"service_type_code"`
	ServiceTypeName       string                  `json:"service_type_name"`
	SourceType            wireInt                 `json:"source_type"`
	Status                wireInt                 `json:"status"`
	OrderType             wireInt                 `json:"order_type"`
	OfficialAmount        wireDecimal             `json:"official_amount"`
	AmountAfterDiscount   wireDecimal             `json:"amount_after_discount"`
	MeasureID             wireInt                 `json:"measure_id"`
	CreateTime            wireTime                `json:"create_time"`
	PaymentTime           wireTime                `json:"payment_time"`
	PendingPaymentEndTime wireTime                `json:"pending_payment_end_time"`
	Currency              string                  `json:"currency"`
	ContractID            string                  `json:"contract_id"`
	UserName              string                  `json:"user_name"`
	AmountInfo            *wireAmountInfo         `json:"amount_info"`
	EnterpriseProjects    []wireEnterpriseProject `json:"enterprise_projects"`
	SubOrderInfos         []wireOrder             `json:"sub_order_infos"`
	AgentPayInfo          *wireAgentPayInfo       `json:"agent_pay_info"`
}

// wireAgentPayInfo is the SDK's AgentPayInfoV2 (6.2.1 only).
type wireAgentPayInfo struct {
	PayingAgentID string `json:"paying_agent_id"`
	IsAgentPay    *bool  `json:"is_agent_pay"`
}

func (c *httpClient) orCurrency(cur string) string {
	if cur != "" {
		return cur
	}
	return c.currency
}

// maxSubOrderDepth bounds sub-order nesting (the API has one level).
const maxSubOrderDepth = 2

func (c *httpClient) toOrder(w wireOrder, depth int) (Order, error) {
	if w.OrderID == "" {
		return Order{}, fmt.Errorf("order without order_id")
	}
	cur := c.orCurrency(w.Currency)
	o := Order{
		ID:                    w.OrderID,
		CustomerID:            w.CustomerID,
		ServiceTypeCode:       w.ServiceTypeCode,
		ServiceTypeName:       w.ServiceTypeName,
		SourceType:            w.SourceType.Int(0),
		Status:                OrderStatus(w.Status.Int(0)),
		Type:                  OrderType(w.OrderType.Int(0)),
		CreateTime:            w.CreateTime.T,
		PaymentTime:           w.PaymentTime.T,
		PendingPaymentEndTime: w.PendingPaymentEndTime.T,
		ContractID:            w.ContractID,
		UserName:              w.UserName,
	}
	var err error
	if o.OfficialAmount, err = moneyFrom(w.OfficialAmount, w.MeasureID, cur); err != nil {
		return o, fmt.Errorf("order %s: %w", w.OrderID, err)
	}
	if o.AmountAfterDiscount, err = moneyFrom(w.AmountAfterDiscount, w.MeasureID, cur); err != nil {
		return o, fmt.Errorf("order %s: %w", w.OrderID, err)
	}
	if o.Amounts, err = w.AmountInfo.toAmountInfo(w.MeasureID, cur); err != nil {
		return o, fmt.Errorf("order %s: %w", w.OrderID, err)
	}
	for _, p := range w.EnterpriseProjects {
		o.EnterpriseProjects = append(o.EnterpriseProjects, EnterpriseProject(p))
	}
	if a := w.AgentPayInfo; a != nil {
		// "true: agent pay; anything else is not" (AgentPayInfoV2).
		o.AgentPay = &AgentPayInfo{PayingAgentID: a.PayingAgentID, IsAgentPay: a.IsAgentPay != nil && *a.IsAgentPay}
	}
	if len(w.SubOrderInfos) > 0 && depth >= maxSubOrderDepth {
		return o, fmt.Errorf("order %s: sub-orders nested too deep", w.OrderID)
	}
	for _, s := range w.SubOrderInfos {
		so, err := c.toOrder(s, depth+1)
		if err != nil {
			return o, err
		}
		o.SubOrders = append(o.SubOrders, so)
	}
	return o, nil
}

type listOrdersResponse struct {
	TotalCount wireInt     `json:"total_count"`
	OrderInfos []wireOrder `json:"order_infos"`
}

// ListOrders implements Client.
func (c *httpClient) ListOrders(ctx context.Context, req ListOrdersRequest) (*OrderPage, error) {
	op := opListOrders.name
	if err := checkPage(op, req.Offset, req.Limit, 1<<31-1, maxOrderPageLimit); err != nil {
		return nil, err
	}
	q := map[string][]string{}
	set := func(k, v string) {
		if v != "" {
			q[k] = []string{v}
		}
	}
	if req.OrderID != "" {
		if err := checkID(op, "order id", req.OrderID); err != nil {
			return nil, err
		}
	}
	switch req.Status {
	case 0, OrderPendingApproval, OrderProcessing, OrderCanceled, OrderCompleted, OrderPendingPayment, OrderToBeConfirmed:
	default:
		return nil, invalid(op, "status filter %d not in 1, 3, 4, 5, 6, 9", int(req.Status))
	}
	if err := checkSpan(op, "create time", req.CreateTimeBegin, req.CreateTimeEnd); err != nil {
		return nil, err
	}
	if err := checkSpan(op, "payment time", req.PaymentTimeBegin, req.PaymentTimeEnd); err != nil {
		return nil, err
	}
	set("order_id", req.OrderID)
	set("service_type_code", req.ServiceTypeCode)
	if req.Status != 0 {
		set("status", strconv.Itoa(int(req.Status)))
	}
	if req.Type != 0 {
		set("order_type", strconv.Itoa(int(req.Type)))
	}
	set("create_time_begin", formatTime(req.CreateTimeBegin))
	set("create_time_end", formatTime(req.CreateTimeEnd))
	set("payment_time_begin", formatTime(req.PaymentTimeBegin))
	set("payment_time_end", formatTime(req.PaymentTimeEnd))
	if req.Ascending {
		set("order_by", "createTime")
	} else {
		set("order_by", "-createTime")
	}
	if req.Limit != 0 {
		set("limit", strconv.Itoa(req.Limit))
	}
	set("offset", strconv.Itoa(req.Offset))
	var out listOrdersResponse
	cl := call{op: opListOrders, method: http.MethodGet, segments: ordersSegments(), query: q}
	if err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	page := &OrderPage{TotalCount: out.TotalCount.Int(0)}
	for _, w := range out.OrderInfos {
		o, err := c.toOrder(w, 0)
		if err != nil {
			return nil, c.decodeError(opListOrders, http.StatusOK, fmt.Errorf("decode response: %w", err))
		}
		page.Orders = append(page.Orders, o)
	}
	return page, nil
}

type wireBaseProduct struct {
	ProductID           string `json:"product_id"`
	ProductSpecDesc     string `json:"product_spec_desc"`
	CategoryCode        string `json:"category_code"`
	ProductOwnerService string `json:"product_owner_service"`
	CommercialResource  string `json:"commercial_resource"`
}

// wireLineItem is OrderLineItemEntityV2.
type wireLineItem struct {
	OrderLineItemID     string           `json:"order_line_item_id"`
	OrderID             string           `json:"order_id"`
	ServiceTypeCode     string           `json:"service_type_code"`
	ServiceTypeName     string           `json:"service_type_name"`
	ProductID           string           `json:"product_id"`
	ProductSpecDesc     string           `json:"product_spec_desc"`
	PeriodType          wireInt          `json:"period_type"`
	PeriodNum           wireInt          `json:"period_num"`
	EffectiveTime       wireTime         `json:"effective_time"`
	ExpireTime          wireTime         `json:"expire_time"`
	SubscriptionNum     wireInt          `json:"subscription_num"`
	AmountAfterDiscount wireDecimal      `json:"amount_after_discount"`
	OfficialAmount      wireDecimal      `json:"official_amount"`
	MeasureID           wireInt          `json:"measure_id"`
	AmountInfo          *wireAmountInfo  `json:"amount_info"`
	Currency            string           `json:"currency"`
	CategoryCode        string           `json:"category_code"`
	ProductOwnerService string           `json:"product_owner_service"`
	CommercialResource  string           `json:"commercial_resource"`
	BaseProductInfo     *wireBaseProduct `json:"base_product_info"`
}

func (c *httpClient) toLineItem(w wireLineItem, orderMeasure wireInt) (OrderLineItem, error) {
	cur := c.orCurrency(w.Currency)
	measure := w.MeasureID
	if !measure.Valid {
		measure = orderMeasure
	}
	li := OrderLineItem{
		ID:                  w.OrderLineItemID,
		OrderID:             w.OrderID,
		ServiceTypeCode:     w.ServiceTypeCode,
		ServiceTypeName:     w.ServiceTypeName,
		ProductID:           w.ProductID,
		SpecDesc:            w.ProductSpecDesc,
		PeriodType:          PeriodType(w.PeriodType.Int(0)),
		EffectiveTime:       w.EffectiveTime.T,
		ExpireTime:          w.ExpireTime.T,
		SubscriptionNum:     w.SubscriptionNum.Int(0),
		CategoryCode:        w.CategoryCode,
		ProductOwnerService: w.ProductOwnerService,
		CommercialResource:  w.CommercialResource,
	}
	if w.PeriodNum.Valid {
		n := int(w.PeriodNum.V)
		li.PeriodNum = &n
	}
	var err error
	if li.OfficialAmount, err = moneyFrom(w.OfficialAmount, measure, cur); err != nil {
		return li, err
	}
	if li.AmountAfterDiscount, err = moneyFrom(w.AmountAfterDiscount, measure, cur); err != nil {
		return li, err
	}
	if li.Amounts, err = w.AmountInfo.toAmountInfo(measure, cur); err != nil {
		return li, err
	}
	if b := w.BaseProductInfo; b != nil {
		li.BaseProduct = &BaseProductInfo{ProductID: b.ProductID, SpecDesc: b.ProductSpecDesc, CategoryCode: b.CategoryCode,
			ProductOwnerService: b.ProductOwnerService, CommercialResource: b.CommercialResource}
	}
	return li, nil
}

type orderDetailResponse struct {
	TotalCount     wireInt        `json:"total_count"`
	OrderInfo      *wireOrder     `json:"order_info"`
	OrderLineItems []wireLineItem `json:"order_line_items"`
}

// maxLineItemPages bounds the line-item pages GetOrder follows.
const maxLineItemPages = 50

// GetOrder implements Client.
func (c *httpClient) GetOrder(ctx context.Context, orderID string) (*OrderDetail, error) {
	if err := checkID(opGetOrder.name, "order id", orderID); err != nil {
		return nil, err
	}
	var detail *OrderDetail
	offset := 0
	for range maxLineItemPages {
		var out orderDetailResponse
		cl := call{op: opGetOrder, method: http.MethodGet, segments: ordersSegments("details", orderID), language: true,
			query: map[string][]string{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(maxOrderPageLimit)}}}
		if err := c.do(ctx, cl, &out); err != nil {
			return nil, err
		}
		if out.OrderInfo == nil {
			return nil, c.decodeError(opGetOrder, http.StatusOK, fmt.Errorf("decode response: no order_info"))
		}
		if detail == nil {
			o, err := c.toOrder(*out.OrderInfo, 0)
			if err != nil {
				return nil, c.decodeError(opGetOrder, http.StatusOK, fmt.Errorf("decode response: %w", err))
			}
			detail = &OrderDetail{Order: o}
		}
		for _, w := range out.OrderLineItems {
			li, err := c.toLineItem(w, out.OrderInfo.MeasureID)
			if err != nil {
				return nil, c.decodeError(opGetOrder, http.StatusOK, fmt.Errorf("decode line item %s: %w", w.OrderLineItemID, err))
			}
			detail.LineItems = append(detail.LineItems, li)
		}
		offset += len(out.OrderLineItems)
		if len(out.OrderLineItems) == 0 || offset >= out.TotalCount.Int(0) {
			return detail, nil
		}
	}
	return nil, &Error{Op: opGetOrder.name, Class: ClassTerminal, Err: fmt.Errorf("more than %d pages of line items", maxLineItemPages)}
}
