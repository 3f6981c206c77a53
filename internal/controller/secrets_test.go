package controller

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
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
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name},
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
