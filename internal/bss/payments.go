package bss

import (
	"context"
	"fmt"
	"net/http"
)

type wireDiscountLine struct {
	OrderLineItemIDs []string    `json:"order_line_item_ids"`
	DiscountMode     wireInt     `json:"discount_mode"`
	DiscountAmount   wireDecimal `json:"discount_amount"`
	DiscountRatio    wireDecimal `json:"discount_ratio"`
}

type wireDiscount struct {
	DiscountID    string   `json:"discount_id"`
	DiscountValue wireText `json:"discount_value"`
	DiscountType  wireInt  `json:"discount_type"`
	Orders        []struct {
		OrderID        string             `json:"order_id"`
		OrderLineItems []wireDiscountLine `json:"order_line_items"`
	} `json:"orders"`
}

type discountsResponse struct {
	Discounts []wireDiscount `json:"discounts"`
}

// ListOrderDiscounts implements Client.
func (c *httpClient) ListOrderDiscounts(ctx context.Context, orderID string) ([]Discount, error) {
	if err := checkID(opListOrderDiscounts.name, "order id", orderID); err != nil {
		return nil, err
	}
	var out discountsResponse
	cl := call{op: opListOrderDiscounts, method: http.MethodGet, segments: ordersSegments("order-discounts"),
		query: map[string][]string{"order_id": {orderID}}}
	if err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	discounts := make([]Discount, 0, len(out.Discounts))
	for _, w := range out.Discounts {
		if w.DiscountID == "" || !w.DiscountType.Valid {
			return nil, c.decodeError(opListOrderDiscounts, http.StatusOK, fmt.Errorf("decode response: discount without id or type"))
		}
		d := Discount{ID: w.DiscountID, Type: DiscountType(w.DiscountType.V), Value: string(w.DiscountValue)}
		for _, o := range w.Orders {
			do := DiscountOrder{OrderID: o.OrderID}
			for _, l := range o.OrderLineItems {
				do.LineItems = append(do.LineItems, DiscountLineItem{LineItemIDs: l.OrderLineItemIDs,
					Mode: l.DiscountMode.Int(0), Amount: decimalPtr(l.DiscountAmount), Ratio: decimalPtr(l.DiscountRatio)})
			}
			d.Orders = append(d.Orders, do)
		}
		discounts = append(discounts, d)
	}
	return discounts, nil
}

type idTypeBody struct {
	ID   string `json:"id"`
	Type int    `json:"type"`
}

type payBody struct {
	OrderID       string       `json:"order_id"`
	UseCoupon     string       `json:"use_coupon"`
	UseDiscount   string       `json:"use_discount"`
	CouponInfos   []idTypeBody `json:"coupon_infos,omitempty"`
	DiscountInfos []idTypeBody `json:"discount_infos,omitempty"`
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

// PayOrder implements Client.
func (c *httpClient) PayOrder(ctx context.Context, req PayOrderRequest) error {
	op := opPayOrder.name
	if err := checkID(op, "order id", req.OrderID); err != nil {
		return err
	}
	if len(req.Coupons) > maxPayCoupons {
		return invalid(op, "%d coupons, at most %d allowed", len(req.Coupons), maxPayCoupons)
	}
	body := payBody{OrderID: req.OrderID, UseCoupon: yesNo(len(req.Coupons) > 0), UseDiscount: yesNo(req.Discount != nil)}
	for _, cp := range req.Coupons {
		if err := checkID(op, "coupon id", cp.ID); err != nil {
			return err
		}
		if cp.Type < 300 || cp.Type > 303 {
			return invalid(op, "coupon type %d out of range 300..303", cp.Type)
		}
		body.CouponInfos = append(body.CouponInfos, idTypeBody(cp))
	}
	if d := req.Discount; d != nil {
		if err := checkID(op, "discount id", d.ID); err != nil {
			return err
		}
		switch d.Type {
		case DiscountPromotion, DiscountCommercial, DiscountPartner:
		default:
			return invalid(op, "discount type %d, want 0, 2 or 3", int(d.Type))
		}
		body.DiscountInfos = []idTypeBody{{ID: d.ID, Type: int(d.Type)}}
	}
	cl := call{op: opPayOrder, method: http.MethodPost, segments: []string{"v3", "orders", "customer-orders", "pay"}, body: body}
	return c.do(ctx, cl, nil)
}

// CancelOrder implements Client.
func (c *httpClient) CancelOrder(ctx context.Context, orderID string) error {
	if err := checkID(opCancelOrder.name, "order id", orderID); err != nil {
		return err
	}
	cl := call{op: opCancelOrder, method: http.MethodPut, segments: ordersSegments("cancel"),
		body: struct {
			OrderID string `json:"order_id"`
		}{orderID}}
	return c.do(ctx, cl, nil)
}

type wireRefund struct {
	ID               string      `json:"id"`
	Amount           wireDecimal `json:"amount"`
	MeasureID        wireInt     `json:"measure_id"`
	CustomerID       string      `json:"customer_id"`
	ResourceTypeCode string      `json:"resource_type_code"`
	ServiceTypeCode  string      `json:"service_type_code"`
	ResourceTypeName string      `json:"resource_type_name"`
	ServiceTypeName  string      `json:"service_type_name"`
	RegionCode       string      `json:"region_code"`
	BaseOrderID      string      `json:"base_order_id"`
}

// refundsResponse accepts both spellings of the list (digest §6 item 17).
type refundsResponse struct {
	TotalCount  wireInt      `json:"total_count"`
	RefundInfos []wireRefund `json:"refund_infos"`
	RefundInfo  []wireRefund `json:"refund_info"`
}

// ListRefunds implements Client.
func (c *httpClient) ListRefunds(ctx context.Context, orderID string) ([]Refund, error) {
	if err := checkID(opListRefunds.name, "order id", orderID); err != nil {
		return nil, err
	}
	var out refundsResponse
	cl := call{op: opListRefunds, method: http.MethodGet, segments: ordersSegments("refund-orders"),
		query: map[string][]string{"order_id": {orderID}}}
	if err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	list := out.RefundInfos
	if len(list) == 0 {
		list = out.RefundInfo
	}
	refunds := make([]Refund, 0, len(list))
	for _, w := range list {
		if !w.Amount.Valid {
			return nil, c.decodeError(opListRefunds, http.StatusOK, fmt.Errorf("decode response: refund %s without amount", w.ID))
		}
		m, err := moneyFrom(w.Amount, w.MeasureID, c.currency)
		if err != nil {
			return nil, c.decodeError(opListRefunds, http.StatusOK, fmt.Errorf("decode response: refund %s: %w", w.ID, err))
		}
		refunds = append(refunds, Refund{ID: w.ID, Amount: m, CustomerID: w.CustomerID, ResourceTypeCode: w.ResourceTypeCode,
			ResourceTypeName: w.ResourceTypeName, ServiceTypeCode: w.ServiceTypeCode, ServiceTypeName: w.ServiceTypeName,
			RegionCode: w.RegionCode, BaseOrderID: w.BaseOrderID})
	}
	return refunds, nil
}
