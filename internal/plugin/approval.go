package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// decisionCommand is `kubectl bss approve|deny RENEWALREQUEST`.
func (a *App) decisionCommand(decision billingv1alpha1.ApprovalDecision) *cobra.Command {
	var reason, maxAmount string
	verb := strings.ToLower(string(decision))
	cmd := &cobra.Command{
		Use: verb + " RENEWALREQUEST",
		Short: map[billingv1alpha1.ApprovalDecision]string{
			billingv1alpha1.DecisionApprove: "Approve a renewal waiting for approval, up to its quote or --max-amount",
			billingv1alpha1.DecisionDeny:    "Deny a renewal waiting for approval; nothing is ordered",
		}[decision],
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := a.target()
			if err != nil {
				return err
			}
			return a.decide(cmd.Context(), t, args[0], decision, reason, maxAmount)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded in spec.approval.reason; required to deny)")
	if decision == billingv1alpha1.DecisionApprove {
		cmd.Flags().StringVar(&maxAmount, "max-amount", "",
			"the most you allow, in the quote's currency (default: the quote shown now)")
	}
	return cmd
}

// decide writes spec.approval with the caller's identity as approver.
func (a *App) decide(ctx context.Context, t Target, name string, decision billingv1alpha1.ApprovalDecision, reason, maxAmount string) error {
	if decision == billingv1alpha1.DecisionDeny && strings.TrimSpace(reason) == "" {
		return errors.New("deny needs --reason: it is recorded with the decision")
	}
	var rr billingv1alpha1.RenewalRequest
	if err := t.Client.Get(ctx, client.ObjectKey{Namespace: t.Namespace, Name: name}, &rr); err != nil {
		return fmt.Errorf("get renewalrequest %s/%s: %w", t.Namespace, name, err)
	}
	if a := rr.Spec.Approval; a != nil && rr.Status.ApprovalState != billingv1alpha1.ApprovalStateRequiredAgain {
		// Only when the operator asks again (the price rose above what was
		// approved) may a new decision replace the old one.
		return fmt.Errorf("renewalrequest %s was already decided (%s by %s); a decision cannot be changed", name, a.Decision, a.Approver)
	}
	if rr.Status.Phase.Finished() {
		return fmt.Errorf("renewalrequest %s has ended (%s): nothing to decide", name, rr.Status.Phase)
	}
	approval := billingv1alpha1.RenewalApproval{Decision: decision, Reason: reason}
	if maxAmount != "" {
		if _, err := decimal.NewFromString(maxAmount); err != nil {
			return fmt.Errorf("--max-amount %q is not an amount", maxAmount)
		}
		q := rr.Status.Quote
		if q == nil || q.Price.Currency == "" {
			return fmt.Errorf("renewalrequest %s has no quote yet, so --max-amount has no currency; wait for the quote", name)
		}
		approval.MaxAmount = &billingv1alpha1.Money{Amount: maxAmount, Currency: q.Price.Currency}
	}
	user, err := whoAmI(ctx, t.Client)
	if err != nil {
		return err
	}
	approval.Approver = user
	if rr.Spec.Approval != nil && decision == billingv1alpha1.DecisionApprove && approval.MaxAmount == nil && rr.Status.Quote != nil {
		// A new approval replacing one whose amount the price outgrew
		// names the amount shown now: that is what is approved, and it
		// makes the new decision differ from the old one.
		approval.MaxAmount = rr.Status.Quote.Price.DeepCopy()
	}
	// Fields left out are removed (null in a merge patch), so that a new
	// decision carries nothing over from the one it replaces.
	body := map[string]any{"decision": approval.Decision, "approver": approval.Approver, "reason": nil, "maxAmount": nil}
	if approval.Reason != "" {
		body["reason"] = approval.Reason
	}
	if approval.MaxAmount != nil {
		body["maxAmount"] = approval.MaxAmount
	}
	// The resourceVersion makes the patch fail if the request changed
	// since it was read (another approver was quicker).
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": rr.ResourceVersion},
		"spec":     map[string]any{"approval": body},
	})
	if err != nil {
		return fmt.Errorf("build patch: %w", err)
	}
	if err := t.Client.Patch(ctx, &rr, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("%s renewalrequest %s/%s: %w", strings.ToLower(string(decision)), t.Namespace, name, err)
	}
	quote := ""
	if q := rr.Status.Quote; q != nil {
		quote = " (quote " + money(&q.Price) + ")"
	}
	printf(a.Out, "renewalrequest/%s %s by %s%s\n", name, map[billingv1alpha1.ApprovalDecision]string{
		billingv1alpha1.DecisionApprove: "approved", billingv1alpha1.DecisionDeny: "denied"}[decision], user, quote)
	return nil
}

// whoAmI asks the API server who the caller is (SelfSubjectReview), so the
// recorded approver is the authenticated identity, not a name typed in.
func whoAmI(ctx context.Context, c client.Client) (string, error) {
	review := &authenticationv1.SelfSubjectReview{}
	if err := c.Create(ctx, review); err != nil {
		return "", fmt.Errorf("ask the API server who you are (SelfSubjectReview, Kubernetes 1.28+): %w", err)
	}
	if u := review.Status.UserInfo.Username; u != "" {
		return u, nil
	}
	return "", errors.New("the API server did not say who you are (SelfSubjectReview returned no user name)")
}
