package simulator

import (
	"time"

	"github.com/shopspring/decimal"
)

// maxEventsPerCatchUp bounds one catch-up so a huge clock jump cannot hang a
// request (about 27 years of daily auto-renew retries for 100 resources).
const maxEventsPerCatchUp = 1_000_000

// eventKind orders simultaneous events: price changes, held orders moving
// on, payment deadlines, then auto-renew deductions, then expiry
// transitions.
type eventKind int

const (
	evPriceChange eventKind = iota
	evHoldEnd
	evPendingDeadline
	evAutoRenew
	evTerminal
)

type event struct {
	at    time.Time
	kind  eventKind
	order *Order
	res   *Resource
	price *scheduledPrice
}

func (e event) before(o event) bool {
	if !e.at.Equal(o.at) {
		return e.at.Before(o.at)
	}
	return e.kind < o.kind
}

// catchUp applies, in time order, every time-driven event due at or before
// now: pending-payment deadlines, the cloud's auto-renew deductions and
// expiry/deletion/conversion transitions. Called with s.mu held on every
// request and by Tick/Advance, so state is always consistent with the clock.
func (s *Server) catchUp(now time.Time) {
	for range maxEventsPerCatchUp {
		ev, found := s.nextEvent(now)
		if !found {
			return
		}
		switch ev.kind {
		case evPriceChange:
			s.applyPrice(ev.price)
		case evHoldEnd:
			s.endHold(ev.order, ev.at)
		case evPendingDeadline:
			ev.order.Status, ev.order.PaymentExpired = orderStatusCanceled, true
			ev.order.PendingDeadline = time.Time{}
			s.logSystem(OpPaymentDeadline, ev.at, orderResources(ev.order), []string{ev.order.ID}, "",
				"unpaid order canceled at its payment deadline")
		case evAutoRenew:
			s.autoRenewAttempt(ev.res, ev.at)
		case evTerminal:
			s.terminate(ev.res, ev.at)
		}
	}
}

func (s *Server) nextEvent(now time.Time) (event, bool) {
	var best event
	found := false
	consider := func(e event) {
		if e.at.After(now) {
			return
		}
		if !found || e.before(best) {
			best, found = e, true
		}
	}
	for _, sp := range s.st.prices {
		consider(event{at: sp.at, kind: evPriceChange, price: sp})
	}
	for _, id := range s.st.orderOrder {
		o := s.st.orders[id]
		if !o.HeldUntil.IsZero() && (inProgress(o.Status) || o.Status == orderStatusPendingPayment) {
			consider(event{at: o.HeldUntil, kind: evHoldEnd, order: o})
			continue
		}
		if o.Status == orderStatusPendingPayment && !o.PendingDeadline.IsZero() {
			// The order lapses just after its deadline second.
			consider(event{at: o.PendingDeadline.Add(time.Second), kind: evPendingDeadline, order: o})
		}
	}
	for _, id := range s.st.resourceOrder {
		r := s.st.resources[id]
		if r.Closed {
			continue
		}
		if r.IsMain && r.AutoRenew {
			consider(event{at: s.nextAutoRenewAttempt(r), kind: evAutoRenew, res: r})
		}
		consider(event{at: s.terminalTime(r), kind: evTerminal, res: r})
	}
	return best, found
}

// nextAutoRenewAttempt returns the next 03:00 GMT+08:00 deduction attempt of
// primary p: the first one at or after 7 days before expiry, after auto-renew
// was enabled and after the previous attempt.
func (s *Server) nextAutoRenewAttempt(p *Resource) time.Time {
	from := autoRenewFirstAttempt(p.ExpireTime)
	from = laterOf(from, p.AutoRenewSince)
	if !p.LastAutoRenewAt.IsZero() {
		from = laterOf(from, p.LastAutoRenewAt.Add(time.Second))
	}
	return next0300GMT8(from)
}

// terminalTime returns when r stops being a yearly/monthly resource: at
// expiry for policy 1 (to pay-per-use) and 2 (deleted); after the retention
// period for 4 and 5; after grace plus retention for 0 and 3.
func (s *Server) terminalTime(r *Resource) time.Time {
	switch s.effectivePolicy(r) {
	case 1, 2:
		return r.ExpireTime
	case 4, 5:
		return r.ExpireTime.Add(s.cfg.retentionPeriod)
	default:
		return r.ExpireTime.Add(s.cfg.gracePeriod + s.cfg.retentionPeriod)
	}
}

// terminate closes r at t: converted to pay-per-use (policy 1, recorded as an
// order of type 10 placed by "Operation system") or deleted.
func (s *Server) terminate(r *Resource, t time.Time) {
	reason := "deleted"
	if s.effectivePolicy(r) == 1 {
		reason = "converted-to-pay-per-use"
		if r.IsMain {
			s.recordConversion(r, t)
		}
	}
	r.Closed, r.ClosedAt, r.ClosedReason, r.UpdateTime = true, t, reason, t
	s.logSystem(OpExpiry, t, []string{r.ID}, nil, "", "resource "+reason+" after expiry")
}

func (s *Server) recordConversion(p *Resource, t time.Time) {
	acct := s.st.accounts[p.AccountID]
	if acct == nil {
		return
	}
	o := &Order{
		ID: s.st.newOrderID(t), AccountID: acct.DomainID, Type: orderTypeToOnDemand,
		Status: orderStatusCompleted, CreateTime: t, PaymentTime: t, ServiceTypeCode: p.ServiceTypeCode,
		ServiceTypeName: p.ServiceTypeName, Currency: acct.Currency, UserName: systemUserName, PlacedBy: systemCaller,
		PrimaryResourceID: p.ID, EnterpriseProjects: []EnterpriseProject{p.EnterpriseProject},
		Discounts: []Discount{}, Official: decimal.Zero, AfterDiscount: decimal.Zero,
	}
	for i, g := range s.st.group(p) {
		o.Lines = append(o.Lines, OrderLine{
			ID: o.ID + "-" + padInt(i+1), ResourceID: g.ID, ServiceTypeCode: g.ServiceTypeCode,
			ServiceTypeName: g.ServiceTypeName, ResourceTypeCode: g.ResourceTypeCode,
			ResourceTypeName: g.ResourceTypeName, Region: g.Region, ProductID: g.ProductID,
			ProductSpecDesc: g.ProductSpecDesc, CategoryCode: g.CategoryCode, PeriodType: 6,
			EffectiveTime: t, ExpireTime: t, Discounts: []Discount{}, DiscountRatio: decimal.NewFromInt(1),
		})
	}
	s.st.addOrder(o)
}

// autoRenewAttempt is the cloud's 03:00 deduction for primary p: it renews
// the group by the original subscription period, paid from the balance with
// the commercial discount, as a completed renewal order by "Operation
// system". A failed attempt (insufficient balance, a pending order, a frozen
// account) creates nothing and is retried at 03:00 the next day.
func (s *Server) autoRenewAttempt(p *Resource, t time.Time) {
	p.LastAutoRenewAt = t
	acct := s.st.accounts[p.AccountID]
	switch {
	case acct == nil:
		p.LastAutoRenewErr = "account not found"
		return
	case acct.Frozen:
		p.LastAutoRenewErr = "CBC.7281 account frozen"
		s.logSystem(OpAutoRenewDeduction, t, []string{p.ID}, nil, "CBC.7281", "deduction failed: account frozen")
		return
	}
	for _, g := range s.st.group(p) {
		if s.st.pendingOrderFor(g.ID) != nil {
			p.LastAutoRenewErr = "CBC.99003100 " + msg99003100
			s.logSystem(OpAutoRenewDeduction, t, []string{p.ID}, nil, "CBC.99003100", "deduction failed: a pending-payment order covers the resource")
			return
		}
		if s.st.openOrderFor(g.ID) != nil {
			p.LastAutoRenewErr = "CBC.99003144 " + msg99003144
			s.logSystem(OpAutoRenewDeduction, t, []string{p.ID}, nil, "CBC.99003144", "deduction failed: an order in progress covers the resource")
			return
		}
	}
	pt, pn := p.PeriodType, p.PeriodNum
	if p.AutoRenewPeriodType != 0 {
		// Choice: a period type set by 6.3.4 renews one such period.
		pt, pn = p.AutoRenewPeriodType, 1
	}
	if !validPeriod(pt, pn) {
		pt, pn = periodMonth, 1
	}
	o := s.newRenewalOrder(acct, p, pt, pn, t, systemCaller)
	if err := s.settleOrder(o, acct, true, nil, t, systemCaller); err != nil {
		s.st.orderSeq-- // the order was never placed; keep IDs dense.
		p.LastAutoRenewErr = err.Error()
		s.logSystem(OpAutoRenewDeduction, t, []string{p.ID}, nil, err.code, "deduction failed: "+err.msg)
		return
	}
	p.LastAutoRenewErr = ""
	s.st.addOrder(o)
	if p.AutoRenewTimes > 0 {
		// A limited number of automatic renewals: the last one switches
		// auto-renew off again.
		left := p.AutoRenewLeft - 1
		for _, g := range s.st.group(p) {
			g.AutoRenewLeft = left
			if left <= 0 {
				g.AutoRenew, g.AutoRenewSince, g.AutoRenewTimes, g.AutoRenewLeft = false, time.Time{}, 0, 0
			}
		}
	}
	s.logSystem(OpAutoRenewDeduction, t, orderResources(o), []string{o.ID}, "", "renewed by the cloud's auto-renew deduction")
}

// orderResources returns the resource IDs of an order's lines.
func orderResources(o *Order) []string {
	out := make([]string, 0, len(o.Lines))
	for _, l := range o.Lines {
		out = append(out, l.ResourceID)
	}
	return out
}

func padInt(n int) string {
	const w = 6
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	for len(b) < w {
		b = append([]byte{'0'}, b...)
	}
	return string(b)
}
