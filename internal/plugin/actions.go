package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// defaultWait bounds --wait.
const defaultWait = 5 * time.Minute

// quoteCommand is `kubectl bss quote SUBSCRIPTION [--refresh]`.
func (a *App) quoteCommand() *cobra.Command {
	var refresh bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "quote SUBSCRIPTION",
		Short: "Show the last renewal price quoted for a Subscription; --refresh asks for a new quote first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := a.target()
			if err != nil {
				return err
			}
			if refresh {
				if err := a.refresh(cmd.Context(), t, args[0], true, timeout); err != nil {
					return err
				}
			}
			return a.quote(cmd.Context(), t, args[0])
		},
	}
	cmd.Flags().BoolVar(&refresh, "refresh", false, "read the resource and quote again first, and wait for it")
	cmd.Flags().DurationVar(&timeout, "timeout", defaultWait, "how long --refresh waits")
	return cmd
}

// quote prints a Subscription's last quote.
func (a *App) quote(ctx context.Context, t Target, name string) error {
	sub, err := getSubscription(ctx, t, name)
	if err != nil {
		return err
	}
	q := sub.Status.LastQuote
	if q == nil {
		printf(a.Out, "%s has no quote: %s\n", name, dash(sub.Status.PlannedAction))
		return nil
	}
	period := ""
	if q.Period != nil {
		period = fmt.Sprintf(" for %d %s", q.Period.Count, q.Period.Unit)
	}
	quoted := ""
	if q.QuotedAt != nil {
		quoted = " (quoted " + q.QuotedAt.UTC().Format(time.RFC3339) + ")"
	}
	printf(a.Out, "%s: renewal of %s%s costs %s%s\n", name, sub.Spec.ResourceID, period, money(&q.Price), quoted)
	if q.OfficialPrice != nil && *q.OfficialPrice != q.Price {
		printf(a.Out, "  list price %s, discount %s\n", money(q.OfficialPrice), money(q.Discount))
	}
	printf(a.Out, "  next action: %s\n", dash(sub.Status.PlannedAction))
	return nil
}

// refreshCommand is `kubectl bss refresh SUBSCRIPTION [--wait]`.
func (a *App) refreshCommand() *cobra.Command {
	var wait bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "refresh SUBSCRIPTION",
		Short: "Read the Subscription's resource from BSS and quote again now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := a.target()
			if err != nil {
				return err
			}
			return a.refresh(cmd.Context(), t, args[0], wait, timeout)
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the operator has refreshed it")
	cmd.Flags().DurationVar(&timeout, "timeout", defaultWait, "how long --wait waits")
	return cmd
}

// refresh sets the refresh annotation to a new value and, with wait,
// waits until the operator reports it handled.
func (a *App) refresh(ctx context.Context, t Target, name string, wait bool, timeout time.Duration) error {
	value, err := a.annotate(ctx, t, name, billingv1alpha1.AnnotationRefresh)
	if err != nil {
		return err
	}
	printf(a.Out, "subscription/%s refresh requested (%s=%s)\n", name, billingv1alpha1.AnnotationRefresh, value)
	if !wait {
		return nil
	}
	return a.waitFor(ctx, timeout, "the operator to refresh "+name, func(ctx context.Context) (bool, error) {
		sub, err := getSubscription(ctx, t, name)
		if err != nil {
			return false, err
		}
		return sub.Status.RefreshHandled == value, nil
	})
}

// renewCommand is `kubectl bss renew SUBSCRIPTION [--wait]`.
func (a *App) renewCommand() *cobra.Command {
	var wait bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "renew SUBSCRIPTION",
		Short: "Start a renewal now instead of at renewalTime (price cap, approval, budget and window still apply)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := a.target()
			if err != nil {
				return err
			}
			return a.renew(cmd.Context(), t, args[0], wait, timeout)
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the renewal until it ends")
	cmd.Flags().DurationVar(&timeout, "timeout", defaultWait, "how long --wait waits")
	return cmd
}

// renew sets the renew-now annotation and, with wait, follows the
// RenewalRequest the operator starts until it ends.
func (a *App) renew(ctx context.Context, t Target, name string, wait bool, timeout time.Duration) error {
	sub, err := getSubscription(ctx, t, name)
	if err != nil {
		return err
	}
	if sub.Spec.ManagementPolicy != billingv1alpha1.ManagementManage || sub.Spec.Paused {
		return fmt.Errorf("subscription %s is in %s mode%s: the operator will not renew it; set spec.managementPolicy to Manage first",
			name, sub.Spec.ManagementPolicy, map[bool]string{true: " and paused", false: ""}[sub.Spec.Paused])
	}
	value, err := a.annotate(ctx, t, name, billingv1alpha1.AnnotationRenewNow)
	if err != nil {
		return err
	}
	printf(a.Out, "subscription/%s renewal requested (%s=%s)\n", name, billingv1alpha1.AnnotationRenewNow, value)
	if !wait {
		return nil
	}
	var request string
	if err := a.waitFor(ctx, timeout, "the operator to start the renewal of "+name, func(ctx context.Context) (bool, error) {
		s, err := getSubscription(ctx, t, name)
		if err != nil {
			return false, err
		}
		if s.Status.RenewNowHandled != value {
			return false, nil
		}
		request = s.Status.ActiveRequest
		if request == "" && s.Status.LastRenewal != nil {
			request = s.Status.LastRenewal.RequestName
		}
		if request == "" {
			return false, fmt.Errorf("the operator handled the request but started no renewal: %s", dash(s.Status.PlannedAction))
		}
		return true, nil
	}); err != nil {
		return err
	}
	printf(a.Out, "renewalrequest/%s started\n", request)
	last := billingv1alpha1.RenewalPhase("")
	return a.waitFor(ctx, timeout, "renewalrequest "+request+" to end", func(ctx context.Context) (bool, error) {
		var rr billingv1alpha1.RenewalRequest
		if err := t.Client.Get(ctx, client.ObjectKey{Namespace: t.Namespace, Name: request}, &rr); err != nil {
			return false, fmt.Errorf("get renewalrequest %s: %w", request, err)
		}
		if rr.Status.Phase != last && rr.Status.Phase != "" {
			last = rr.Status.Phase
			printf(a.Out, "renewalrequest/%s %s: %s\n", request, last, dash(rr.Status.Message))
		}
		if !rr.Status.Phase.Finished() {
			return false, nil
		}
		if rr.Status.Phase != billingv1alpha1.RenewalPhaseSucceeded {
			return true, fmt.Errorf("renewal %s ended %s: %s", request, rr.Status.Phase, rr.Status.Message)
		}
		return true, nil
	})
}

// annotate sets an annotation of a Subscription to a new value (the time
// in nanoseconds) with a merge patch, and returns the value.
func (a *App) annotate(ctx context.Context, t Target, name, annotation string) (string, error) {
	value := a.Now().UTC().Format(time.RFC3339Nano)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{annotation: value}}})
	if err != nil {
		return "", fmt.Errorf("build patch: %w", err)
	}
	sub := &billingv1alpha1.Subscription{}
	sub.Namespace, sub.Name = t.Namespace, name
	if err := t.Client.Patch(ctx, sub, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return "", fmt.Errorf("annotate subscription %s/%s: %w", t.Namespace, name, err)
	}
	return value, nil
}

// getSubscription reads a Subscription of the target namespace.
func getSubscription(ctx context.Context, t Target, name string) (*billingv1alpha1.Subscription, error) {
	var sub billingv1alpha1.Subscription
	if err := t.Client.Get(ctx, client.ObjectKey{Namespace: t.Namespace, Name: name}, &sub); err != nil {
		return nil, fmt.Errorf("get subscription %s/%s: %w", t.Namespace, name, err)
	}
	return &sub, nil
}
