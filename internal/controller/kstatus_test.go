package controller_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/argocdhealth"
)

// argoHealthDir holds the Argo CD health checks, relative to this package.
const argoHealthDir = "../../config/argocd/health"

// liveStatus reads an object from the apiserver as unstructured and returns
// its kstatus (as Flux, kpt and Helm's --wait compute it) and its Argo CD
// health. It fails until the controller has observed the object's current
// generation: before that, kstatus calls a custom resource without status
// Current, which would make these tests pass without a controller.
func liveStatus(ns, name, kind string) (status.Status, argocdhealth.Health, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: billingv1alpha1.GroupVersion.Group, Version: billingv1alpha1.GroupVersion.Version, Kind: kind})
	if err := getErr(ns, name, u); err != nil {
		return "", argocdhealth.Health{}, err
	}
	observed, found, err := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if err != nil || !found || observed != u.GetGeneration() {
		return "", argocdhealth.Health{}, fmt.Errorf("%s %s: generation %d not observed yet (status.observedGeneration %d)", kind, name, u.GetGeneration(), observed)
	}
	res, err := status.Compute(u)
	if err != nil {
		return "", argocdhealth.Health{}, fmt.Errorf("kstatus of %s %s: %w", kind, name, err)
	}
	script, err := argocdhealth.ReadScript(argoHealthDir, kind)
	if err != nil {
		return "", argocdhealth.Health{}, err
	}
	// Argo CD's os.time() is the controllers' business time here.
	health, err := argocdhealth.VM{Now: h.clock.Now}.Evaluate(script, u.Object)
	if err != nil {
		return "", argocdhealth.Health{}, fmt.Errorf("Argo CD health of %s %s: %w", kind, name, err)
	}
	return res.Status, health, nil
}

// TestKstatusLive creates objects in the states that matter to GitOps tools
// and checks what kstatus and the Argo CD health checks make of the status
// the real controllers write: Current/Healthy when Ready, InProgress/
// Progressing while work is under way, Failed/Degraded when Stalled.
func TestKstatusLive(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	lapse := h.newResource(t, a, resourceOpts{expiresIn: 60 * day})
	auto := h.newResource(t, a, resourceOpts{expiresIn: 60 * day, autoRenew: true})
	due := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	primary := h.newResource(t, a, resourceOpts{expiresIn: 60 * day, attached: 1})
	lapsed := h.newResource(t, a, resourceOpts{expiresIn: -day})
	// Expired, under a policy that renews (within the grace period) once
	// a person approves.
	expiredDue := h.newResource(t, a, resourceOpts{expiresIn: -day})
	// Due, under a policy that renews: paused, it must still do nothing.
	pausedDue := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	twinDue := h.newResource(t, a, resourceOpts{expiresIn: 5 * day})
	pausedExpiry := simResource(t, pausedDue).ExpireTime

	mustCreate(t, modePolicy(ns, "lapse", billingv1alpha1.RenewalModeLapse))
	mustCreate(t, modePolicy(ns, "auto", billingv1alpha1.RenewalModeAutoRenew))
	mustCreate(t, renewPolicy(ns, "approve", func(r *billingv1alpha1.RenewSpec) {
		r.Approval = billingv1alpha1.ApprovalSpec{Policy: billingv1alpha1.ApprovalAlways}
	}))
	mustCreate(t, renewPolicy(ns, "monthly"))
	paused := subscription(ns, "paused", pausedDue, "monthly", billingv1alpha1.ManagementManage)
	paused.Spec.Paused = true
	for _, sub := range []*billingv1alpha1.Subscription{
		subscription(ns, "lapse", lapse, "lapse", billingv1alpha1.ManagementManage),
		subscription(ns, "auto", auto, "auto", billingv1alpha1.ManagementManage),
		subscription(ns, "approval", due, "approve", billingv1alpha1.ManagementManage),
		subscription(ns, "observe", due, "approve", billingv1alpha1.ManagementObserve),
		subscription(ns, "attached", primary+"-evs-0", "lapse", billingv1alpha1.ManagementManage),
		subscription(ns, "missing", "ecs-does-not-exist", "lapse", billingv1alpha1.ManagementManage),
		subscription(ns, "lapsed", lapsed, "lapse", billingv1alpha1.ManagementManage),
		subscription(ns, "expired-renewing", expiredDue, "approve", billingv1alpha1.ManagementManage),
		paused,
		// The same as paused, not paused: it renews.
		subscription(ns, "twin", twinDue, "monthly", billingv1alpha1.ManagementManage),
	} {
		mustCreate(t, sub)
	}

	cases := []struct {
		name, kind string
		kstatus    status.Status
		argo       string
		why        string
	}{
		{"lapse", "Subscription", status.CurrentStatus, argocdhealth.Healthy, "Ready: Lapse policy, nothing to do"},
		{"auto", "Subscription", status.CurrentStatus, argocdhealth.Healthy, "Ready: the cloud's auto-renew is on"},
		{"observe", "Subscription", status.CurrentStatus, argocdhealth.Healthy, "Ready: Observe reports what it would do"},
		{"approval", "Subscription", status.InProgressStatus, argocdhealth.Progressing, "Reconciling: the renewal waits for approval"},
		{"approval-r1", "RenewalRequest", status.InProgressStatus, argocdhealth.Suspended, "Reconciling: AwaitingApproval; Suspended: waits for a person"},
		{"attached", "Subscription", status.FailedStatus, argocdhealth.Degraded, "Stalled: an attached resource's ID"},
		{"missing", "Subscription", status.FailedStatus, argocdhealth.Degraded, "Stalled: BSS has no such resource"},
		// Issue 16, path 12: expired as its Lapse policy declares is done
		// (Ready=True, Lapsed), so a Flux or kstatus wait ends; and an
		// expired one whose renewal is under way is in progress, not
		// failed.
		{"lapsed", "Subscription", status.CurrentStatus, argocdhealth.Healthy, "expired, as its Lapse policy declares"},
		{"expired-renewing", "Subscription", status.InProgressStatus, argocdhealth.Progressing, "expired, its renewal waits for approval"},
		{"paused", "Subscription", status.CurrentStatus, argocdhealth.Suspended, "paused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eventually(t, 30*time.Second, func() error {
				ks, health, err := liveStatus(ns, tc.name, tc.kind)
				if err != nil {
					return err
				}
				if ks != tc.kstatus || health.Status != tc.argo {
					return fmt.Errorf("%s (%s): kstatus %s, Argo CD %s (%s); want %s and %s", tc.name, tc.why, ks, health.Status, health.Message, tc.kstatus, tc.argo)
				}
				return nil
			})
		})
	}

	// The paused Subscription would renew if it were not paused: its twin
	// did, and a pass over it, for its current generation, planned the
	// renewal it may not make. It neither started a renewal nor changed
	// the resource.
	waitRequest(t, ns, "twin-r1", 30*time.Second, billingv1alpha1.RenewalPhaseSucceeded)
	waitSub(t, ns, "paused", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Status.ObservedGeneration != s.Generation {
			return fmt.Errorf("observedGeneration %d, generation %d", s.Status.ObservedGeneration, s.Generation)
		}
		if !strings.HasPrefix(s.Status.PlannedAction, "would renew") {
			return fmt.Errorf("plannedAction %q, want the renewal it would make", s.Status.PlannedAction)
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})
	var rr billingv1alpha1.RenewalRequest
	if err := getErr(ns, "paused-r1", &rr); !apierrors.IsNotFound(err) {
		t.Fatalf("the paused Subscription started a renewal: %v (phase %s)", err, rr.Status.Phase)
	}
	if got := simResource(t, pausedDue).ExpireTime; !got.Equal(pausedExpiry) {
		t.Fatalf("the paused Subscription's resource was renewed: expiry %v -> %v", pausedExpiry, got)
	}
}

// TestKstatusRules pins down the kstatus rules the operator relies on, on
// objects shaped as the controllers write them. It documents a kstatus gap
// too: a custom resource that has no status yet is Current, so a tool that
// waits for Current right after applying must also wait for
// status.observedGeneration (docs/argocd.md).
func TestKstatusRules(t *testing.T) {
	cond := func(typ, st, reason string) map[string]any {
		return map[string]any{"type": typ, "status": st, "reason": reason, "message": reason}
	}
	cases := []struct {
		name   string
		status map[string]any
		want   status.Status
	}{
		{"no status yet", nil, status.CurrentStatus},
		{"generation not observed", map[string]any{"observedGeneration": int64(1), "conditions": []any{cond("Ready", "True", "UpToDate")}}, status.InProgressStatus},
		// The controllers write Reconciling and Stalled only while True.
		{"ready", map[string]any{"observedGeneration": int64(2), "conditions": []any{
			cond("Ready", "True", "UpToDate"), cond("Renewing", "False", "UpToDate")}}, status.CurrentStatus},
		{"reconciling", map[string]any{"observedGeneration": int64(2), "conditions": []any{
			cond("Ready", "True", "UpToDate"), cond("Reconciling", "True", "Renewing")}}, status.InProgressStatus},
		{"stalled", map[string]any{"observedGeneration": int64(2), "conditions": []any{
			cond("Ready", "False", "ResourceNotFound"), cond("Stalled", "True", "ResourceNotFound")}}, status.FailedStatus},
		// Objects written before Reconciling and Stalled were removed when
		// False read the same.
		{"ready, False copies", map[string]any{"observedGeneration": int64(2), "conditions": []any{
			cond("Ready", "True", "UpToDate"), cond("Reconciling", "False", "Succeeded"), cond("Stalled", "False", "Succeeded")}}, status.CurrentStatus},
		// After Reconciling and Stalled, kstatus falls back to Ready, and
		// reads Ready=False as InProgress whatever the reason: a transient
		// wait (Throttled) and a dead end the controller does not mark
		// Stalled (an expired managed subscription, a Failed or Denied
		// RenewalRequest) look the same.
		{"not ready, throttled", map[string]any{"observedGeneration": int64(2), "conditions": []any{
			cond("Ready", "False", "Throttled")}}, status.InProgressStatus},
		{"expired, not stalled", map[string]any{"observedGeneration": int64(2), "conditions": []any{
			cond("Ready", "False", "Expired"), cond("Expired", "True", "Expired")}}, status.InProgressStatus},
		// So the controller writes an expired Lapse subscription Ready,
		// and an expired one that is being renewed Reconciling.
		{"lapsed", map[string]any{"observedGeneration": int64(2), "conditions": []any{
			cond("Ready", "True", "Lapsed"), cond("Expired", "True", "Expired")}}, status.CurrentStatus},
		{"expired, renewing", map[string]any{"observedGeneration": int64(2), "conditions": []any{
			cond("Ready", "False", "Expired"), cond("Expired", "True", "Expired"), cond("Reconciling", "True", "Renewing")}}, status.InProgressStatus},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": billingv1alpha1.GroupVersion.String(), "kind": "Subscription",
				"metadata": map[string]any{"name": "web", "namespace": "team", "generation": int64(2)},
			}}
			if tc.status != nil {
				u.Object["status"] = tc.status
			}
			res, err := status.Compute(u)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.want {
				t.Errorf("kstatus %s (%s), want %s", res.Status, res.Message, tc.want)
			}
		})
	}
}
