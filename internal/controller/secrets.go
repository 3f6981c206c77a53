package controller

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// SecretReader reads the few Secrets the operator uses (account
// credentials, webhook URLs) without an informer over every Secret's data
// in the cluster: the manager watches Secret metadata only, and the data of
// a Secret is read with a live GET when its resourceVersion is new to this
// reader. Only Secrets that were asked for are kept, and a Secret that is
// gone is dropped.
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

// Get returns the Secret, reading its data from the API server only when
// its metadata shows a version this reader has not read.
func (s *SecretReader) Get(ctx context.Context, key types.NamespacedName) (*corev1.Secret, error) {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := s.Metadata.Get(ctx, key, meta); err != nil {
		if apierrors.IsNotFound(err) {
			s.forget(key)
		}
		return nil, fmt.Errorf("get metadata of Secret %s: %w", key, err)
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
