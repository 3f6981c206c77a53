package accounts

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// ErrSecretNotLabelled is returned, wrapped, by SecretReader.Get for a
// Secret that exists but lacks the billingv1alpha1.LabelWatchSecret label:
// the operator does not watch it, so it does not read it either.
var ErrSecretNotLabelled = errors.New("Secret lacks the label " + billingv1alpha1.LabelWatchSecret + "=true that the operator watches")

// SecretReader reads the few Secrets the operator uses (account
// credentials, webhook URLs) without an informer over every Secret's data
// in the cluster: the manager watches the metadata of labelled Secrets
// only (see CacheOptions), and the data of a Secret is read with a live GET
// when its resourceVersion is new to this reader. Only Secrets that were
// asked for are kept, without annotations, and a Secret that is gone is
// dropped.
type SecretReader struct {
	// Metadata reads Secrets as metav1.PartialObjectMetadata (the
	// manager's cache, filled by metadata-only watches).
	Metadata client.Reader
	// Live reads full Secrets from the API server (the manager's API reader).
	Live client.Reader

	mu    sync.Mutex
	known map[types.NamespacedName]*corev1.Secret
}

// ClientOptions are the manager client's options: Secrets are never read
// through a full informer (see SecretReader).
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}

// CacheOptions are the manager cache's options, watching namespaces (all
// when empty). Secrets are watched (as metadata) only when they carry the
// billingv1alpha1.LabelWatchSecret label, and enter the cache without
// annotations: the last-applied-configuration annotation of a Secret
// created with kubectl apply holds its data. managedFields, which the
// controllers never read, are dropped from every object.
func CacheOptions(namespaces []string) cache.Options {
	opts := cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {
				Label:     labels.SelectorFromSet(labels.Set{billingv1alpha1.LabelWatchSecret: "true"}),
				Transform: stripSecretMetadata,
			},
		},
	}
	if len(namespaces) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range namespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return opts
}

// stripSecretMetadata drops the annotations and managedFields of a Secret
// (full or metadata-only) before it is cached.
func stripSecretMetadata(in any) (any, error) {
	if o, ok := in.(metav1.Object); ok {
		o.SetAnnotations(nil)
		o.SetManagedFields(nil)
	}
	return in, nil
}

// Get returns the Secret, reading its data from the API server only when
// its metadata shows a version this reader has not read. A Secret without
// the watch label is an error wrapping ErrSecretNotLabelled; its data is
// not read.
func (s *SecretReader) Get(ctx context.Context, key types.NamespacedName) (*corev1.Secret, error) {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := s.Metadata.Get(ctx, key, meta); err != nil {
		if !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("get metadata of Secret %s: %w", key, err)
		}
		s.forget(key)
		// Not in the cache: missing, unlabelled, or created a moment ago.
		// Only the metadata is read to tell which.
		if err := s.Live.Get(ctx, key, meta); err != nil {
			return nil, fmt.Errorf("get metadata of Secret %s: %w", key, err)
		}
		if meta.Labels[billingv1alpha1.LabelWatchSecret] != "true" {
			return nil, fmt.Errorf("Secret %s: %w", key, ErrSecretNotLabelled)
		}
	}
	s.mu.Lock()
	if known, ok := s.known[key]; ok && known.ResourceVersion == meta.ResourceVersion {
		s.mu.Unlock()
		return known.DeepCopy(), nil
	}
	s.mu.Unlock()

	var secret corev1.Secret
	if err := s.Live.Get(ctx, key, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			s.forget(key)
		}
		return nil, fmt.Errorf("get Secret %s: %w", key, err)
	}
	if secret.Labels[billingv1alpha1.LabelWatchSecret] != "true" {
		s.forget(key)
		return nil, fmt.Errorf("Secret %s: %w", key, ErrSecretNotLabelled)
	}
	_, _ = stripSecretMetadata(&secret)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.known == nil {
		s.known = map[types.NamespacedName]*corev1.Secret{}
	}
	s.known[key] = secret.DeepCopy()
	return &secret, nil
}

// forget drops a Secret that no longer exists.
func (s *SecretReader) forget(key types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.known, key)
}
