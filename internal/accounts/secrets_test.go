package accounts

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestSecretReaderReadsDataOncePerVersion: the data of a Secret is read
// from the API server once per resourceVersion, again after a change, and
// a deleted Secret is not found.
func TestSecretReaderReadsDataOncePerVersion(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	key := types.NamespacedName{Namespace: "team", Name: "creds"}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name,
		Labels: map[string]string{billingv1alpha1.LabelWatchSecret: "true"}},
		Data: map[string][]byte{"accessKey": []byte("AK1")}}
	liveGets := 0
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(secret).Build()
	live := interceptor.NewClient(c, interceptor.Funcs{
		Get: func(ctx context.Context, cl client.WithWatch, k client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.Secret); ok {
				liveGets++
			}
			return cl.Get(ctx, k, obj, opts...)
		},
	})
	r := &SecretReader{Metadata: c, Live: live}
	ctx := context.Background()

	steps := []struct {
		name     string
		change   func()
		wantKey  string
		wantGets int
		wantGone bool
	}{
		{name: "first read", wantKey: "AK1", wantGets: 1},
		{name: "same version", wantKey: "AK1", wantGets: 1},
		{name: "rotated", change: func() {
			var s corev1.Secret
			if err := c.Get(ctx, key, &s); err != nil {
				t.Fatal(err)
			}
			s.Data["accessKey"] = []byte("AK2")
			if err := c.Update(ctx, &s); err != nil {
				t.Fatal(err)
			}
		}, wantKey: "AK2", wantGets: 2},
		{name: "rotated, read again", wantKey: "AK2", wantGets: 2},
		{name: "deleted", change: func() {
			if err := c.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}); err != nil {
				t.Fatal(err)
			}
		}, wantGone: true, wantGets: 2},
	}
	for _, s := range steps {
		if s.change != nil {
			s.change()
		}
		got, err := r.Get(ctx, key)
		switch {
		case s.wantGone:
			if !apierrors.IsNotFound(err) {
				t.Fatalf("%s: err = %v, want not found", s.name, err)
			}
		case err != nil:
			t.Fatalf("%s: %v", s.name, err)
		case string(got.Data["accessKey"]) != s.wantKey:
			t.Fatalf("%s: accessKey %q, want %q", s.name, got.Data["accessKey"], s.wantKey)
		}
		if liveGets != s.wantGets {
			t.Fatalf("%s: %d live reads, want %d", s.name, liveGets, s.wantGets)
		}
	}
	if len(r.known) != 0 {
		t.Fatalf("a deleted Secret is still kept: %v", r.known)
	}
}

// TestSecretReaderRefusesUnlabelledSecrets: a Secret without the watch
// label is not in the manager's cache; the reader tells "not labelled"
// from "not found" with a metadata-only read, and never reads its data. A
// labelled Secret is returned, and kept, without its annotations (the
// last-applied-configuration annotation holds the data).
func TestSecretReaderRefusesUnlabelledSecrets(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	applied := map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"data":{"accessKey":"QUsx"}}`}
	unlabelled := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "plain", Annotations: applied},
		Data: map[string][]byte{"accessKey": []byte("AK1")}}
	labelled := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "creds", Annotations: applied,
		Labels: map[string]string{billingv1alpha1.LabelWatchSecret: "true"}},
		Data: map[string][]byte{"accessKey": []byte("AK1")}}
	api := fake.NewClientBuilder().WithScheme(scheme).WithObjects(unlabelled, labelled).Build()
	// The cache holds only what the label selector lets in.
	cached := fake.NewClientBuilder().WithScheme(scheme).WithObjects(labelled.DeepCopy()).Build()
	dataReads := 0
	live := interceptor.NewClient(api, interceptor.Funcs{
		Get: func(ctx context.Context, cl client.WithWatch, k client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.Secret); ok {
				dataReads++
			}
			return cl.Get(ctx, k, obj, opts...)
		},
	})
	r := &SecretReader{Metadata: cached, Live: live}
	ctx := context.Background()

	_, err := r.Get(ctx, types.NamespacedName{Namespace: "team", Name: "plain"})
	if !errors.Is(err, ErrSecretNotLabelled) || apierrors.IsNotFound(err) {
		t.Fatalf("unlabelled Secret: err %v, want ErrSecretNotLabelled", err)
	}
	if dataReads != 0 {
		t.Fatalf("the data of an unlabelled Secret was read %d times", dataReads)
	}
	if _, err := r.Get(ctx, types.NamespacedName{Namespace: "team", Name: "absent"}); !apierrors.IsNotFound(err) {
		t.Fatalf("absent Secret: err %v, want not found", err)
	}
	got, err := r.Get(ctx, types.NamespacedName{Namespace: "team", Name: "creds"})
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Data["accessKey"]) != "AK1" || len(got.Annotations) != 0 || len(r.known[types.NamespacedName{Namespace: "team", Name: "creds"}].Annotations) != 0 {
		t.Fatalf("labelled Secret: data %q, annotations %v", got.Data, got.Annotations)
	}

	// The cache options select the label and strip what is not needed.
	opts := CacheOptions([]string{"team"})
	var secretOpts *cache.ByObject
	for obj, o := range opts.ByObject {
		if _, ok := obj.(*corev1.Secret); ok {
			secretOpts = &o
		}
	}
	if secretOpts == nil || secretOpts.Label == nil || secretOpts.Transform == nil {
		t.Fatalf("no label selector or transform for Secrets: %+v", opts.ByObject)
	}
	if !secretOpts.Label.Matches(labels.Set(labelled.Labels)) || secretOpts.Label.Matches(labels.Set(unlabelled.Labels)) {
		t.Errorf("selector %s", secretOpts.Label)
	}
	meta := &metav1.PartialObjectMetadata{ObjectMeta: *labelled.ObjectMeta.DeepCopy()}
	meta.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
	if _, err := secretOpts.Transform(meta); err != nil || len(meta.Annotations) != 0 || len(meta.ManagedFields) != 0 {
		t.Errorf("transform kept annotations %v or managedFields %v (err %v)", meta.Annotations, meta.ManagedFields, err)
	}
	if _, ok := opts.DefaultNamespaces["team"]; !ok || len(opts.DefaultNamespaces) != 1 {
		t.Errorf("namespaces %v", opts.DefaultNamespaces)
	}
}
