package accounts

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// ClientFactory builds BSS clients for account configurations; *bss.Factory
// implements it.
type ClientFactory interface {
	ClientFor(acc bss.AccountConfig) (bss.Client, error)
}

// Error says why a BillingAccount cannot be used; Reason is a
// condition reason.
type Error struct {
	// Reason is the condition reason, e.g. AccountNotFound.
	Reason string
	// Message explains it to a person.
	Message string
}

func (e *Error) Error() string { return e.Message }

// Resolved is a BillingAccount with a BSS client built from its Secret.
type Resolved struct {
	// Object is the BillingAccount.
	Object *billingv1alpha1.BillingAccount
	// Key identifies the account stably across credential rotations.
	Key string
	// BSS talks to the account's BSS endpoint.
	BSS bss.Client
	// SecretVersion is the resourceVersion of the credentials Secret used.
	SecretVersion string
}

// Resolver reads BillingAccounts and their Secrets and hands out
// BSS clients for them.
type Resolver struct {
	// Reader reads BillingAccounts (the manager's cache), and Secrets when
	// Secrets is nil.
	Reader client.Reader
	// Secrets reads credentials Secrets; nil reads them through Reader.
	Secrets *SecretReader
	// Factory builds and caches BSS clients.
	Factory ClientFactory
}

// Key is the stable key of a BillingAccount: namespace/name.
func Key(namespace, name string) string { return namespace + "/" + name }

// Resolve returns the account named name in namespace with its client. An
// *Error explains an account that cannot be used; other errors are
// transient.
func (r *Resolver) Resolve(ctx context.Context, namespace, name string) (*Resolved, error) {
	var acct billingv1alpha1.BillingAccount
	if err := r.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &acct); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &Error{Reason: billingv1alpha1.ReasonAccountNotFound,
				Message: fmt.Sprintf("BillingAccount %q not found in namespace %q", name, namespace)}
		}
		return nil, fmt.Errorf("get BillingAccount %s/%s: %w", namespace, name, err)
	}
	return r.ResolveObject(ctx, &acct)
}

// ResolveObject is Resolve for an account already read.
func (r *Resolver) ResolveObject(ctx context.Context, acct *billingv1alpha1.BillingAccount) (*Resolved, error) {
	secretName := acct.Spec.CredentialsSecretRef.Name
	secret, err := r.Secret(ctx, client.ObjectKey{Namespace: acct.Namespace, Name: secretName})
	if err != nil {
		if errors.Is(err, ErrSecretNotLabelled) {
			return nil, &Error{Reason: billingv1alpha1.ReasonCredentialsNotLabelled,
				Message: fmt.Sprintf("credentials Secret %q in namespace %q lacks the label %s=true; the operator reads only Secrets with it",
					secretName, acct.Namespace, billingv1alpha1.LabelWatchSecret)}
		}
		if apierrors.IsNotFound(err) {
			return nil, &Error{Reason: billingv1alpha1.ReasonCredentialsMissing,
				Message: fmt.Sprintf("credentials Secret %q not found in namespace %q", secretName, acct.Namespace)}
		}
		return nil, fmt.Errorf("get credentials Secret %s/%s: %w", acct.Namespace, secretName, err)
	}
	creds, err := credentialsFromSecret(secret)
	if err != nil {
		return nil, &Error{Reason: billingv1alpha1.ReasonCredentialsInvalid,
			Message: fmt.Sprintf("credentials Secret %q: %v", secretName, err)}
	}
	site := bss.SiteInternational
	if acct.Spec.Site == billingv1alpha1.SiteChina {
		site = bss.SiteChina
	}
	key := Key(acct.Namespace, acct.Name)
	c, err := r.Factory.ClientFor(bss.AccountConfig{
		AccountKey:  key,
		Tenant:      acct.Namespace,
		Site:        site,
		Endpoint:    acct.Spec.Endpoint,
		DomainID:    acct.Spec.DomainID,
		Credentials: creds,
	})
	if errors.Is(err, bss.ErrEndpointNotAllowed) {
		return nil, &Error{Reason: billingv1alpha1.ReasonEndpointNotAllowed,
			Message: fmt.Sprintf("BillingAccount %q: the endpoint is not in the manager's --bss-endpoints allowlist, and nothing was sent to it; "+
				"ask the operator's installer to allow it, or remove spec.endpoint: %v", acct.Name, err)}
	}
	if err != nil {
		return nil, &Error{Reason: billingv1alpha1.ReasonCredentialsInvalid,
			Message: fmt.Sprintf("BillingAccount %q cannot be used: %v", acct.Name, err)}
	}
	return &Resolved{Object: acct, Key: key, BSS: c, SecretVersion: secret.ResourceVersion}, nil
}

// Secret reads a Secret through Secrets, or through Reader without one.
func (r *Resolver) Secret(ctx context.Context, key client.ObjectKey) (*corev1.Secret, error) {
	if r.Secrets != nil {
		return r.Secrets.Get(ctx, key)
	}
	var secret corev1.Secret
	if err := r.Reader.Get(ctx, key, &secret); err != nil {
		return nil, fmt.Errorf("get Secret %s: %w", key, err)
	}
	return &secret, nil
}

// credentialsFromSecret reads AK/SK (with an optional security token) or a
// token from a Secret's data.
func credentialsFromSecret(s *corev1.Secret) (bss.Credentials, error) {
	get := func(k string) string { return string(s.Data[k]) }
	c := bss.Credentials{
		AccessKey:     get(billingv1alpha1.SecretKeyAccessKey),
		SecretKey:     get(billingv1alpha1.SecretKeySecretKey),
		SecurityToken: get(billingv1alpha1.SecretKeySecurityToken),
		Token:         get(billingv1alpha1.SecretKeyToken),
	}
	switch {
	case c.Token != "" && (c.AccessKey != "" || c.SecretKey != ""):
		return bss.Credentials{}, errors.New("set either token or accessKey and secretKey, not both")
	case c.Token != "":
		return c, nil
	case c.AccessKey == "" || c.SecretKey == "":
		return bss.Credentials{}, fmt.Errorf("keys %q and %q (or %q) are required",
			billingv1alpha1.SecretKeyAccessKey, billingv1alpha1.SecretKeySecretKey, billingv1alpha1.SecretKeyToken)
	}
	return c, nil
}

// ErrorReason returns the reason of an *Error, or "".
func ErrorReason(err error) string {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Reason
	}
	return ""
}
