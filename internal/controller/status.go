package controller

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// setCondition sets a condition, stamping a transition with business time,
// and reports whether the condition's status changed (a transition).
func setCondition(conds *[]metav1.Condition, now time.Time, typ string, status metav1.ConditionStatus, reason, message string) bool {
	old := meta.FindStatusCondition(*conds, typ)
	changed := old == nil || old.Status != status
	meta.SetStatusCondition(conds, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: truncate(message, 32768),
		LastTransitionTime: metav1.NewTime(now.Truncate(time.Second)),
	})
	return changed
}

// condition returns a condition or nil.
func condition(conds []metav1.Condition, typ string) *metav1.Condition {
	return meta.FindStatusCondition(conds, typ)
}

// truncate shortens s to at most n bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// formatTime renders a business time for status strings (RFC 3339, UTC).
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// readiness collects, during one reconcile, why an object is not Ready,
// stalled, or still working; the first reason of each kind wins.
type readiness struct {
	notReadyReason, notReadyMessage string
	stalledReason, stalledMessage   string
	workReason, workMessage         string
	readyReason, readyMessage       string
}

// notReady records why the object is not Ready.
func (r *readiness) notReady(reason, message string) {
	if r.notReadyReason == "" {
		r.notReadyReason, r.notReadyMessage = reason, message
	}
}

// stalled records a dead end that needs a person; the object is not Ready.
func (r *readiness) stalled(reason, message string) {
	if r.stalledReason == "" {
		r.stalledReason, r.stalledMessage = reason, message
	}
	r.notReady(reason, message)
}

// working records work under way (kstatus InProgress).
func (r *readiness) working(reason, message string) {
	if r.workReason == "" {
		r.workReason, r.workMessage = reason, message
	}
}

// ready records the reason to show while Ready is True.
func (r *readiness) ready(reason, message string) {
	if r.readyReason == "" {
		r.readyReason, r.readyMessage = reason, message
	}
}

// apply writes Ready, Reconciling and Stalled. Ready is always present;
// Reconciling and Stalled, which kstatus reads in the abnormal-true
// polarity, are present only while True and removed once the work is done
// or the dead end resolved, as Flux's controllers do: a False copy would
// say nothing that Ready does not, and every condition an object carries
// is decoded, validated and stored again on each status write (issue 7).
func (r *readiness) apply(conds *[]metav1.Condition, now time.Time) {
	if r.notReadyReason != "" {
		setCondition(conds, now, billingv1alpha1.ConditionReady, metav1.ConditionFalse, r.notReadyReason, r.notReadyMessage)
	} else {
		reason, msg := r.readyReason, r.readyMessage
		if reason == "" {
			reason, msg = billingv1alpha1.ReasonUpToDate, "in the desired state"
		}
		setCondition(conds, now, billingv1alpha1.ConditionReady, metav1.ConditionTrue, reason, msg)
	}
	if r.stalledReason != "" {
		setCondition(conds, now, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, r.stalledReason, r.stalledMessage)
	} else {
		meta.RemoveStatusCondition(conds, billingv1alpha1.ConditionStalled)
	}
	if r.workReason != "" {
		setCondition(conds, now, billingv1alpha1.ConditionReconciling, metav1.ConditionTrue, r.workReason, r.workMessage)
	} else {
		meta.RemoveStatusCondition(conds, billingv1alpha1.ConditionReconciling)
	}
}

// observed converts a BSS resource into its status form. Its expiry goes
// to status.expireTime, set next to it.
func observed(res bss.Resource, attached []bss.Resource) *billingv1alpha1.ObservedResource {
	out := &billingv1alpha1.ObservedResource{
		Name:                  res.Name,
		ServiceTypeCode:       res.ServiceTypeCode,
		ResourceTypeCode:      res.ResourceTypeCode,
		RegionCode:            res.Region,
		ProjectID:             res.ProjectID,
		EnterpriseProjectID:   res.EnterpriseProject.ID,
		EnterpriseProjectName: res.EnterpriseProject.Name,
		Status:                res.Status.String(),
		EffectiveTime:         metaTime(res.EffectiveTime),
		ExpirePolicy:          res.ExpirePolicy.String(),
		SpecDescription:       res.SpecDesc,
		Primary:               res.IsMain,
	}
	for _, a := range attached {
		if len(out.Attached) == 100 {
			break
		}
		out.Attached = append(out.Attached, billingv1alpha1.AttachedResource{
			ID: a.ID, Name: a.Name, ResourceTypeCode: a.ResourceTypeCode, ExpireTime: metaTime(a.ExpireTime),
		})
	}
	return out
}

// metaTime converts a time, nil for zero.
func metaTime(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	return &metav1.Time{Time: t.UTC()}
}
