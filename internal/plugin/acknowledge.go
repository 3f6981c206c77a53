package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// acknowledgeCommand is `kubectl bss acknowledge-unknown-outcome SUBSCRIPTION`.
func (a *App) acknowledgeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "acknowledge-unknown-outcome SUBSCRIPTION",
		Short: "After checking the orders in the BSS console, let a Subscription stalled on a renewal whose outcome is unknown start new attempts (each searches BSS for orders first)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := a.target()
			if err != nil {
				return err
			}
			return a.acknowledge(cmd.Context(), t, args[0])
		},
	}
}

// acknowledge shows the evidence of the unknown outcome and sets the
// acknowledge annotation to the attempt's name, which is what the operator
// requires: an acknowledgement names the attempt it is about.
func (a *App) acknowledge(ctx context.Context, t Target, name string) error {
	sub, err := getSubscription(ctx, t, name)
	if err != nil {
		return err
	}
	u := sub.Status.UnknownRenewalOutcome
	if u == nil {
		return fmt.Errorf("subscription %s has no renewal whose outcome is unknown; nothing to acknowledge", name)
	}
	printf(a.Out, "renewal %s ended after %d renew calls whose outcome is unknown\n", u.RequestName, u.RenewCalls)
	printf(a.Out, "  intent recorded: %s, ended: %s\n", timeOrDash(u.OrderIntentTime), timeOrDash(u.EndTime))
	printf(a.Out, "  last message: %s\n", dash(u.AttemptMessage))
	printf(a.Out, "  order search: %s\n", dash(u.LookupResult))
	if len(u.FoundOrderIDs) > 0 {
		printf(a.Out, "  orders found: %s\n", strings.Join(u.FoundOrderIDs, ", "))
	}
	if u.AcknowledgedTime != nil {
		printf(a.Out, "subscription/%s: already acknowledged at %s\n", name, u.AcknowledgedTime.UTC().Format(time.RFC3339))
		return nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		billingv1alpha1.AnnotationAcknowledgeUnknownOutcome: u.RequestName}}})
	if err != nil {
		return fmt.Errorf("build patch: %w", err)
	}
	obj := &billingv1alpha1.Subscription{}
	obj.Namespace, obj.Name = t.Namespace, name
	if err := t.Client.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("annotate subscription %s/%s: %w", t.Namespace, name, err)
	}
	printf(a.Out, "subscription/%s acknowledged (%s=%s); new attempts search BSS for orders before ordering\n",
		name, billingv1alpha1.AnnotationAcknowledgeUnknownOutcome, u.RequestName)
	return nil
}

// timeOrDash renders an optional time, "-" when unset.
func timeOrDash(t *metav1.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
