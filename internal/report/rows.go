package report

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/budget"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// maxTimes bounds the repetitions of one action in a window (twelve
// monthly renewals in a year, and a margin), as budget dues do.
const maxTimes = 40

// index finds policies, requests and accounts by namespace/name.
type index struct {
	policies map[string]*billingv1alpha1.RenewalPolicy
	requests map[string]*billingv1alpha1.RenewalRequest
	accounts map[string]*billingv1alpha1.BillingAccount
}

func newIndex(in Input) *index {
	idx := &index{policies: map[string]*billingv1alpha1.RenewalPolicy{}, requests: map[string]*billingv1alpha1.RenewalRequest{},
		accounts: map[string]*billingv1alpha1.BillingAccount{}}
	for i := range in.Policies {
		idx.policies[in.Policies[i].Namespace+"/"+in.Policies[i].Name] = &in.Policies[i]
	}
	for i := range in.Requests {
		idx.requests[in.Requests[i].Namespace+"/"+in.Requests[i].Name] = &in.Requests[i]
	}
	for i := range in.Accounts {
		idx.accounts[in.Accounts[i].Namespace+"/"+in.Accounts[i].Name] = &in.Accounts[i]
	}
	return idx
}

// row is the Subscription's next action, if it falls before until.
func (idx *index) row(sub *billingv1alpha1.Subscription, now, until time.Time) (Row, bool) {
	st := &sub.Status
	if st.ExpireTime == nil || st.Resource == nil {
		return Row{}, false // never read from BSS: nothing to report on
	}
	r := Row{Namespace: sub.Namespace, Name: sub.Name, Account: sub.Spec.AccountRef.Name, ResourceID: sub.Spec.ResourceID,
		Management: string(sub.Spec.ManagementPolicy), EnterpriseProject: st.Resource.EnterpriseProjectID,
		EnterpriseProjectName: st.Resource.EnterpriseProjectName}
	if r.Management == "" {
		r.Management = string(billingv1alpha1.DefaultManagementPolicy)
	}
	acting := r.Management == string(billingv1alpha1.ManagementManage) && !sub.Spec.Paused
	if sub.Spec.Paused {
		r.Management = "Paused"
	}
	var policy *billingv1alpha1.RenewalPolicy
	if ref := sub.Spec.RenewalPolicyRef; ref != nil {
		r.Policy = ref.Name
		policy = idx.policies[sub.Namespace+"/"+ref.Name]
	}
	var active *billingv1alpha1.RenewalRequest
	if st.ActiveRequest != "" {
		active = idx.requests[sub.Namespace+"/"+st.ActiveRequest]
		if active != nil && active.Status.Phase.Finished() {
			active = nil
		}
	}
	expire := st.ExpireTime.Time
	cloudAutoRenew := st.Resource.ExpirePolicy == bss.ExpirePolicyAutoRenew.String()
	mode := billingv1alpha1.RenewalMode("")
	if policy != nil {
		mode = policy.Spec.Mode
	}
	var period *billingv1alpha1.RenewalPeriod
	var next func(k int) time.Time
	switch {
	case acting && mode == billingv1alpha1.RenewalModeRenew && policy.Spec.Renew != nil:
		if st.RenewalTime == nil && active == nil {
			// No renewal is scheduled (an invalid lead time, a resource
			// the operator stands aside from): the Subscription's
			// conditions say why, and the expiry is what will happen.
			r.Action = ActionNoPlan
			break
		}
		r.Action, period = ActionRenew, &policy.Spec.Renew.Period
		first := now
		if st.RenewalTime != nil {
			first = st.RenewalTime.Time
		}
		months := budget.PeriodMonths(*period)
		next = func(k int) time.Time { return budget.AddMonths(first, k*months) }
	case (acting && mode == billingv1alpha1.RenewalModeAutoRenew) || cloudAutoRenew:
		r.Action = ActionAutoRenew
		if a := st.AutoRenewSettings; a != nil && a.PeriodUnit != "" {
			period = &billingv1alpha1.RenewalPeriod{Unit: a.PeriodUnit, Count: 1}
		}
		if !now.Before(expire) {
			return Row{}, false // expired: no deduction is coming
		}
		months := 0
		if period != nil {
			months = budget.PeriodMonths(*period)
		}
		next = func(k int) time.Time {
			if k > 0 && months == 0 {
				return until // the term is unknown: only the first is listed
			}
			return budget.AutoRenewDeduction(budget.AddMonths(expire, k*months))
		}
	case (acting && mode == billingv1alpha1.RenewalModePayPerUse) || st.Resource.ExpirePolicy == bss.ExpirePolicyToPayPerUse.String():
		r.Action = ActionConvert
	case mode == billingv1alpha1.RenewalModeLapse:
		r.Action = ActionLapse
	default:
		r.Action = ActionNoPlan
	}
	if next == nil {
		// Conversions and lapses happen once, at expiry.
		if expire.Before(now) || !expire.Before(until) {
			return Row{}, false
		}
		next = func(k int) time.Time {
			if k > 0 {
				return until
			}
			return expire
		}
	}
	for k := 0; k < maxTimes; k++ {
		t := next(k)
		if !t.Before(until) {
			break
		}
		if r.Times == 0 {
			r.Due = t
			if t.Before(now) {
				r.Due = now // overdue or under way
			}
		}
		r.Times++
	}
	if r.Times == 0 {
		return Row{}, false
	}
	if period != nil {
		r.Period = fmt.Sprintf("%d %s", period.Count, period.Unit)
	}
	idx.price(&r, sub, active, period, now)
	r.Blocked, r.BlockedMessage = blocked(sub, active)
	return r, true
}

// price fills the row's price: the active attempt's quote, a quote for the
// period (fresh, or older: LastQuote), the last renewal's amount (Renew
// only), else unknown. Conversions show the pay-per-use estimate; lapses
// pay nothing.
func (idx *index) price(r *Row, sub *billingv1alpha1.Subscription, active *billingv1alpha1.RenewalRequest, period *billingv1alpha1.RenewalPeriod, now time.Time) {
	st := &sub.Status
	set := func(m *billingv1alpha1.Money, src PriceSource, at *metav1.Time) {
		r.Price, r.Currency, r.PriceSource = m.Amount, m.Currency, src
		if at != nil {
			t := at.Time
			r.PricedAt = &t
		}
	}
	switch r.Action {
	case ActionLapse, ActionNoPlan:
		r.PriceSource = PriceNone
		return
	case ActionConvert:
		r.PriceSource = PriceNone
		if q := st.PayPerUseQuote; q != nil && q.MonthlyEstimate != nil {
			set(q.MonthlyEstimate, PricePayPerUse, q.QuotedAt)
		}
		return
	}
	r.PriceSource = PriceUnknown
	forPeriod := func(q *billingv1alpha1.PriceQuote) bool {
		return q != nil && period != nil && q.Period != nil && *q.Period == *period
	}
	switch {
	case active != nil && forPeriod(active.Status.Quote):
		set(&active.Status.Quote.Price, PriceQuoted, active.Status.Quote.QuotedAt)
	case forPeriod(st.LastQuote):
		src := PriceQuoted
		if at := st.LastQuote.QuotedAt; at == nil || renewal.QuoteStale(at.Time, now) {
			src = PriceLastQuote
		}
		set(&st.LastQuote.Price, src, st.LastQuote.QuotedAt)
	case r.Action == ActionRenew && st.LastRenewal != nil && st.LastRenewal.AmountPaid != nil:
		set(st.LastRenewal.AmountPaid, PriceLastRenewal, st.LastRenewal.CompletionTime)
	default:
		return
	}
	price, err := decimal.NewFromString(r.Price)
	if err != nil {
		r.Price, r.Currency, r.PriceSource, r.PricedAt = "", "", PriceUnknown, nil
		return
	}
	r.Amount = price.Mul(decimal.NewFromInt(int64(r.Times))).StringFixed(2)
	if l := st.LongerTermQuote; l != nil && l.SavingPerYear != nil && l.ComparedPeriod != nil && period != nil &&
		*l.ComparedPeriod == *period && l.SavingPerYear.Currency == r.Currency {
		if s, err := decimal.NewFromString(l.SavingPerYear.Amount); err == nil && s.IsPositive() {
			r.SavingPerYear = s.StringFixed(2)
		}
	}
}

// blocked is what holds the row's action: the active attempt's phase (or,
// without the attempt, the gate conditions the Subscription mirrors from
// it), then the Subscription's own dead ends.
func blocked(sub *billingv1alpha1.Subscription, active *billingv1alpha1.RenewalRequest) (Blocked, string) {
	conds := sub.Status.Conditions
	isTrue := func(cs []metav1.Condition, t string) *metav1.Condition {
		c := meta.FindStatusCondition(cs, t)
		if c == nil || c.Status != metav1.ConditionTrue {
			return nil
		}
		return c
	}
	if active != nil {
		msg := active.Name + ": " + active.Status.Message
		switch active.Status.Phase {
		case billingv1alpha1.RenewalPhaseAwaitingApproval:
			return BlockedApproval, msg
		case billingv1alpha1.RenewalPhaseBlocked:
			if c := isTrue(active.Status.Conditions, billingv1alpha1.ConditionBudgetBlocked); c != nil {
				return BlockedBudget, active.Name + ": " + c.Message
			}
			return BlockedWindow, msg
		case billingv1alpha1.RenewalPhasePaymentPending:
			return BlockedPayment, msg
		}
	} else if sub.Status.ActiveRequest != "" {
		if c := isTrue(conds, billingv1alpha1.ConditionApprovalRequired); c != nil {
			return BlockedApproval, c.Message
		}
		if c := isTrue(conds, billingv1alpha1.ConditionBudgetBlocked); c != nil {
			return BlockedBudget, c.Message
		}
		if c := isTrue(conds, billingv1alpha1.ConditionPaymentPending); c != nil {
			return BlockedPayment, c.Message
		}
	}
	if c := isTrue(conds, billingv1alpha1.ConditionStalled); c != nil {
		return BlockedStalled, c.Reason + ": " + c.Message
	}
	if c := isTrue(conds, billingv1alpha1.ConditionAutoRenewOverdue); c != nil {
		return BlockedAutoRenewOverdue, c.Message
	}
	return NotBlocked, ""
}
