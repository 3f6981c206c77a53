package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// An attempt whose renew call outcome is unknown (issue 16, path 2) may
// have placed an order that no lookup found. Starting the next attempt a
// minute later, as if nothing had happened, could renew twice. So the
// Subscription records the evidence, searches BSS once more itself, and
// stalls until a person acknowledges it; after that every new attempt
// searches BSS for orders before ordering (spec.lookupFirst), until one
// succeeds.

// outcomeUnknown reports whether a finished attempt ended while a renew
// call's outcome was unknown: it made renew calls, holds no order, and did
// not succeed. A call BSS refused outright counts too: the status does not
// say which of the calls were refused, and a gate that cannot decide holds.
func outcomeUnknown(rr *billingv1alpha1.RenewalRequest) bool {
	return rr.Status.Phase.Finished() && rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded &&
		rr.Status.RenewCalls > 0 && len(rr.Status.OrderIDs) == 0
}

// unknownOutcomeEvidence is what a finished attempt with an unknown
// outcome leaves in the Subscription's status.
func unknownOutcomeEvidence(rr *billingv1alpha1.RenewalRequest, now time.Time) *billingv1alpha1.UnknownRenewalOutcome {
	end := rr.Status.CompletionTime
	if end == nil {
		end = &metav1.Time{Time: now}
	}
	return &billingv1alpha1.UnknownRenewalOutcome{
		RequestName:        rr.Name,
		RenewCalls:         rr.Status.RenewCalls,
		OrderIntentTime:    rr.Status.OrderIntentTime.DeepCopy(),
		BaselineExpireTime: rr.Spec.BaselineExpireTime.DeepCopy(),
		EndTime:            end.DeepCopy(),
		AttemptMessage:     truncate(rr.Status.Message, 1024),
	}
}

// outcomeGate is what an unknown outcome allows.
type outcomeGate int

const (
	// outcomeClear: no unknown outcome on record; attempts order normally.
	outcomeClear outcomeGate = iota
	// outcomeHold: an unknown outcome is not acknowledged; no new attempt.
	outcomeHold
	// outcomeLookupFirst: acknowledged; new attempts search BSS first.
	outcomeLookupFirst
)

// unknownOutcomeGate decides, from the status alone, whether a new attempt
// may start and whether it must search BSS before ordering.
func unknownOutcomeGate(u *billingv1alpha1.UnknownRenewalOutcome) outcomeGate {
	switch {
	case u == nil:
		return outcomeClear
	case u.AcknowledgedTime == nil:
		return outcomeHold
	default:
		return outcomeLookupFirst
	}
}

// acknowledges reports whether the annotation value acknowledges the
// recorded unknown outcome: it must name the attempt, so that an old
// acknowledgement left on the object does not wave a later one through.
func acknowledges(annotation string, u *billingv1alpha1.UnknownRenewalOutcome) bool {
	return u != nil && annotation != "" && annotation == u.RequestName
}

// holdUnknownOutcome handles a recorded unknown outcome: it takes the
// acknowledgement, completes the evidence with a search of BSS, and
// reports whether the Subscription must hold (stalled, no new attempt).
func (r *SubscriptionReconciler) holdUnknownOutcome(ctx context.Context, st *subState) bool {
	sub := st.sub
	u := sub.Status.UnknownRenewalOutcome
	if u == nil {
		return false
	}
	if u.AcknowledgedTime == nil && acknowledges(sub.Annotations[billingv1alpha1.AnnotationAcknowledgeUnknownOutcome], u) {
		u.AcknowledgedTime = &metav1.Time{Time: st.now.Truncate(time.Second)}
		r.event(sub, "Normal", "UnknownOutcomeAcknowledged", "Renew",
			"the unknown outcome of renewal %s was acknowledged; new attempts search BSS for orders before ordering", u.RequestName)
	}
	if u.LookupTime == nil {
		r.searchUnknownOutcome(ctx, st, u)
	}
	if unknownOutcomeGate(u) != outcomeHold {
		return false
	}
	msg := fmt.Sprintf("renewal %s ended after %d renew calls whose outcome is unknown (%s); %s. "+
		"No new attempt starts until a person checks the orders in the BSS console and sets the annotation %s=%s (kubectl bss acknowledge-unknown-outcome %s)",
		u.RequestName, u.RenewCalls, u.AttemptMessage, lookupSummary(u),
		billingv1alpha1.AnnotationAcknowledgeUnknownOutcome, u.RequestName, sub.Name)
	st.summary.stalled(billingv1alpha1.ReasonRenewalOutcomeUnknown, msg)
	sub.Status.PlannedAction = "none: the outcome of renewal " + u.RequestName + " is unknown; waiting for acknowledgement"
	return true
}

// lookupSummary renders the search result for messages.
func lookupSummary(u *billingv1alpha1.UnknownRenewalOutcome) string {
	if u.LookupTime == nil {
		return "searching BSS for its orders did not succeed yet"
	}
	return "search at " + formatTime(u.LookupTime.Time) + ": " + u.LookupResult
}

// searchUnknownOutcome searches BSS for renewal orders of the resource
// created since the attempt's intent, and compares the expiry with the
// attempt's baseline. A failed search is retried on a later pass.
func (r *SubscriptionReconciler) searchUnknownOutcome(ctx context.Context, st *subState, u *billingv1alpha1.UnknownRenewalOutcome) {
	if st.acct == nil || st.res == nil {
		return
	}
	since := st.now.Add(-364 * 24 * time.Hour)
	if u.OrderIntentTime != nil {
		since = u.OrderIntentTime.Add(-lookupSlack)
	}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	found, err := renewalOrdersOf(bctx, st.acct.BSS, st.res.ID, since, st.now.Add(lookupSlack))
	if err != nil {
		u.LookupResult = truncate(fmt.Sprintf("searching the orders failed (%v); retrying", bss.Describe(err)), 1024)
		st.wakeAt(st.now.Add(time.Minute))
		return
	}
	u.LookupTime = &metav1.Time{Time: st.now.Truncate(time.Second)}
	ids := make([]string, 0, len(found))
	for _, o := range found {
		if len(ids) < 20 {
			ids = append(ids, o.ID)
		}
	}
	u.FoundOrderIDs = ids
	expiry := "the expiry is " + formatTime(st.res.ExpireTime)
	if len(found) == 0 {
		u.LookupResult = fmt.Sprintf("no renewal order of %s created since %s; %s", st.res.ID, formatTime(since), expiry)
		return
	}
	parts := make([]string, 0, len(found))
	for _, o := range found {
		parts = append(parts, o.ID+" ("+o.Status.String()+")")
	}
	u.LookupResult = truncate(fmt.Sprintf("renewal orders of %s created since %s that the operator did not record: %s; %s",
		st.res.ID, formatTime(since), strings.Join(parts, ", "), expiry), 1024)
}

// renewalOrdersOf lists the renewal orders created in [since, until] whose
// primary resource is resourceID, newest first as BSS returns them.
func renewalOrdersOf(ctx context.Context, cl bss.Client, resourceID string, since, until time.Time) ([]bss.Order, error) {
	req := bss.ListOrdersRequest{Type: bss.OrderRenewal, CreateTimeBegin: since, CreateTimeEnd: until, Limit: 100}
	var out []bss.Order
	for offset := 0; ; offset += 100 {
		req.Offset = offset
		page, err := cl.ListOrders(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list renewal orders: %w", err)
		}
		for _, o := range page.Orders {
			res, err := cl.ListResources(ctx, bss.ListResourcesRequest{OrderID: o.ID, OnlyMainResource: true, Limit: 50})
			if err != nil {
				return nil, fmt.Errorf("list resources of order %s: %w", o.ID, err)
			}
			for _, x := range res.Resources {
				if x.ID == resourceID {
					out = append(out, o)
					break
				}
			}
		}
		if len(page.Orders) == 0 || offset+len(page.Orders) >= page.TotalCount {
			return out, nil
		}
	}
}
