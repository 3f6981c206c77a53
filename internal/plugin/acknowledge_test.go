package plugin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestAcknowledgeUnknownOutcome: the command refuses a Subscription with
// nothing to acknowledge, shows the evidence, and sets the annotation to
// the name of the attempt, as the operator requires.
func TestAcknowledgeUnknownOutcome(t *testing.T) {
	ns := env.Namespace(t)
	create(t, subscription(ns, "web", billingv1alpha1.ManagementManage))
	if _, err := kubectlBSS(t, "acknowledge-unknown-outcome", "web", "-n", ns); err == nil || !strings.Contains(err.Error(), "nothing to acknowledge") {
		t.Fatalf("acknowledge without an unknown outcome: %v", err)
	}
	sub := &billingv1alpha1.Subscription{}
	sub.Namespace, sub.Name = ns, "web"
	setStatus(t, sub, func() {
		sub.Status.UnknownRenewalOutcome = &billingv1alpha1.UnknownRenewalOutcome{
			RequestName: "web-r3", RenewCalls: 3, OrderIntentTime: &metav1.Time{Time: now.Add(-time.Hour)},
			LookupTime:   &metav1.Time{Time: now},
			LookupResult: "no renewal order of ecs-web created since 2026-11-22T10:50:00Z",
		}
	})
	out, err := kubectlBSS(t, "acknowledge-unknown-outcome", "web", "-n", ns)
	if err != nil {
		t.Fatalf("acknowledge: %v\n%s", err, out)
	}
	for _, want := range []string{"renewal web-r3 ended after 3 renew calls", "no renewal order of ecs-web", "acknowledged"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(sub), sub); err != nil {
		t.Fatal(err)
	}
	if got := sub.Annotations[billingv1alpha1.AnnotationAcknowledgeUnknownOutcome]; got != "web-r3" {
		t.Fatalf("annotation %q, want the attempt's name web-r3", got)
	}
}
