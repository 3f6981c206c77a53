package controller

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/notify"
)

// readWebhookURL reads a webhook URL from key "url" of a Secret and checks
// it against the manager's webhook policy. Shared by BudgetAlert webhooks
// and the notification sinks of BillingAccounts. Errors never echo the
// URL, which often embeds a token; a URL the policy refuses is a
// *webhookRefused.
func readWebhookURL(ctx context.Context, secrets *accounts.Resolver, policy notify.Policy, namespace, name string) (string, error) {
	s, err := secrets.Secret(ctx, client.ObjectKey{Namespace: namespace, Name: name})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return "", fmt.Errorf("webhook Secret %q not found", name)
		}
		return "", fmt.Errorf("get webhook Secret %q: %w", name, err)
	}
	raw := string(s.Data[notify.URLKey])
	if _, err := notify.ParseURL(raw); err != nil {
		return "", fmt.Errorf("webhook Secret %q needs an http(s) URL in key %q", name, notify.URLKey)
	}
	if _, err := policy.CheckURL(raw); err != nil {
		// CheckURL's errors do not carry the URL either.
		return "", &webhookRefused{secret: name, err: err}
	}
	return raw, nil
}

// webhookRefused is a webhook URL the manager's webhook policy refuses.
type webhookRefused struct {
	secret string
	err    error
}

func (e *webhookRefused) Error() string {
	return fmt.Sprintf("the URL in webhook Secret %q is refused: %v", e.secret, e.err)
}

// Unwrap lets notify.NotAllowed see the policy's refusal.
func (e *webhookRefused) Unwrap() error { return e.err }
