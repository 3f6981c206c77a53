package controller

import (
	"context"
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// errStaleRead ends a pass that was about to make a BSS write from a
// Subscription older than the API server's: the write is not made and
// nothing is written; the pass runs again once the cache has caught up.
var errStaleRead = errors.New("the Subscription changed since it was read")

// ensureCurrent returns errStaleRead unless the Subscription this pass
// read is the API server's newest. The cache can lag behind the pass's
// own last write: a pass that reads the copy from before it recorded a
// 6.3.4 call (status.autoRenewSettings, lastCorrectionTime) would make
// the same call again, and only its status write would then fail on the
// optimistic lock. One live read before each correction write closes
// that; corrections are rare, so the read costs nothing that matters.
func (r *SubscriptionReconciler) ensureCurrent(ctx context.Context, st *subState) error {
	if r.APIReader == nil {
		return nil
	}
	var live = st.sub.DeepCopy()
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(st.sub), live); err != nil {
		return fmt.Errorf("read Subscription %s before a BSS write: %w", st.sub.Name, err)
	}
	if live.ResourceVersion != st.sub.ResourceVersion {
		return errStaleRead
	}
	return nil
}
