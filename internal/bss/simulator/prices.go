package simulator

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// PriceChange changes a resource's renewal price at a simulated moment, so a
// quote (4.2.3) and the order that follows (6.3.2) can disagree. Nil fields
// are left alone. An order keeps the prices it was placed with (its lines);
// the commercial discount of a pending order is the ratio at placement.
type PriceChange struct {
	// At is the simulated moment the change takes effect; zero or past:
	// now.
	At time.Time `json:"at,omitzero"`
	// MonthlyPrice is the new list price of one month.
	MonthlyPrice *decimal.Decimal `json:"monthlyPrice,omitempty"`
	// YearlyPrice is the new list price of one year.
	YearlyPrice *decimal.Decimal `json:"yearlyPrice,omitempty"`
	// DiscountRatio is the new commercial discount ratio, in (0, 1]; 1
	// removes the discount.
	DiscountRatio *decimal.Decimal `json:"discountRatio,omitempty"`
}

// scheduledPrice is a PriceChange waiting for its moment.
type scheduledPrice struct {
	resourceID string
	at         time.Time
	change     PriceChange
}

// ScheduledPrice is a pending price change, as listed by PendingPrices.
type ScheduledPrice struct {
	ResourceID string `json:"resourceId"`
	PriceChange
}

// SetPrice schedules a price change of resource id (a primary or an attached
// resource). A change due now or earlier is applied at once.
func (s *Server) SetPrice(id string, pc PriceChange) error {
	for _, p := range []*decimal.Decimal{pc.MonthlyPrice, pc.YearlyPrice} {
		if p != nil && p.IsNegative() {
			return fmt.Errorf("set price of %s: negative price %s", id, p)
		}
	}
	if r := pc.DiscountRatio; r != nil && (!r.IsPositive() || r.GreaterThan(decimal.NewFromInt(1))) {
		return fmt.Errorf("set price of %s: discountRatio %s is not in (0, 1]", id, r)
	}
	if pc.MonthlyPrice == nil && pc.YearlyPrice == nil && pc.DiscountRatio == nil {
		return errors.New("set price: nothing to change")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, found := s.st.resources[id]; !found {
		return fmt.Errorf("set price: resource %q not found", id)
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	at := pc.At.UTC()
	if at.Before(now) {
		at = now
	}
	pc.At = at
	s.st.prices = append(s.st.prices, &scheduledPrice{resourceID: id, at: at, change: pc})
	s.catchUp(now)
	return nil
}

// PendingPrices lists the price changes not yet applied.
func (s *Server) PendingPrices() []ScheduledPrice {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ScheduledPrice, 0, len(s.st.prices))
	for _, sp := range s.st.prices {
		out = append(out, ScheduledPrice{ResourceID: sp.resourceID, PriceChange: sp.change})
	}
	return out
}

// applyPrice applies a due price change and removes it from the schedule.
// Called with s.mu held.
func (s *Server) applyPrice(sp *scheduledPrice) {
	for i, p := range s.st.prices {
		if p == sp {
			s.st.prices = append(s.st.prices[:i], s.st.prices[i+1:]...)
			break
		}
	}
	r, found := s.st.resources[sp.resourceID]
	if !found {
		return
	}
	pc := sp.change
	if pc.MonthlyPrice != nil {
		r.MonthlyPrice = *pc.MonthlyPrice
	}
	if pc.YearlyPrice != nil {
		y := *pc.YearlyPrice
		r.YearlyPrice = &y
	}
	if pc.DiscountRatio != nil {
		d := *pc.DiscountRatio
		r.DiscountRatio = &d
	}
	s.logSystem(OpPriceChange, sp.at, []string{r.ID}, nil, "", fmt.Sprintf("renewal price changed: monthly %s, yearly %s, discount ratio %s",
		r.MonthlyPrice, listPrice(r, periodYear, 1), discountRatio(r)))
}
