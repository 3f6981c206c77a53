package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/audit"
	"github.com/bss-operator/bss-operator/internal/bssoutcome"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// finalizerOrderRecord keeps a RenewalRequest, the durable record of an
// order the operator placed or is about to place, until its outcome is
// known. Without it, deleting the request mid-renewal would lose the intent
// that prevents a second order for the same revision.
const finalizerOrderRecord = "billing.bss-operator.io/order-record"

// RenewalRequestReconciler drives one renewal attempt: quote, gates
// (price cap, budget, approval, window), the recorded intent, the renew
// call, payment, and confirmation of the new expiry.
type RenewalRequestReconciler struct {
	Deps
	// MaxConcurrent is how many RenewalRequests reconcile in parallel.
	MaxConcurrent int

	// ledger remembers this process's renew calls (see renewal.Ledger).
	ledgerOnce sync.Once
	ledgerMap  *renewal.Ledger
	// claimsMap holds which attempt orders each resource (see resourceClaims).
	claimsOnce sync.Once
	claimsMap  *resourceClaims
}

// ledger returns the reconciler's order ledger.
func (r *RenewalRequestReconciler) ledger() *renewal.Ledger {
	r.ledgerOnce.Do(func() { r.ledgerMap = renewal.NewLedger() })
	return r.ledgerMap
}

// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalrequests,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalrequests/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=renewalrequests/finalizers,verbs=update
// +kubebuilder:rbac:groups=billing.bss-operator.io,resources=budgetalerts,verbs=get;list;watch

// rrState is what one reconcile of a RenewalRequest has learned.
type rrState struct {
	rr *billingv1alpha1.RenewalRequest
	// orig is the request as last persisted, the base of status patches.
	orig *billingv1alpha1.RenewalRequest
	now  time.Time
	acct *accounts.Resolved
	sub  *billingv1alpha1.Subscription
	wake time.Time
	// stale is set when the cached copy predates this process's own write:
	// the pass writes nothing and looks again shortly.
	stale bool
	// reason, if set, is the condition reason for the phase this pass left
	// the attempt in: what it waits for, or what ended it (endBecause).
	reason string
	// stuck is set when the attempt's order has stayed in a state the
	// operator cannot act on past its bound: the request is Stalled.
	stuck bool
}

func (s *rrState) wakeAt(t time.Time) {
	if !t.After(s.now) {
		t = s.now.Add(time.Second)
	}
	if s.wake.IsZero() || t.Before(s.wake) {
		s.wake = t
	}
}

// Reconcile advances one renewal attempt by at most one BSS write.
func (r *RenewalRequestReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var rr billingv1alpha1.RenewalRequest
	if err := r.Client.Get(ctx, req.NamespacedName, &rr); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ctx = logf.IntoContext(ctx, logf.FromContext(ctx).WithValues("renewalRequest", klog.KObj(&rr)))
	if rr.Status.Phase.Finished() {
		r.ledger().Forget(rr.UID)
		r.releaseClaim(&rr)
		return ctrl.Result{}, r.releaseFinalizer(ctx, &rr)
	}

	st := &rrState{rr: &rr, orig: rr.DeepCopy(), now: r.Timing.Now()}
	ctx = audit.WithSubject(ctx, func() audit.Subject { return renewalSubject(st) })
	err := r.advance(ctx, st)
	if st.stale {
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	r.summarize(st)
	// The status write that records a BSS write's answer is made even
	// while the manager shuts down, as the BSS write itself is
	// (writeContext): otherwise an order placed at a SIGTERM goes
	// unrecorded and the next leader must wait and look it up.
	pctx, pcancel := r.writeContext(ctx, statusWriteTimeout)
	defer pcancel()
	if perr := r.patchStatus(pctx, st.orig, &rr, err == nil); perr != nil {
		// A stale read: nothing this pass decided was written, and no BSS
		// write happens before a successful status write.
		return settleWrite(perr)
	}
	if apierrors.IsConflict(err) {
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	if rr.Status.Phase.Finished() {
		// Not forgotten yet: until the cache shows this write, a pass may
		// read the attempt under way (see renewal.Ledger).
		r.ledger().End(rr.UID, st.now, time.Duration(float64(renewal.EndedRetention)*max(r.Timing.Speed, 1)))
		r.releaseClaim(&rr)
		r.finished(ctx, &rr)
		return ctrl.Result{}, r.releaseFinalizer(ctx, &rr)
	}
	if st.wake.IsZero() {
		st.wakeAt(st.now.Add(time.Minute))
	}
	return ctrl.Result{RequeueAfter: r.Timing.Until(st.wake), Priority: phasePriority(rr.Status.Phase)}, nil
}

// phasePriority ranks an attempt in the work queue by how far it got: an
// attempt that has recorded its intent to order goes before attempts that
// have not been quoted yet, and paying and confirming go before ordering.
// In a burst of due renewals the stages then run side by side, each at its
// API's quota, instead of every attempt being quoted before the first is
// ordered; and fewer attempts are half done at any moment.
func phasePriority(phase billingv1alpha1.RenewalPhase) *int {
	p := 0
	switch phase {
	case billingv1alpha1.RenewalPhaseOrdering:
		p = 10
	case billingv1alpha1.RenewalPhasePaymentPending:
		p = 20
	case billingv1alpha1.RenewalPhaseConfirming:
		p = 30
	}
	return &p
}

// patchStatus writes the status through the status subresource when it
// changed. observedGeneration advances only when the pass succeeded, as for
// the other kinds: a failed pass has not acted on the current spec.
func (r *RenewalRequestReconciler) patchStatus(ctx context.Context, orig, rr *billingv1alpha1.RenewalRequest, succeeded bool) error {
	// The optimistic lock makes a pass that worked from a stale read fail
	// instead of overwriting newer progress (order IDs, phase); the caller
	// stops before any BSS write on an error.
	return writeStatus(ctx, r.Client, renewalRequestStatus, orig, rr, succeeded, nil)
}

// recordIntent durably records, before any renew call, that this attempt
// is about to order: the phase, the time, and a finalizer. Only after the
// apiserver has accepted it may BSS be called.
func (r *RenewalRequestReconciler) recordIntent(ctx context.Context, st *rrState) error {
	rr := st.rr
	// One attempt at a time orders a resource (issue 16, path 4): a rival
	// attempt that is ordering it makes this one wait. The claim is kept
	// only if the intent is recorded; it is released when the attempt ends.
	rival, err := r.rivalAttempt(ctx, rr)
	if err != nil {
		return err
	}
	if rival != "" {
		rr.Status.Message = fmt.Sprintf("%s is ordering resource %s; this attempt orders nothing meanwhile, then reads the resource again", rival, rr.Spec.ResourceID)
		st.reason = billingv1alpha1.ReasonDuplicateResource
		st.wakeAt(st.now.Add(time.Minute))
		return nil
	}
	recorded := false
	defer func() {
		if !recorded {
			r.releaseClaim(rr)
		}
	}()
	// The attempt may have waited days for approval or its window: read
	// the resource again, and order nothing if it was renewed elsewhere or
	// the cloud's auto-renew was switched on meanwhile (issue 16, path 3).
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	if stop, err := r.resourceChanged(bctx, st); err != nil || stop {
		if err != nil {
			r.bssWait(st, "read the resource before recording the intent to order", err)
		}
		return nil
	}
	if !controllerutil.ContainsFinalizer(rr, finalizerOrderRecord) {
		// Patch metadata on a copy: the response must not overwrite the
		// status built up in memory. The patch carries the optimistic lock:
		// the status patch below is based on its new resourceVersion, so a
		// copy that is stale must fail here, not overwrite newer status.
		cp := rr.DeepCopy()
		patch := client.MergeFromWithOptions(cp.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(cp, finalizerOrderRecord)
		if err := r.Client.Patch(ctx, cp, patch); err != nil {
			return fmt.Errorf("add order-record finalizer: %w", err)
		}
		rr.Finalizers, rr.ResourceVersion = cp.Finalizers, cp.ResourceVersion
		// The status patch below is based on st.orig; it must carry the
		// new resourceVersion for its optimistic lock.
		st.orig.Finalizers, st.orig.ResourceVersion = cp.Finalizers, cp.ResourceVersion
	}
	rr.Status.Phase = billingv1alpha1.RenewalPhaseOrdering
	rr.Status.OrderIntentTime = &metav1.Time{Time: st.now.Truncate(time.Second)}
	rr.Status.Message = "intent to order recorded; renewing"
	r.summarize(st)
	// Not a finished pass yet: the renew call is still to come.
	if err := r.patchStatus(ctx, st.orig, rr, false); err != nil {
		return fmt.Errorf("record intent to order: %w", err)
	}
	st.orig = rr.DeepCopy()
	recorded = true
	r.ledger().Recorded(rr.UID, rr.Status.OrderIntentTime.Time)
	return nil
}

// releaseFinalizer removes the order-record finalizer of a finished attempt.
func (r *RenewalRequestReconciler) releaseFinalizer(ctx context.Context, rr *billingv1alpha1.RenewalRequest) error {
	if !controllerutil.ContainsFinalizer(rr, finalizerOrderRecord) {
		return nil
	}
	patch := client.MergeFrom(rr.DeepCopy())
	controllerutil.RemoveFinalizer(rr, finalizerOrderRecord)
	// Already gone: the finalizer went with it.
	if err := client.IgnoreNotFound(r.Client.Patch(ctx, rr, patch)); err != nil {
		return fmt.Errorf("remove order-record finalizer: %w", err)
	}
	return nil
}

// finished records metrics and an event for an attempt that just ended.
func (r *RenewalRequestReconciler) finished(ctx context.Context, rr *billingv1alpha1.RenewalRequest) {
	var amount, currency string
	if paid := rr.Status.AmountPaid; paid != nil {
		amount, currency = paid.Amount, paid.Currency
	}
	if err := r.Metrics.RenewalEnded(rr.Namespace, string(rr.Status.Phase), amount, currency); err != nil {
		logf.FromContext(ctx).Error(err, "renewal spend not recorded")
	}
	typ := "Normal"
	if rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded {
		typ = "Warning"
	}
	if r.Recorder != nil {
		r.Recorder.Eventf(rr, nil, typ, string(rr.Status.Phase), "Renew", "%s", rr.Status.Message)
	}
	logf.FromContext(ctx).V(1).Info("renewal attempt ended", "phase", rr.Status.Phase, "orders", rr.Status.OrderIDs)
}

// event emits an Event about the request.
func (r *RenewalRequestReconciler) event(rr *billingv1alpha1.RenewalRequest, eventType, reason, action, note string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(rr, nil, eventType, reason, action, note, args...)
	}
}

// SetupWithManager registers the reconciler; BudgetAlert changes re-queue
// the requests they gate.
func (r *RenewalRequestReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&billingv1alpha1.RenewalRequest{}).
		Watches(&billingv1alpha1.BudgetAlert{}, handler.EnqueueRequestsFromMapFunc(r.requestsOfBudget)).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.requestsOfSecret), builder.OnlyMetadata).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrent)}).
		Named("renewalrequest").
		Complete(r)
}

// requestsOfBudget maps a BudgetAlert to the unfinished requests it gates.
func (r *RenewalRequestReconciler) requestsOfBudget(ctx context.Context, obj client.Object) []reconcile.Request {
	// Finished requests are enqueued too; they return at once.
	return enqueueByIndex(ctx, r.Client, &billingv1alpha1.RenewalRequestList{}, obj.GetNamespace(), indexRequestBudget, obj.GetName())
}

// requestsOfSecret maps a credentials Secret to the unfinished requests of
// the accounts that use it, so that rotated credentials end a backoff
// caused by rejected ones. The retry itself starts again from the recorded
// state: an intent recorded before is looked up, never re-ordered blindly.
func (r *RenewalRequestReconciler) requestsOfSecret(ctx context.Context, secret client.Object) []reconcile.Request {
	accounts, err := accountsUsingSecret(ctx, r.Client, secret)
	if err != nil || len(accounts) == 0 {
		return nil
	}
	var list billingv1alpha1.RenewalRequestList
	if err := r.Client.List(ctx, &list, client.InNamespace(secret.GetNamespace())); err != nil {
		logf.FromContext(ctx).Error(err, "list RenewalRequests of a Secret")
		return nil
	}
	var out []reconcile.Request
	for _, rr := range list.Items {
		if !rr.Status.Phase.Finished() && slices.Contains(accounts, rr.Spec.AccountRef.Name) {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: rr.Namespace, Name: rr.Name}})
		}
	}
	return out
}

// bssWait handles a BSS error that leaves the attempt where it is: the
// next reconcile looks again after a backoff. It never returns an error, so
// that controller-runtime does not retry in a hot loop.
func (r *RenewalRequestReconciler) bssWait(st *rrState, what string, err error) {
	o := bssoutcome.Of(what, err)
	if o.Reason == billingv1alpha1.ReasonCredentialsRejected {
		// Rejected credentials: no backoff is recorded, so that rotating
		// the Secret (which re-queues the request) takes effect at once.
		st.rr.Status.Message = o.Message
		st.wakeAt(st.now.Add(o.RetryAfter))
		return
	}
	if errors.Is(err, context.Canceled) {
		// The manager is shutting down (writes run on a context shutdown
		// does not cancel, so this is a read): not a BSS failure. No
		// backoff is recorded for the next leader to honour; it goes on
		// at once.
		st.rr.Status.Message = fmt.Sprintf("%s: interrupted by the operator's shutdown; the next pass goes on", what)
		st.wakeAt(st.now)
		return
	}
	st.rr.Status.FailureCount++
	d := renewal.Backoff(st.rr.Status.FailureCount, st.now, st.rr.Spec.BaselineExpireTime.Time)
	if o.Reason == billingv1alpha1.ReasonThrottled {
		// The backoff shrinks as expiry nears; BSS's throttling does not.
		d = max(d, o.RetryAfter)
	}
	next := st.now.Add(d)
	st.rr.Status.NextAttemptTime = &metav1.Time{Time: next}
	st.rr.Status.Message = fmt.Sprintf("%s; retrying at %s", o.Message, formatTime(next))
	st.wakeAt(next)
}
