package simulator

import (
	"fmt"
	"net/http"
	"time"

	"github.com/shopspring/decimal"
)

type renewRequest struct {
	ResourceIDs  []string `json:"resource_ids"`
	PeriodType   *int     `json:"period_type"`
	PeriodNum    *int     `json:"period_num"`
	ExpirePolicy *int     `json:"expire_policy"`
	IsAutoPay    *int     `json:"is_auto_pay"`
}

type orderIDsResponse struct {
	OrderIDs          []string           `json:"order_ids"`
	FailResourceInfos []failResourceInfo `json:"fail_resource_infos"`
}

const (
	msg99003100 = "This operation is not allowed because some resources are included in your orders to be paid."
	msg99003144 = "You have orders in progress and cannot perform the current operation."
)

// renewResources serves 6.3.2. It creates one renewal order per primary
// resource (lines for the primary and its attached resources). Without
// auto-pay the orders are pending payment (status 6). With is_auto_pay=1 each
// order is paid from the balance with the commercial discount; if that fails
// the call answers 400 CBC.30050006 with order_ids, and the unpaid orders stay
// pending payment.
func (s *Server) renewResources(c *call) reply {
	var req renewRequest
	if err := decodeBody(c.body, &req); err != nil {
		return badParam(err.Error())
	}
	if len(req.ResourceIDs) < 1 || len(req.ResourceIDs) > 10 {
		return badParam("resource_ids must hold 1 to 10 IDs.")
	}
	if req.PeriodType == nil || req.PeriodNum == nil {
		return badParam("period_type and period_num are mandatory.")
	}
	if req.IsAutoPay != nil && *req.IsAutoPay != 0 && *req.IsAutoPay != 1 {
		return badParam("is_auto_pay must be 0 or 1.")
	}
	if *req.PeriodType != periodMonth && *req.PeriodType != periodYear {
		return fail(http.StatusBadRequest, "CBC.30010069", "The renewal period does not exist.")
	}
	if !validPeriod(*req.PeriodType, *req.PeriodNum) {
		return fail(http.StatusBadRequest, "CBC.99000092", "Incorrect subscription period.")
	}
	if c.account.Frozen {
		return fail(http.StatusBadRequest, "CBC.7281", "Renewal, payment, or unsubscription not supported. Your account has been frozen.")
	}
	var missing []string
	var primaries []*Resource
	seen := map[string]bool{}
	for _, id := range req.ResourceIDs {
		r := s.lookupOwned(c, id)
		if r == nil {
			missing = append(missing, id)
			continue
		}
		if !seen[id] {
			seen[id] = true
			primaries = append(primaries, r)
		}
	}
	if len(missing) > 0 {
		return reply{status: http.StatusBadRequest, body: cbcError{ErrorCode: "CBC.99003016",
			ErrorMsg: "The resources have expired and been deleted or do not exist.", ExpiredResourceIDs: missing}}
	}
	for _, p := range primaries {
		if !p.IsMain {
			return fail(http.StatusBadRequest, "CBC.30010036", "Renewal is only supported for primary resources.")
		}
	}
	for _, p := range primaries {
		for _, g := range s.st.group(p) {
			if s.st.pendingOrderFor(g.ID) != nil {
				return fail(http.StatusBadRequest, "CBC.99003100", msg99003100)
			}
			if s.st.openOrderFor(g.ID) != nil {
				return fail(http.StatusBadRequest, "CBC.99003144", msg99003144)
			}
			newExpire := addPeriod(g.ExpireTime, *req.PeriodType, *req.PeriodNum)
			if newExpire.Sub(c.now) > s.cfg.maxSubscription {
				return fail(http.StatusBadRequest, "CBC.99003154", "The sum of the existing and renewal durations has exceeded the maximum. Select another renewal duration.")
			}
		}
	}
	autoPay := req.IsAutoPay != nil && *req.IsAutoPay == 1
	resp := orderIDsResponse{OrderIDs: []string{}, FailResourceInfos: []failResourceInfo{}}
	payFailed := false
	for _, p := range primaries {
		o := s.newRenewalOrder(c.account, p, *req.PeriodType, *req.PeriodNum, c.now, c.caller)
		o.PendingDeadline = s.pendingDeadline(c.now)
		s.st.addOrder(o)
		resp.OrderIDs = append(resp.OrderIDs, o.ID)
		if s.holdPlaced(o, autoPay, c.caller, c.now) {
			continue
		}
		if autoPay {
			if err := s.payOrHold(o, c.account, true, nil, c.now, c.caller); err != nil {
				payFailed = true
			}
		}
	}
	if payFailed {
		return reply{status: http.StatusBadRequest, body: cbcError{ErrorCode: "CBC.30050006",
			ErrorMsg: "Automatic order payment failed.", OrderIDs: resp.OrderIDs}}
	}
	return ok(resp)
}

type unsubscribeRequest struct {
	ResourceIDs           []string `json:"resource_ids"`
	UnsubscribeType       *int     `json:"unsubscribe_type"`
	UnsubscribeReasonType *int     `json:"unsubscribe_reason_type"`
	UnsubscribeReason     *string  `json:"unsubscribe_reason"`
}

// unsubscribe serves 6.3.3. Type 1 closes the resources (a primary with its
// attached ones) and refunds the unused value: future renewal terms in full,
// the current term pro rata minus the handling fee. Type 2 removes only the
// renewal terms that have not started yet, refunded in full. Each requested
// ID gives one unsubscription order (order_type 4, status 5, negative amounts)
// with 6.2.6 refund records; the refund goes to the cash balance.
func (s *Server) unsubscribe(c *call) reply {
	var req unsubscribeRequest
	if err := decodeBody(c.body, &req); err != nil {
		return badParam(err.Error())
	}
	if len(req.ResourceIDs) < 1 || len(req.ResourceIDs) > 10 {
		return badParam("resource_ids must hold 1 to 10 IDs.")
	}
	if req.UnsubscribeType == nil || (*req.UnsubscribeType != 1 && *req.UnsubscribeType != 2) {
		return badParam("unsubscribe_type must be 1 or 2.")
	}
	if req.UnsubscribeReasonType != nil && (*req.UnsubscribeReasonType < 1 || *req.UnsubscribeReasonType > 5) {
		return badParam("unsubscribe_reason_type must be 1 to 5.")
	}
	if c.account.Frozen {
		return fail(http.StatusBadRequest, "CBC.99003656", "Operation not allowed. Your account has been frozen.")
	}
	var groups [][]*Resource
	covered := map[string]bool{}
	for _, id := range req.ResourceIDs {
		r := s.st.resources[id]
		if r == nil || r.AccountID != c.account.DomainID {
			return fail(http.StatusBadRequest, "CBC.99003012", msg99003012)
		}
		if r.Closed {
			return fail(http.StatusBadRequest, "CBC.30000067", "Unsubscription not supported. This resource has been deleted or the subscription to this resource has not been synchronized to CBC.")
		}
		if covered[id] {
			continue
		}
		g := []*Resource{r}
		if r.IsMain {
			g = s.st.group(r)
		}
		for _, x := range g {
			covered[x.ID] = true
		}
		groups = append(groups, g)
	}
	for _, g := range groups {
		for _, r := range g {
			if s.st.pendingOrderFor(r.ID) != nil {
				return fail(http.StatusBadRequest, "CBC.99003100", msg99003100)
			}
			if s.st.openOrderFor(r.ID) != nil {
				return fail(http.StatusBadRequest, "CBC.99003651", "A related operation is in progress.")
			}
		}
		if *req.UnsubscribeType == 2 && !hasFutureSegment(g[0], c.now) {
			return fail(http.StatusBadRequest, "CBC.99003128", "The resource does not have renewed periods or its renewed periods have taken effect, and the renewal periods cannot be unsubscribed from.")
		}
	}
	resp := orderIDsResponse{OrderIDs: []string{}, FailResourceInfos: []failResourceInfo{}}
	for _, g := range groups {
		o := s.refundOrder(c.account, g, *req.UnsubscribeType, c.now, c.caller)
		resp.OrderIDs = append(resp.OrderIDs, o.ID)
	}
	return ok(resp)
}

func hasFutureSegment(r *Resource, now time.Time) bool {
	for _, sg := range r.Segments {
		if !sg.Start.Before(now) && sg.End.After(sg.Start) {
			return true
		}
	}
	return false
}

// refundOrder applies an unsubscription of group g and records its order.
func (s *Server) refundOrder(acct *Account, g []*Resource, unsubType int, now time.Time, by Caller) *Order {
	p := g[0]
	o := &Order{
		ID: s.st.newOrderID(now), AccountID: acct.DomainID, Type: orderTypeUnsubscribe,
		Status: orderStatusCompleted, CreateTime: now, ServiceTypeCode: p.ServiceTypeCode,
		ServiceTypeName: p.ServiceTypeName, Currency: acct.Currency, UserName: by.User, PlacedBy: by,
		PeriodType: p.PeriodType, PrimaryResourceID: p.ID,
		EnterpriseProjects: []EnterpriseProject{p.EnterpriseProject}, Discounts: []Discount{},
	}
	totalFee, totalConsumed := decimal.Zero, decimal.Zero
	for i, r := range g {
		unused, fee, consumed := decimal.Zero, decimal.Zero, decimal.Zero
		var keep []Segment
		var firstRemoved time.Time
		for _, sg := range r.Segments {
			switch {
			case !sg.End.After(now): // fully consumed
				keep = append(keep, sg)
			case !sg.Start.Before(now): // not started: full refund
				if firstRemoved.IsZero() || sg.Start.Before(firstRemoved) {
					firstRemoved = sg.Start
				}
				unused = unused.Add(sg.Paid)
				o.Refunds = append(o.Refunds, s.refundRecord(r, sg.Paid.Neg(), sg.OrderID))
			case unsubType == 1: // current term: pro rata, minus handling fee
				left := round2(sg.Paid.Mul(decimal.NewFromInt(int64(sg.End.Sub(now) / time.Second))).
					Div(decimal.NewFromInt(int64(sg.End.Sub(sg.Start) / time.Second))))
				fee = round2(left.Mul(s.cfg.handlingFeeRate))
				consumed = sg.Paid.Sub(left)
				unused = unused.Add(left)
				o.Refunds = append(o.Refunds, s.refundRecord(r, left.Neg(), sg.OrderID))
				if fee.IsPositive() {
					o.Refunds = append(o.Refunds, s.refundRecord(r, fee, sg.OrderID))
				}
			default:
				keep = append(keep, sg)
			}
		}
		net := unused.Sub(fee)
		f, cons := fee, consumed
		o.Lines = append(o.Lines, OrderLine{
			ID: fmt.Sprintf("%s-%06d", o.ID, i+1), ResourceID: r.ID, ServiceTypeCode: r.ServiceTypeCode,
			ServiceTypeName: r.ServiceTypeName, ResourceTypeCode: r.ResourceTypeCode,
			ResourceTypeName: r.ResourceTypeName, Region: r.Region, ProductID: r.ProductID,
			ProductSpecDesc: r.ProductSpecDesc, CategoryCode: r.CategoryCode, PeriodType: r.PeriodType,
			EffectiveTime: r.EffectiveTime, ExpireTime: r.ExpireTime,
			Official: net.Neg(), AfterDiscount: net.Neg(), Discounts: []Discount{},
			Commission: &f, Consumed: &cons, DiscountRatio: decimal.NewFromInt(1),
		})
		totalFee, totalConsumed = totalFee.Add(fee), totalConsumed.Add(consumed)
		acct.Cash = acct.Cash.Add(net)
		if !net.IsZero() {
			s.st.costs = append(s.st.costs, &CostRecord{
				ID: s.st.newRecordID("COST"), AccountID: acct.DomainID, Time: now, ResourceID: r.ID,
				ResourceName: r.Name, ServiceTypeCode: r.ServiceTypeCode, ResourceTypeCode: r.ResourceTypeCode,
				RegionCode: r.Region, SpecCode: r.SpecCode, EnterpriseProjectID: r.EnterpriseProject.ID,
				OrderID: o.ID, ChargingMode: 1, BillType: billTypeRefund,
				Official: net.Neg(), Amount: net.Neg(), Cash: net.Neg(),
			})
		}
		r.Segments, r.UpdateTime = keep, now
		if unsubType == 1 {
			r.Closed, r.ClosedAt, r.ClosedReason = true, now, "unsubscribed"
			r.AutoRenew, r.ToOnDemand = false, false
		} else if !firstRemoved.IsZero() {
			r.ExpireTime = firstRemoved
		}
	}
	o.recomputeTotals()
	o.Commission, o.Consumed = &totalFee, &totalConsumed
	s.st.addOrder(o)
	return o
}

func (s *Server) refundRecord(r *Resource, amount decimal.Decimal, base string) RefundRecord {
	return RefundRecord{
		ID: s.st.newRecordID("REFUND"), Amount: amount, ResourceID: r.ID,
		ResourceTypeCode: r.ResourceTypeCode, ServiceTypeCode: r.ServiceTypeCode,
		ResourceTypeName: r.ResourceTypeName, ServiceTypeName: r.ServiceTypeName,
		RegionCode: r.Region, BaseOrderID: base,
	}
}
