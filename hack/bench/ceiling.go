package main

import (
	"context"
	"fmt"
	"sync"
	"time"

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
func (b *bench) writeCeiling(ctx context.Context, ns string, names []string, workers int) (float64, error) {
	work := make(chan string)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range work {
				sub := &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
				patch := fmt.Sprintf(`{"status":{"resource":{"name":%q}}}`, name+"-ceiling")
				if err := b.env.Client.Status().Patch(ctx, sub, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
					errs <- fmt.Errorf("patch %s status: %w", name, err)
					return
				}
			}
		}()
	}
	var err error
feed:
	for _, name := range names {
		select {
		case work <- name:
		case err = <-errs:
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	if err != nil {
		return 0, err
	}
	return float64(len(names)) / time.Since(start).Seconds(), nil
}
