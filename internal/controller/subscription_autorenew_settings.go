package controller

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// autoRenewSettled reports whether what the operator last set with 6.3.4
// (applied) is what the policy's autoRenew asks for (want). A policy that
// asks nothing leaves the settings to BSS and is always settled. BSS does
// not report the settings (6.3.1 has no such field; SDK
// AutoRenewalResourcesReq), so this is the only comparison there is.
func autoRenewSettled(want *billingv1alpha1.AutoRenewSpec, applied *billingv1alpha1.AppliedAutoRenew) bool {
	if want == nil {
		return true
	}
	if applied == nil || applied.PeriodUnit != want.PeriodUnit {
		return false
	}
	switch {
	case want.Times == nil:
		return applied.Times == nil
	case applied.Times == nil:
		return false
	}
	return *want.Times == *applied.Times
}

// autoRenewRequest is 6.3.4's body for the policy's settings. The number
// of renewals is always sent, 0 for no limit: on a resource whose
// auto-renew is already on BSS changes it only when it is sent.
func autoRenewRequest(want *billingv1alpha1.AutoRenewSpec) bss.AutoRenewSettings {
	times := 0
	if want.Times != nil {
		times = int(*want.Times)
	}
	s := bss.AutoRenewSettings{Times: &times}
	switch want.PeriodUnit {
	case billingv1alpha1.PeriodUnitMonth:
		pt := bss.PeriodMonth
		s.PeriodType = &pt
	case billingv1alpha1.PeriodUnitYear:
		pt := bss.PeriodYear
		s.PeriodType = &pt
	}
	return s
}

// describeAutoRenew renders settings for a message.
func describeAutoRenew(unit billingv1alpha1.PeriodUnit, times *int32) string {
	u := "the unit of the last order"
	if unit != "" {
		u = "one " + string(unit)
	}
	n := "no limit"
	if times != nil {
		n = fmt.Sprintf("%d times", *times)
	}
	return fmt.Sprintf("renew by %s, %s", u, n)
}

// enforceAutoRenewSettings applies the policy's auto-renew settings to a
// resource whose cloud auto-renew is on, when they differ from what the
// operator last set: a person switched auto-renew on in the console (with
// settings nobody can read back), or the policy changed. Under Observe it
// only reports the drift. It reports whether it changed anything.
func (r *SubscriptionReconciler) enforceAutoRenewSettings(ctx context.Context, st *subState) (bool, error) {
	sub, res := st.sub, st.res
	want := st.policy.Spec.AutoRenew
	if autoRenewSettled(want, sub.Status.AutoRenewSettings) {
		return false, nil
	}
	drift := fmt.Sprintf("RenewalPolicy %s wants cloud auto-renew to %s, but the operator has not set that (BSS does not report auto-renew settings; auto-renew may have been switched on in the console)",
		st.policy.Name, describeAutoRenew(want.PeriodUnit, want.Times))
	if a := sub.Status.AutoRenewSettings; a != nil {
		drift = fmt.Sprintf("RenewalPolicy %s wants cloud auto-renew to %s; the operator set it to %s at %s",
			st.policy.Name, describeAutoRenew(want.PeriodUnit, want.Times), describeAutoRenew(a.PeriodUnit, a.Times), formatMetaTime(a.AppliedTime))
	}
	if !st.acting() {
		setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonAutoRenewSettingsDrift,
			drift+"; not corrected because the subscription is in Observe mode or paused")
		return false, nil
	}
	if last := sub.Status.LastCorrectionTime; last != nil && st.now.Sub(last.Time) < correctionCooldown {
		setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonAutoRenewSettingsDrift,
			drift+"; a correction was made at "+formatTime(last.Time)+", waiting before the next")
		st.wakeAt(last.Add(correctionCooldown))
		return false, nil
	}
	if err := r.ensureCurrent(ctx, st); err != nil {
		return false, err
	}
	bctx, cancel := r.bssContext(ctx)
	defer cancel()
	sub.Status.LastCorrectionTime = &metav1.Time{Time: st.now}
	if err := st.cl.EnableAutoRenew(bctx, res.ID, autoRenewRequest(want)); err != nil {
		setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionTrue, billingv1alpha1.ReasonAutoRenewSettingsDrift,
			fmt.Sprintf("%s; setting them failed: %v", drift, bss.Describe(err)))
		r.event(sub, "Warning", "CorrectionFailed", "EnableAutoRenew", "setting the auto-renew of %s failed: %v", res.ID, err)
		st.wakeAt(st.now.Add(correctionCooldown))
		if bss.IsTerminal(err) && !bss.IsAuth(err) {
			st.summary.stalled(billingv1alpha1.ReasonAutoRenewSettingsDrift, fmt.Sprintf("%s; setting them failed: %v", drift, bss.Describe(err)))
			return true, nil
		}
		return true, r.bssTrouble(st, "set the auto-renew settings", err)
	}
	r.recordAutoRenew(st)
	r.event(sub, "Normal", "AutoRenewSettingsApplied", "EnableAutoRenew", "cloud auto-renew of %s set to %s", res.ID, describeAutoRenew(want.PeriodUnit, want.Times))
	setCondition(&sub.Status.Conditions, st.now, billingv1alpha1.ConditionDriftDetected, metav1.ConditionFalse, billingv1alpha1.ReasonNoDrift,
		fmt.Sprintf("cloud auto-renew set to %s", describeAutoRenew(want.PeriodUnit, want.Times)))
	return true, nil
}

// recordAutoRenew records that 6.3.4 accepted the policy's settings now
// (nothing when the policy asks for none).
func (r *SubscriptionReconciler) recordAutoRenew(st *subState) {
	want := st.policy.Spec.AutoRenew
	if want == nil {
		st.sub.Status.AutoRenewSettings = nil
		return
	}
	applied := &billingv1alpha1.AppliedAutoRenew{PeriodUnit: want.PeriodUnit, AppliedTime: &metav1.Time{Time: st.now}}
	if want.Times != nil {
		t := *want.Times
		applied.Times = &t
	}
	st.sub.Status.AutoRenewSettings = applied
}
