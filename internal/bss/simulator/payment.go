package simulator

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Discount type codes used on order discount items (DiscountItemV2).
const (
	discountTypeCommercial = "605"
	discountTypeCoupon     = "301"
)

// newRenewalOrder builds an order (not yet stored) renewing primary p and its
// attached resources for n periods. Lines carry list prices; discounts and
// coupons are applied at payment.
func (s *Server) newRenewalOrder(acct *Account, p *Resource, periodType, n int, now time.Time, by Caller) *Order {
	o := &Order{
		ID:                 s.st.newOrderID(now),
		AccountID:          acct.DomainID,
		Type:               orderTypeRenewal,
		Status:             orderStatusPendingPayment,
		CreateTime:         now,
		ServiceTypeCode:    p.ServiceTypeCode,
		ServiceTypeName:    p.ServiceTypeName,
		Currency:           acct.Currency,
		UserName:           by.User,
		PlacedBy:           by,
		PayingAgentID:      acct.PayingAgentID,
		PeriodType:         periodType,
		PeriodNum:          n,
		PrimaryResourceID:  p.ID,
		EnterpriseProjects: []EnterpriseProject{p.EnterpriseProject},
		Discounts:          []Discount{},
	}
	for i, r := range s.st.group(p) {
		pn := n
		lp := listPrice(r, periodType, n)
		o.Lines = append(o.Lines, OrderLine{
			ID:               fmt.Sprintf("%s-%06d", o.ID, i+1),
			ResourceID:       r.ID,
			ServiceTypeCode:  r.ServiceTypeCode,
			ServiceTypeName:  r.ServiceTypeName,
			ResourceTypeCode: r.ResourceTypeCode,
			ResourceTypeName: r.ResourceTypeName,
			Region:           r.Region,
			ProductID:        r.ProductID,
			ProductSpecDesc:  r.ProductSpecDesc,
			CategoryCode:     r.CategoryCode,
			PeriodType:       periodType,
			PeriodNum:        &pn,
			EffectiveTime:    r.ExpireTime,
			ExpireTime:       addPeriod(r.ExpireTime, periodType, n),
			Official:         lp,
			AfterDiscount:    lp,
			Discounts:        []Discount{},
			DiscountRatio:    discountRatio(r),
		})
	}
	o.recomputeTotals()
	return o
}

// recomputeTotals sets the order amounts from its lines.
func (o *Order) recomputeTotals() {
	o.Official, o.AfterDiscount, o.CouponAmount = decimal.Zero, decimal.Zero, decimal.Zero
	byType := map[string]decimal.Decimal{}
	var types []string
	for _, l := range o.Lines {
		o.Official = o.Official.Add(l.Official)
		o.AfterDiscount = o.AfterDiscount.Add(l.AfterDiscount)
		o.CouponAmount = o.CouponAmount.Add(l.CouponAmount)
		for _, d := range l.Discounts {
			if _, seen := byType[d.Type]; !seen {
				types = append(types, d.Type)
			}
			byType[d.Type] = byType[d.Type].Add(d.Amount)
		}
	}
	o.Discounts = []Discount{}
	for _, t := range types {
		o.Discounts = append(o.Discounts, Discount{Type: t, Amount: byType[t]})
	}
}

// payError is a business refusal of a payment.
type payError struct{ code, msg string }

func (e *payError) Error() string { return e.code + ": " + e.msg }

// settleOrder charges acct for o (cash before credit), applying the commercial
// discount when useDiscount and the given coupons, then completes it: status
// 5, expiries extended, segments and cost records written, paid by by.
// Nothing changes when it fails.
func (s *Server) settleOrder(o *Order, acct *Account, useDiscount bool, couponIDs []string, now time.Time, by Caller) *payError {
	lines := make([]OrderLine, len(o.Lines))
	copy(lines, o.Lines)
	total := decimal.Zero
	for i := range lines {
		l := &lines[i]
		l.AfterDiscount, l.Discounts, l.CouponAmount = l.Official, []Discount{}, decimal.Zero
		if useDiscount && l.DiscountRatio.LessThan(decimal.NewFromInt(1)) {
			l.AfterDiscount = round2(l.Official.Mul(l.DiscountRatio))
			l.Discounts = append(l.Discounts, Discount{Type: discountTypeCommercial, Amount: l.Official.Sub(l.AfterDiscount)})
		}
		total = total.Add(l.AfterDiscount)
	}
	// Coupons.
	couponUse := map[int]decimal.Decimal{}
	remaining := total
	for _, id := range couponIDs {
		idx := -1
		for i, cp := range acct.Coupons {
			if cp.ID == id {
				idx = i
			}
		}
		if idx < 0 || !acct.Coupons[idx].Balance.IsPositive() ||
			(!acct.Coupons[idx].ExpireTime.IsZero() && !now.Before(acct.Coupons[idx].ExpireTime)) {
			return &payError{"CBC.99003112", "The coupon or stored-value card has been used."}
		}
		use := decimal.Min(acct.Coupons[idx].Balance.Sub(couponUse[idx]), remaining)
		couponUse[idx] = couponUse[idx].Add(use)
		remaining = remaining.Sub(use)
	}
	couponTotal := total.Sub(remaining)
	cashUse := decimal.Min(acct.Cash, remaining)
	if cashUse.IsNegative() {
		cashUse = decimal.Zero
	}
	creditUse := remaining.Sub(cashUse)
	if creditUse.GreaterThan(acct.CreditLimit.Sub(acct.CreditUsed)) {
		return &payError{"CBC.99005003", "Your balance is insufficient."}
	}
	// Commit.
	acct.Cash = acct.Cash.Sub(cashUse)
	acct.CreditUsed = acct.CreditUsed.Add(creditUse)
	for idx, u := range couponUse {
		acct.Coupons[idx].Balance = acct.Coupons[idx].Balance.Sub(u)
	}
	billType := billTypeRenewal
	if o.UserName == systemUserName {
		billType = billTypeAutoRenewal
	}
	pools := []decimal.Decimal{couponTotal, cashUse, creditUse}
	for i := range lines {
		l := &lines[i]
		gross := l.AfterDiscount
		split := [3]decimal.Decimal{}
		need := gross
		for k := range pools {
			take := decimal.Min(pools[k], need)
			split[k], pools[k], need = take, pools[k].Sub(take), need.Sub(take)
		}
		if split[0].IsPositive() {
			l.CouponAmount = split[0]
			l.AfterDiscount = l.AfterDiscount.Sub(split[0])
			l.Discounts = append(l.Discounts, Discount{Type: discountTypeCoupon, Amount: split[0]})
		}
		r := s.st.resources[l.ResourceID]
		if r == nil {
			continue
		}
		start := r.ExpireTime
		end := addPeriod(start, o.PeriodType, o.PeriodNum)
		l.EffectiveTime, l.ExpireTime = start, end
		r.ExpireTime, r.UpdateTime = end, now
		r.Segments = append(r.Segments, Segment{OrderID: o.ID, Start: start, End: end, Paid: gross})
		s.st.costs = append(s.st.costs, &CostRecord{
			ID: s.st.newRecordID("COST"), AccountID: acct.DomainID, Time: now,
			ResourceID: r.ID, ResourceName: r.Name, ServiceTypeCode: r.ServiceTypeCode,
			ResourceTypeCode: r.ResourceTypeCode, RegionCode: r.Region, SpecCode: r.SpecCode,
			EnterpriseProjectID: r.EnterpriseProject.ID, OrderID: o.ID, ChargingMode: 1, BillType: billType,
			Official: l.Official, Amount: gross, Coupon: split[0], Cash: split[1], Credit: split[2], Debt: decimal.Zero,
		})
	}
	o.Lines = lines
	o.Status, o.PaymentTime, o.PendingDeadline = orderStatusCompleted, now, time.Time{}
	o.HeldUntil, o.release = time.Time{}, nil
	o.PaidBy = &by
	o.recomputeTotals()
	return nil
}

// pendingDeadline returns the payment deadline of an order created at now:
// the pending-payment window later, rounded up to 23:59:59 GMT+08:00.
func (s *Server) pendingDeadline(now time.Time) time.Time {
	return endOfDayGMT8(now.Add(s.cfg.pendingWindow))
}
