// Package discount chooses the order discount (6.2.3) a renewal is paid
// with (6.2.4). It is pure: no cluster, no HTTP, millisecond tests.
package discount

import (
	"github.com/shopspring/decimal"

	"github.com/bss-operator/bss-operator/internal/bss"
)

// Choice is the discount chosen to pay an order with and the amount it was
// computed to take off.
type Choice struct {
	// Discount is the chosen discount of 6.2.3.
	Discount bss.Discount
	// Saved is the amount off the order, in the order's currency.
	Saved decimal.Decimal
}

// Payable reports whether the pay API takes a discount of type t:
// 6.2.4 DiscountSimpleInfo.type is 0, 2 or 3 (DIGEST §2.9). Contract
// discounts (1) and order price adjustments (609) are listed by 6.2.3 but
// refused at payment, so the order could not be paid with them.
func Payable(t bss.DiscountType) bool {
	switch t {
	case bss.DiscountPromotion, bss.DiscountCommercial, bss.DiscountPartner:
		return true
	}
	return false
}

// Best picks, among the discounts of 6.2.3 that the pay API accepts,
// the one that takes the most off order orderID, and reports false when none
// takes anything off. lines are the order's line items (6.2.2) and
// orderAmount is what the order costs without the discount.
//
// The amount off a group of lines is its discount_amount when BSS gives one
// (capped at the lines' amount); otherwise, for a discount-mode line (0)
// with a discount_ratio r in (0,1), the lines' amount times 1-r, rounded to
// cents: the reference's own 6.2.3 example is a ratio of 0.9 with a null
// amount (DIGEST §4.9), i.e. 10 % off. A buy-it-now price (mode 1) or a
// reduction (mode 2) without an amount cannot be valued and counts 0
// [derived: the reference gives no formula]. The lines' amount is their
// amount after the order's own discounts, what paying without the
// discount would cost. The total is capped at orderAmount.
func Best(discounts []bss.Discount, orderID string, lines []bss.OrderLineItem, orderAmount decimal.Decimal) (Choice, bool) {
	lineAmount := make(map[string]decimal.Decimal, len(lines))
	for _, l := range lines {
		lineAmount[l.ID] = lineAmount[l.ID].Add(l.AmountAfterDiscount.Amount)
	}
	var best Choice
	found := false
	for _, d := range discounts {
		if !Payable(d.Type) {
			continue
		}
		off := discountOff(d, orderID, lineAmount)
		if orderAmount.IsPositive() && off.GreaterThan(orderAmount) {
			off = orderAmount
		}
		if off.IsPositive() && (!found || off.GreaterThan(best.Saved)) {
			best, found = Choice{Discount: d, Saved: off}, true
		}
	}
	return best, found
}

// discountOff is the amount discount d takes off order orderID.
func discountOff(d bss.Discount, orderID string, lineAmount map[string]decimal.Decimal) decimal.Decimal {
	one := decimal.NewFromInt(1)
	off := decimal.Zero
	for _, o := range d.Orders {
		if o.OrderID != orderID {
			continue
		}
		for _, l := range o.LineItems {
			base := decimal.Zero
			for _, id := range l.LineItemIDs {
				base = base.Add(lineAmount[id])
			}
			switch {
			case l.Amount != nil && l.Amount.IsPositive():
				a := *l.Amount
				if base.IsPositive() && a.GreaterThan(base) {
					a = base
				}
				off = off.Add(a)
			case l.Mode == 0 && l.Ratio != nil && l.Ratio.IsPositive() && l.Ratio.LessThan(one):
				off = off.Add(base.Mul(one.Sub(*l.Ratio)).Round(2))
			}
		}
	}
	return off
}
