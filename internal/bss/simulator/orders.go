package simulator

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

type discountItemJSON struct {
	DiscountType   string `json:"discount_type"`
	DiscountAmount num    `json:"discount_amount"`
}

type amountInfoJSON struct {
	Discounts                 []discountItemJSON `json:"discounts"`
	FlexipurchaseCouponAmount num                `json:"flexipurchase_coupon_amount"`
	CouponAmount              num                `json:"coupon_amount"`
	StoredCardAmount          num                `json:"stored_card_amount"`
	CommissionAmount          *num               `json:"commission_amount"`
	ConsumedAmount            *num               `json:"consumed_amount"`
}

// orderJSON is CustomerOrderV2 (6.2.1) and, with UserName and
// PendingPaymentEndTime, CustomerOrderEntityV2 (6.2.2).
type orderJSON struct {
	OrderID               string                  `json:"order_id"`
	CustomerID            string                  `json:"customer_id"`
	ServiceTypeCode       string                  `json:"service_type_code"`
	ServiceTypeName       string                  `json:"service_type_name"`
	SourceType            int                     `json:"source_type"`
	Status                int                     `json:"status"`
	OrderType             int                     `json:"order_type"`
	AmountAfterDiscount   num                     `json:"amount_after_discount"`
	OfficialAmount        num                     `json:"official_amount"`
	MeasureID             int                     `json:"measure_id"`
	CreateTime            string                  `json:"create_time"`
	PaymentTime           *string                 `json:"payment_time"`
	Currency              string                  `json:"currency"`
	ContractID            *string                 `json:"contract_id"`
	AmountInfo            amountInfoJSON          `json:"amount_info"`
	UserName              *string                 `json:"user_name,omitempty"`
	PendingPaymentEndTime **string                `json:"pending_payment_end_time,omitempty"`
	EnterpriseProjects    []enterpriseProjectJSON `json:"enterprise_projects,omitempty"`
	SubOrderInfos         []orderJSON             `json:"sub_order_infos"`
	AgentPayInfo          *agentPayInfoJSON       `json:"agent_pay_info,omitempty"`
}

// agentPayInfoJSON is AgentPayInfoV2: the SDK's CustomerOrderV2 (6.2.1)
// carries it; 6.2.2's CustomerOrderV3 and the reference do not.
type agentPayInfoJSON struct {
	PayingAgentID string `json:"paying_agent_id"`
	IsAgentPay    bool   `json:"is_agent_pay"`
}

func amountInfo(discounts []Discount, coupon decimal.Decimal, commission, consumed *decimal.Decimal) amountInfoJSON {
	ai := amountInfoJSON{Discounts: []discountItemJSON{}, CouponAmount: numOf(coupon),
		CommissionAmount: numPtr(commission), ConsumedAmount: numPtr(consumed)}
	for _, d := range discounts {
		ai.Discounts = append(ai.Discounts, discountItemJSON{DiscountType: d.Type, DiscountAmount: numOf(d.Amount)})
	}
	return ai
}

func orderToJSON(o *Order, details bool) orderJSON {
	j := orderJSON{
		OrderID: o.ID, CustomerID: o.AccountID, ServiceTypeCode: o.ServiceTypeCode,
		ServiceTypeName: o.ServiceTypeName, SourceType: 1, Status: o.Status, OrderType: o.Type,
		AmountAfterDiscount: numOf(o.AfterDiscount), OfficialAmount: numOf(o.Official), MeasureID: 1,
		CreateTime: fmtTime(o.CreateTime), PaymentTime: fmtTimePtr(o.PaymentTime), Currency: o.Currency,
		AmountInfo:    amountInfo(o.Discounts, o.CouponAmount, o.Commission, o.Consumed),
		SubOrderInfos: []orderJSON{},
	}
	if details {
		u := o.UserName
		j.UserName = &u
		var deadline *string
		if o.Status == orderStatusPendingPayment {
			deadline = fmtTimePtr(o.PendingDeadline)
		}
		j.PendingPaymentEndTime = &deadline
	} else {
		for _, ep := range o.EnterpriseProjects {
			j.EnterpriseProjects = append(j.EnterpriseProjects, enterpriseProjectJSON(ep))
		}
		if o.PayingAgentID != "" {
			j.AgentPayInfo = &agentPayInfoJSON{PayingAgentID: o.PayingAgentID, IsAgentPay: true}
		}
	}
	return j
}

type listOrdersResponse struct {
	TotalCount int         `json:"total_count"`
	OrderInfos []orderJSON `json:"order_infos"`
}

// queryInt parses an optional integer query parameter ("" counts as absent).
func queryInt(q url.Values, key string, def, lo, hi int) (int, bool) {
	v := q.Get(key)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// queryTime parses an optional UTC time query parameter.
func queryTime(q url.Values, key string) (time.Time, bool) {
	v := q.Get(key)
	if v == "" {
		return time.Time{}, true
	}
	t, err := parseAPITime(v)
	return t, err == nil
}

const maxQuerySpan = 366 * 24 * time.Hour

// listOrders serves 6.2.1.
func (s *Server) listOrders(c *call) reply {
	q := c.r.URL.Query()
	limit, okL := queryInt(q, "limit", 10, 1, 100)
	offset, okO := queryInt(q, "offset", 0, 0, 1<<31-1)
	status, okS := queryInt(q, "status", 0, 1, 13)
	if !okL || !okO || !okS {
		return badParam("limit must be 1-100, offset >= 0, status an order status.")
	}
	if q.Has("status") && !slices.Contains([]int{1, 3, 4, 5, 6, 9}, status) {
		return badParam("status must be 1, 3, 4, 5, 6 or 9.")
	}
	orderType := q.Get("order_type")
	if orderType != "" {
		if _, err := strconv.Atoi(orderType); err != nil {
			return badParam("order_type must be numeric.")
		}
	}
	cb, ok1 := queryTime(q, "create_time_begin")
	ce, ok2 := queryTime(q, "create_time_end")
	pb, ok3 := queryTime(q, "payment_time_begin")
	pe, ok4 := queryTime(q, "payment_time_end")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return badParam("times must be yyyy-MM-ddTHH:mm:ssZ.")
	}
	if (!cb.IsZero() && !ce.IsZero() && (ce.Sub(cb) > maxQuerySpan || ce.Before(cb))) ||
		(!pb.IsZero() && !pe.IsZero() && (pe.Sub(pb) > maxQuerySpan || pe.Before(pb))) {
		return badParam("The time span cannot be more than 1 year.")
	}
	orderBy := strings.ToLower(q.Get("order_by"))
	if orderBy != "" && orderBy != "createtime" && orderBy != "-createtime" {
		return badParam("order_by must be createTime or -createTime.")
	}
	var out []*Order
	for _, id := range s.st.orderOrder {
		o := s.st.orders[id]
		switch {
		case o.AccountID != c.account.DomainID,
			q.Get("order_id") != "" && !strings.EqualFold(o.ID, q.Get("order_id")),
			q.Get("customer_id") != "" && o.AccountID != q.Get("customer_id"),
			q.Get("service_type_code") != "" && !strings.EqualFold(o.ServiceTypeCode, q.Get("service_type_code")),
			q.Has("status") && q.Get("status") != "" && o.Status != status,
			orderType != "" && strconv.Itoa(o.Type) != orderType,
			!cb.IsZero() && o.CreateTime.Before(cb),
			!ce.IsZero() && o.CreateTime.After(ce),
			!pb.IsZero() && (o.PaymentTime.IsZero() || o.PaymentTime.Before(pb)),
			!pe.IsZero() && (o.PaymentTime.IsZero() || o.PaymentTime.After(pe)):
			continue
		}
		out = append(out, o)
	}
	// Stable sort by creation time; ties keep creation order.
	slices.SortStableFunc(out, func(a, b *Order) int { return a.CreateTime.Compare(b.CreateTime) })
	if orderBy != "createtime" {
		slices.Reverse(out)
	}
	resp := listOrdersResponse{TotalCount: len(out), OrderInfos: []orderJSON{}}
	for i := offset; i < len(out) && i < offset+limit; i++ {
		resp.OrderInfos = append(resp.OrderInfos, orderToJSON(out[i], false))
	}
	return ok(resp)
}

type lineJSON struct {
	OrderLineItemID     string         `json:"order_line_item_id"`
	ServiceTypeCode     string         `json:"service_type_code"`
	ServiceTypeName     string         `json:"service_type_name"`
	ProductID           string         `json:"product_id"`
	ProductSpecDesc     string         `json:"product_spec_desc"`
	PeriodType          int            `json:"period_type"`
	PeriodNum           *int           `json:"period_num"`
	EffectiveTime       string         `json:"effective_time"`
	ExpireTime          string         `json:"expire_time"`
	SubscriptionNum     int            `json:"subscription_num"`
	AmountAfterDiscount num            `json:"amount_after_discount"`
	OfficialAmount      num            `json:"official_amount"`
	AmountInfo          amountInfoJSON `json:"amount_info"`
	Currency            string         `json:"currency"`
	CategoryCode        string         `json:"category_code"`
	ProductOwnerService string         `json:"product_owner_service"`
	CommercialResource  string         `json:"commercial_resource"`
	BaseProductInfo     *struct{}      `json:"base_product_info"`
	OrderID             string         `json:"order_id"`
}

type orderDetailsResponse struct {
	TotalCount     int        `json:"total_count"`
	OrderInfo      orderJSON  `json:"order_info"`
	OrderLineItems []lineJSON `json:"order_line_items"`
}

const msg30000010 = "Invalid order (maybe the order does not exist), unable to operate."

// orderDetails serves 6.2.2; offset/limit page the line items.
func (s *Server) orderDetails(c *call) reply {
	q := c.r.URL.Query()
	limit, okL := queryInt(q, "limit", 10, 1, 100)
	offset, okO := queryInt(q, "offset", 0, 0, 1<<31-1)
	if !okL || !okO {
		return badParam("limit must be 1-100 and offset >= 0.")
	}
	o := s.st.findOrder(c.r.PathValue("order_id"))
	if o == nil || o.AccountID != c.account.DomainID {
		return fail(http.StatusBadRequest, "CBC.30000010", msg30000010)
	}
	resp := orderDetailsResponse{TotalCount: len(o.Lines), OrderInfo: orderToJSON(o, true), OrderLineItems: []lineJSON{}}
	for i := offset; i < len(o.Lines) && i < offset+limit; i++ {
		l := o.Lines[i]
		resp.OrderLineItems = append(resp.OrderLineItems, lineJSON{
			OrderLineItemID: l.ID, ServiceTypeCode: l.ServiceTypeCode, ServiceTypeName: l.ServiceTypeName,
			ProductID: l.ProductID, ProductSpecDesc: l.ProductSpecDesc, PeriodType: l.PeriodType,
			PeriodNum: l.PeriodNum, EffectiveTime: fmtTime(l.EffectiveTime), ExpireTime: fmtTime(l.ExpireTime),
			SubscriptionNum: 1, AmountAfterDiscount: numOf(l.AfterDiscount), OfficialAmount: numOf(l.Official),
			AmountInfo: amountInfo(l.Discounts, l.CouponAmount, l.Commission, l.Consumed),
			Currency:   o.Currency, CategoryCode: l.CategoryCode, ProductOwnerService: l.ServiceTypeCode,
			CommercialResource: l.ResourceTypeCode, OrderID: o.ID,
		})
	}
	return ok(resp)
}

type discountLineJSON struct {
	OrderLineItemIDs []string `json:"order_line_item_ids"`
	DiscountMode     int      `json:"discount_mode"`
	DiscountAmount   *num     `json:"discount_amount"`
	DiscountRatio    num      `json:"discount_ratio"`
}

type discountOrderJSON struct {
	OrderID        string             `json:"order_id"`
	OrderLineItems []discountLineJSON `json:"order_line_items"`
}

type discountInfoJSON struct {
	DiscountID    string              `json:"discount_id"`
	DiscountValue string              `json:"discount_value"`
	DiscountType  int                 `json:"discount_type"`
	Orders        []discountOrderJSON `json:"orders"`
}

type orderDiscountsResponse struct {
	Discounts []discountInfoJSON `json:"discounts"`
}

// discountIDFor returns the ID of the commercial discount offered on order o.
func discountIDFor(o *Order) string { return "PDP" + o.ID }

// orderDiscounts serves 6.2.3: a pending order whose lines carry a discount
// ratio below 1 offers one commercial discount (discount_type 2).
func (s *Server) orderDiscounts(c *call) reply {
	id := c.r.URL.Query().Get("order_id")
	if id == "" {
		return badParam("order_id is mandatory.")
	}
	o := s.st.findOrder(id)
	if o == nil || o.AccountID != c.account.DomainID {
		return badParam("The order does not exist.")
	}
	resp := orderDiscountsResponse{Discounts: []discountInfoJSON{}}
	if o.Status != orderStatusPendingPayment {
		return ok(resp)
	}
	do := discountOrderJSON{OrderID: o.ID, OrderLineItems: []discountLineJSON{}}
	ratios := map[string]bool{}
	for _, l := range o.Lines {
		if !l.DiscountRatio.LessThan(decimal.NewFromInt(1)) {
			continue
		}
		ratios[l.DiscountRatio.String()] = true
		do.OrderLineItems = append(do.OrderLineItems, discountLineJSON{
			OrderLineItemIDs: []string{l.ID}, DiscountRatio: numOf(l.DiscountRatio)})
	}
	if len(do.OrderLineItems) == 0 {
		return ok(resp)
	}
	value := ""
	if len(ratios) == 1 {
		value = do.OrderLineItems[0].DiscountRatio.d.String()
	}
	resp.Discounts = append(resp.Discounts, discountInfoJSON{
		DiscountID: discountIDFor(o), DiscountValue: value, DiscountType: 2, Orders: []discountOrderJSON{do}})
	return ok(resp)
}

type simpleInfo struct {
	ID   string `json:"id"`
	Type *int   `json:"type"`
}

type payRequest struct {
	OrderID       string       `json:"order_id"`
	UseCoupon     string       `json:"use_coupon"`
	UseDiscount   string       `json:"use_discount"`
	CouponInfos   []simpleInfo `json:"coupon_infos"`
	DiscountInfos []simpleInfo `json:"discount_infos"`
}

// payOrder serves 6.2.4 (204 on success).
func (s *Server) payOrder(c *call) reply {
	var req payRequest
	if err := decodeBody(c.body, &req); err != nil {
		return badParam(err.Error())
	}
	if req.OrderID == "" || (req.UseCoupon != "YES" && req.UseCoupon != "NO") ||
		(req.UseDiscount != "YES" && req.UseDiscount != "NO") {
		return badParam("order_id, use_coupon (YES/NO) and use_discount (YES/NO) are mandatory.")
	}
	if req.UseCoupon == "YES" && (len(req.CouponInfos) == 0 || len(req.CouponInfos) > 3) {
		return badParam("use_coupon=YES needs 1 to 3 coupon_infos.")
	}
	if req.UseDiscount == "YES" && len(req.DiscountInfos) != 1 {
		return badParam("use_discount=YES needs exactly one discount_infos entry.")
	}
	o := s.st.findOrder(req.OrderID)
	if o == nil || o.AccountID != c.account.DomainID {
		return fail(http.StatusBadRequest, "CBC.30000010", "Invalid order (maybe the order does not exist), unable to operate.")
	}
	if o.PaymentExpired {
		return fail(http.StatusBadRequest, "CBC.99003110", "The order has not been paid before the expiration time. Please re-submit the order.")
	}
	if o.Status == orderStatusProcessing {
		return fail(http.StatusBadRequest, "CBC.99000088", "The payment of this order is being processed.")
	}
	if o.Status != orderStatusPendingPayment {
		return fail(http.StatusBadRequest, "CBC.99003106", "The order status has changed and no payment can be made.")
	}
	if c.account.Frozen {
		return fail(http.StatusBadRequest, "CBC.7281", "Renewal, unsubscription, or payment not supported. Your account has been frozen.")
	}
	useDiscount := false
	if req.UseDiscount == "YES" {
		d := req.DiscountInfos[0]
		if d.ID != discountIDFor(o) || d.Type == nil || (*d.Type != 0 && *d.Type != 2 && *d.Type != 3) {
			return fail(http.StatusBadRequest, "CBC.99003108", "Unavailable discount.")
		}
		useDiscount = true
	}
	var coupons []string
	if req.UseCoupon == "YES" {
		for _, cp := range req.CouponInfos {
			coupons = append(coupons, cp.ID)
		}
	}
	if err := s.payOrHold(o, c.account, useDiscount, coupons, c.now, c.caller); err != nil {
		return fail(http.StatusBadRequest, err.code, err.msg)
	}
	return noContent()
}

type cancelRequest struct {
	OrderID string `json:"order_id"`
}

// cancelOrder serves 6.2.5 (204 on success; only status 6 can be canceled).
func (s *Server) cancelOrder(c *call) reply {
	var req cancelRequest
	if err := decodeBody(c.body, &req); err != nil {
		return badParam(err.Error())
	}
	if req.OrderID == "" {
		return badParam("order_id is mandatory.")
	}
	o := s.st.findOrder(req.OrderID)
	if o == nil || o.AccountID != c.account.DomainID {
		return badParam("The order does not exist.")
	}
	if o.Status != orderStatusPendingPayment {
		return fail(http.StatusBadRequest, "CBC.99005010", "Orders in this state cannot be canceled.")
	}
	o.Status, o.PendingDeadline = orderStatusCanceled, time.Time{}
	o.HeldUntil, o.release = time.Time{}, nil
	by := c.caller
	o.CanceledBy = &by
	return noContent()
}

type refundInfoJSON struct {
	ID               string `json:"id"`
	Amount           num    `json:"amount"`
	MeasureID        string `json:"measure_id"`
	CustomerID       string `json:"customer_id"`
	ResourceTypeCode string `json:"resource_type_code"`
	ServiceTypeCode  string `json:"service_type_code"`
	ResourceTypeName string `json:"resource_type_name"`
	ServiceTypeName  string `json:"service_type_name"`
	RegionCode       string `json:"region_code"`
	BaseOrderID      string `json:"base_order_id"`
}

type refundOrdersResponse struct {
	TotalCount  int              `json:"total_count"`
	RefundInfos []refundInfoJSON `json:"refund_infos"`
}

// refundOrders serves 6.2.6.
func (s *Server) refundOrders(c *call) reply {
	id := c.r.URL.Query().Get("order_id")
	if id == "" {
		return badParam("order_id is mandatory.")
	}
	o := s.st.findOrder(id)
	if o == nil || o.AccountID != c.account.DomainID || o.Type != orderTypeUnsubscribe {
		return fail(http.StatusBadRequest, "CBC.99005026", "The order is not a degrade or unsubscription order.")
	}
	resp := refundOrdersResponse{TotalCount: len(o.Refunds), RefundInfos: []refundInfoJSON{}}
	for _, rr := range o.Refunds {
		resp.RefundInfos = append(resp.RefundInfos, refundInfoJSON{
			ID: rr.ID, Amount: numOf(rr.Amount), MeasureID: "1", CustomerID: o.AccountID,
			ResourceTypeCode: rr.ResourceTypeCode, ServiceTypeCode: rr.ServiceTypeCode,
			ResourceTypeName: rr.ResourceTypeName, ServiceTypeName: rr.ServiceTypeName,
			RegionCode: rr.RegionCode, BaseOrderID: rr.BaseOrderID,
		})
	}
	return ok(resp)
}
