package controller

import (
	"context"
	"time"

	"github.com/bss-operator/bss-operator/internal/renewal"
)

// The timeouts of this file bound the BSS writes of a renewal attempt and
// the quiet time after a renew call (issue 16, path 1). The checks that
// stand between an attempt and money it was not authorized to spend (paths
// 3, 4 and 6: the resource read again, foreign orders, the amount before
// paying) are decided in internal/renewal; the reconciler reads and writes.

// renewSettleDelay is how long BSS may take, after a renew call ended, to
// show the order it placed in the order list (6.2.1) and among the
// resource's orders (6.3.1). A renew call that started less than the BSS
// write timeout plus this delay ago may still be under way, or its order
// may not show yet: a lookup then would find nothing and order again.
const renewSettleDelay = 30 * time.Second

// defaultWriteTimeout bounds a BSS write when no BSSTimeout is configured:
// a write is never left without a bound, or the quiet time after a renew
// call would have none either.
const defaultWriteTimeout = time.Minute

// statusWriteTimeout bounds the status write that records what a pass did,
// made even while the manager shuts down (see writeContext).
const statusWriteTimeout = 15 * time.Second

// writeTimeout bounds one BSS write.
func (d *Deps) writeTimeout() time.Duration {
	if d.BSSTimeout > 0 {
		return d.BSSTimeout
	}
	return defaultWriteTimeout
}

// writeContext is the context of a BSS write (renew, pay, cancel) and of
// the status write that records its answer. Manager shutdown does not
// cancel it: a SIGTERM must not cut a call already on the wire, whose
// outcome would then be unknown (issue 16, path 1). It is bounded by the
// write timeout, which the leader-election lease and the pod's termination
// grace period outlast (cmd/manager, config/manager).
func (d *Deps) writeContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}

// renewQuiet is the business time after the start of a renew call during
// which no pass of the attempt looks its order up or renews again: the
// write timeout plus the settling delay, in real time, scaled to business
// time for an accelerated clock.
func (d *Deps) renewQuiet() time.Duration {
	return time.Duration(float64(d.writeTimeout()+renewSettleDelay) * max(d.Timing.Speed, 1))
}

// resourceChanged reads the resource from BSS (6.3.1 by ID, not the
// inventory view, which may be an hour old) and ends the attempt, with
// nothing ordered, if it changed since the attempt was planned
// (renewal.ResourceChanged). It reports whether it ended the attempt.
func (r *RenewalRequestReconciler) resourceChanged(ctx context.Context, st *rrState) (bool, error) {
	rr := st.rr
	res, err := r.readResource(ctx, st)
	if err != nil {
		return false, err
	}
	t, changed := renewal.ResourceChanged(res, rr.Spec.ResourceID, rr.Spec.BaselineExpireTime.Time)
	if changed {
		r.apply(st, t)
	}
	return changed, nil
}
