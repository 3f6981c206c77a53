package controller

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// quoteHorizon is the operator's --quote-horizon, or the default.
func (r *SubscriptionReconciler) quoteHorizon() time.Duration {
	if r.QuoteHorizon > 0 {
		return r.QuoteHorizon
	}
	return renewal.DefaultQuoteHorizon
}

// quoteInput is what renewal.PlanQuotes needs from the reconcile so far.
func (r *SubscriptionReconciler) quoteInput(st *subState) renewal.QuoteInput {
	in := renewal.QuoteInput{
		Manage:            st.acting(),
		ExpireTime:        st.res.ExpireTime,
		AutoRenewSettings: st.sub.Status.AutoRenewSettings,
		LastQuote:         st.sub.Status.LastQuote,
		LastQuoteFailure:  st.sub.Status.LastQuoteFailure,
		LongerTerm:        st.sub.Status.LongerTermQuote,
		Horizon:           r.quoteHorizon(),
		Now:               st.now,
	}
	if st.policy != nil {
		in.Mode = st.policy.Spec.Mode
	}
	return in
}

// keepQuotes asks BSS (4.2.3, through the account's client and its
// renew-rate limiter, digest §1.5) for the quotes the plan says are due,
// and records them. Quotes are reads: a failure is recorded in the quote's
// field and retried an hour later; it never stops the Subscription and
// decides nothing (a renewal quotes again in its RenewalRequest).
func (r *SubscriptionReconciler) keepQuotes(ctx context.Context, st *subState, in renewal.QuoteInput) {
	plan := renewal.PlanQuotes(in)
	st.wakeAt(plan.WakeAt)
	sub := st.sub
	if plan.Period == nil {
		if in.Mode != billingv1alpha1.RenewalModePayPerUse {
			// PayPerUse keeps its own one-month quote (refreshQuote).
			sub.Status.LastQuoteFailure = nil
		}
		sub.Status.LongerTermQuote = nil
		return
	}
	if plan.QuoteNow {
		fresh, err := r.quote(ctx, st, *plan.Period)
		if err != nil {
			sub.Status.LastQuoteFailure = &billingv1alpha1.QuoteFailure{Period: plan.Period.DeepCopy(),
				Message: truncate("quote unavailable: "+bss.Describe(err), 1024), FailedAt: &metav1.Time{Time: st.now}}
			st.wakeAt(st.now.Add(renewal.QuoteRetry))
		} else {
			sub.Status.LastQuote, sub.Status.LastQuoteFailure = fresh, nil
			st.wakeAt(renewal.QuoteExpiry(st.now))
		}
	}
	if plan.Longer == nil {
		sub.Status.LongerTermQuote = nil
		return
	}
	if plan.LongerNow {
		fresh, err := r.quote(ctx, st, *plan.Longer)
		if err != nil {
			failed := &billingv1alpha1.LongerTermQuote{Period: *plan.Longer}
			if old := sub.Status.LongerTermQuote; old != nil && old.Period == *plan.Longer {
				failed = old.DeepCopy()
			}
			failed.Error = truncate("quote unavailable: "+bss.Describe(err), 1024)
			failed.FailedAt = &metav1.Time{Time: st.now}
			sub.Status.LongerTermQuote = failed
			st.wakeAt(st.now.Add(renewal.QuoteRetry))
		} else {
			sub.Status.LongerTermQuote = &billingv1alpha1.LongerTermQuote{Period: *plan.Longer, Price: fresh.Price.DeepCopy(), QuotedAt: fresh.QuotedAt}
			st.wakeAt(renewal.QuoteExpiry(st.now))
		}
	}
	compareTerms(sub.Status.LongerTermQuote, sub.Status.LastQuote, *plan.Period)
}

// quote is one renewal quote within the step's BSS timeout.
func (r *SubscriptionReconciler) quote(ctx context.Context, st *subState, period billingv1alpha1.RenewalPeriod) (*billingv1alpha1.PriceQuote, error) {
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	return quoteRenewal(bctx, st.cl, st.res.ID, period, st.now)
}

// compareTerms fills the saving of l against the shorter quote q when q
// is for period and both have a price; otherwise it clears it.
func compareTerms(l *billingv1alpha1.LongerTermQuote, q *billingv1alpha1.PriceQuote, period billingv1alpha1.RenewalPeriod) {
	if l == nil {
		return
	}
	l.ComparedPeriod, l.ComparedPrice, l.SavingPerYear = nil, nil, nil
	if l.Price == nil || q == nil || q.Period == nil || *q.Period != period {
		return
	}
	saving, err := renewal.SavingPerYear(period, q.Price, *l.Price)
	if err != nil {
		return // another currency: nothing to compare
	}
	l.ComparedPeriod, l.ComparedPrice, l.SavingPerYear = period.DeepCopy(), q.Price.DeepCopy(), &saving
}

// clearQuotes forgets every renewal quote (an explicit refresh, or a
// Subscription that stands aside for another).
func clearQuotes(s *billingv1alpha1.SubscriptionStatus) {
	s.LastQuote, s.LastQuoteFailure, s.LongerTermQuote, s.PayPerUseQuote = nil, nil, nil, nil
}
