package main

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// writeCeiling measures how fast the kube-apiserver alone takes status
// writes of these very Subscriptions: with the manager and the bench's
// watch stopped, it sends each one the merge patch the manager sends for
// a renamed resource, from as many workers as the manager runs. No
// operator that writes each changed status once can converge faster than
// len(names) divided by this rate after the wait for the listing; the
// table prints it so that a missed convergence target can be told apart
// from a control plane that cannot take the writes in time.
// suffix is appended to each resource name, so that every run of it
// changes every status.
func (b *bench) writeCeiling(ctx context.Context, ns string, names []string, workers int, suffix string) (float64, error) {
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, name := range names {
		g.Go(func() error {
			sub := &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
			patch := fmt.Sprintf(`{"status":{"resource":{"name":%q}}}`, name+suffix)
			if err := b.env.Client.Status().Patch(gctx, sub, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
				return fmt.Errorf("patch %s status: %w", name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return float64(len(names)) / time.Since(start).Seconds(), nil
}
