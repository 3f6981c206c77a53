package controller

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// correctionCooldown is how long after changing the cloud's expiry
// mechanism the operator waits for BSS to show the change before it writes
// again, so that a slow read-back never turns into repeated writes.
const correctionCooldown = 5 * time.Minute

// mechanism is what the cloud does at expiry, as far as a RenewalPolicy cares.
type mechanism struct{ autoRenew, toOnDemand bool }

func (m mechanism) String() string {
	switch {
	case m.autoRenew:
		return "auto-renew (expire_policy 3)"
	case m.toOnDemand:
		return "pay-per-use at expiry (expire_policy 1)"
	default:
		return "neither auto-renew nor pay-per-use"
	}
}

// wantedMechanism is the mechanism a policy mode wants. Exactly one
// mechanism is active at a time: changing the policy undoes the others.
func wantedMechanism(mode billingv1alpha1.RenewalMode) mechanism {
	switch mode {
	case billingv1alpha1.RenewalModeAutoRenew:
		return mechanism{autoRenew: true}
	case billingv1alpha1.RenewalModePayPerUse:
		return mechanism{toOnDemand: true}
	default:
		return mechanism{}
	}
}

// currentMechanism reads expire_policy: only 3 means auto-renew (digest
// §7.1 rule 7) and 1 means pay-per-use at expiry (§7.5 rule 39).
func currentMechanism(res *bss.Resource) mechanism {
	return mechanism{
		autoRenew:  res.ExpirePolicy == bss.ExpirePolicyAutoRenew,
		toOnDemand: res.ExpirePolicy == bss.ExpirePolicyToPayPerUse,
	}
}

// enforceMechanism compares the cloud's expire_policy, read back on every
// refresh, with the policy. A difference (including one made in the
// console) is drift: corrected under Manage, reported under Observe.
func (r *SubscriptionReconciler) enforceMechanism(ctx context.Context, st *subState) error {
	sub, res := st.sub, st.res
	want, have := wantedMechanism(st.policy.Spec.Mode), currentMechanism(res)
	if !have.autoRenew {
		// Settings set earlier do not survive auto-renew being off.
		sub.Status.AutoRenewSettings = nil
	}
	if want == have {
		if want.autoRenew {
			if changed, err := r.enforceAutoRenewSettings(ctx, st); changed || err != nil {
				return err
			}
			if cond := condition(sub.Status.Conditions, billingv1alpha1.ConditionDriftDetected); cond != nil && cond.Reason == billingv1alpha1.ReasonAutoRenewSettingsDrift && cond.Status == metav1.ConditionTrue {
				return nil // reported, not corrected (Observe, or waiting)
			}
		}
		setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionFalse, billingv1alpha1.ReasonNoDrift,
			fmt.Sprintf("BSS shows %s, as RenewalPolicy %s wants", have, st.policy.Name))
		return nil
	}
	drift := fmt.Sprintf("BSS shows %s but RenewalPolicy %s (mode %s) wants %s", have, st.policy.Name, st.policy.Spec.Mode, want)
	if !st.acting() {
		setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonDrift,
			drift+"; not corrected because the subscription is in Observe mode or paused")
		return nil
	}
	if res.Status == bss.ResourceExpired || res.Status == bss.ResourceFrozen {
		setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonDrift,
			drift+"; BSS does not change the expiry mechanism of expired or frozen resources (CBC.99003602, CBC.99003610)")
		return nil
	}
	if last := sub.Status.LastCorrectionTime; last != nil && st.now.Sub(last.Time) < correctionCooldown {
		setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonDrift,
			drift+"; a correction was requested at "+formatTime(last.Time)+", waiting for BSS to show it")
		st.wakeAt(last.Add(correctionCooldown))
		st.summary.working(billingv1alpha1.ReasonDrift, drift)
		return nil
	}

	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	var settings []bss.AutoRenewSettings
	if a := st.policy.Spec.AutoRenew; a != nil {
		settings = append(settings, autoRenewRequest(a))
	}
	steps := correctionSteps(have, want, settings...)
	if err := r.ensureCurrent(ctx, st); err != nil {
		return err
	}
	sub.Status.LastCorrectionTime = &metav1.Time{Time: st.now}
	for _, step := range steps {
		if err := step.apply(bctx, st.cl, res.ID); err != nil {
			setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonDrift,
				fmt.Sprintf("%s; %s failed: %v", drift, step.name, bss.Describe(err)))
			r.event(sub, "Warning", "CorrectionFailed", step.name, "%s of %s failed: %v", step.name, res.ID, err)
			st.wakeAt(st.now.Add(correctionCooldown))
			if bss.IsTerminal(err) && !bss.IsAuth(err) {
				st.summary.stalled(billingv1alpha1.ReasonDrift, fmt.Sprintf("%s; %s failed: %v", drift, step.name, bss.Describe(err)))
				return nil
			}
			return r.bssTrouble(st, step.name, err)
		}
		if step.name == stepEnableAutoRenew {
			r.recordAutoRenew(st)
		}
		r.event(sub, "Normal", "ExpirePolicyCorrected", step.name, "%s for %s: %s", step.name, res.ID, drift)
		logger(ctx).Info("corrected expiry mechanism", "step", step.name, "resourceID", res.ID)
	}
	// Read back: only BSS saying so ends the drift.
	found, err := r.Inventory.Lookup(bctx, st.acct.Key, st.acct.BSS, []string{res.ID})
	if err != nil {
		return r.bssTrouble(st, "read back the expiry mechanism", err)
	}
	if fresh, ok := found[res.ID]; ok {
		st.res = &fresh
		sub.Status.Resource.ExpirePolicy = fresh.ExpirePolicy.String()
		if currentMechanism(&fresh) == want {
			setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionFalse, billingv1alpha1.ReasonNoDrift,
				fmt.Sprintf("corrected: BSS now shows %s", want))
			return nil
		}
	}
	setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonDrift,
		drift+"; correction requested, waiting for BSS to show it")
	st.summary.working(billingv1alpha1.ReasonDrift, drift)
	st.wakeAt(st.now.Add(correctionCooldown))
	return nil
}

// correctionStep is one write that moves the cloud toward the wanted mechanism.
type correctionStep struct {
	name  string
	apply func(ctx context.Context, cl bss.Client, id string) error
}

// stepEnableAutoRenew names the step that switches cloud auto-renew on.
const stepEnableAutoRenew = "EnableAutoRenew"

// correctionSteps lists the writes from have to want: first undo the
// mechanism that must go, then set the one that must be on, auto-renew
// with the policy's settings, if any.
func correctionSteps(have, want mechanism, settings ...bss.AutoRenewSettings) []correctionStep {
	var steps []correctionStep
	if have.autoRenew && !want.autoRenew {
		steps = append(steps, correctionStep{"DisableAutoRenew", func(ctx context.Context, cl bss.Client, id string) error {
			err := cl.DisableAutoRenew(ctx, id)
			if bss.HasCode(err, bss.CodeAutoRenewAlreadyOff) {
				return nil // already off: the desired state (digest §7.11)
			}
			return err
		}})
	}
	if have.toOnDemand && !want.toOnDemand {
		steps = append(steps, correctionStep{"CancelPayPerUseAtExpiry", toOnDemand(bss.ToOnDemandCancel)})
	}
	if want.toOnDemand && !have.toOnDemand {
		steps = append(steps, correctionStep{"SetPayPerUseAtExpiry", toOnDemand(bss.ToOnDemandSetUp)})
	}
	if want.autoRenew && !have.autoRenew {
		steps = append(steps, correctionStep{stepEnableAutoRenew, func(ctx context.Context, cl bss.Client, id string) error {
			return cl.EnableAutoRenew(ctx, id, settings...)
		}})
	}
	return steps
}

func toOnDemand(op bss.ToOnDemandOperation) func(ctx context.Context, cl bss.Client, id string) error {
	return func(ctx context.Context, cl bss.Client, id string) error {
		_, err := cl.SetToOnDemand(ctx, bss.ToOnDemandRequest{Operation: op, ResourceIDs: []string{id}})
		return err
	}
}
