package controller

import (
	"context"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Two attempts must never order one resource at once (issue 16, path 4).
// The Subscription controller lets one Subscription per resource act, but
// two Subscriptions created together can each start an attempt before
// either sees the other. So the intent to order, the last step before
// money moves, is claimed per resource: in this process (two attempts
// reconciled in parallel cannot both see the other's intent in the cache
// yet) and against every attempt the cache shows (another process, or
// before a restart). The attempt that finds a rival ordering waits; once
// the rival is done it reads the resource again, sees the expiry moved and
// ends without ordering (path 3).

// resourceClaims holds which attempt of this process is ordering each
// resource.
type resourceClaims struct {
	mu      sync.Mutex
	holders map[string]types.UID
}

func newResourceClaims() *resourceClaims {
	return &resourceClaims{holders: map[string]types.UID{}}
}

// claim records uid as ordering resourceID, unless another attempt holds
// it; it returns the holder, which is uid on success.
func (c *resourceClaims) claim(resourceID string, uid types.UID) types.UID {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.holders[resourceID]; ok && h != uid {
		return h
	}
	c.holders[resourceID] = uid
	return uid
}

// release drops uid's claim on resourceID, if it holds it.
func (c *resourceClaims) release(resourceID string, uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holders[resourceID] == uid {
		delete(c.holders, resourceID)
	}
}

// claims returns the reconciler's resource claims.
func (r *RenewalRequestReconciler) claims() *resourceClaims {
	r.claimsOnce.Do(func() { r.claimsMap = newResourceClaims() })
	return r.claimsMap
}

// rivalAttempt claims rr's resource for rr's intent and returns "" if it
// may order, or names the attempt that is ordering the resource instead.
// The claim is kept until the attempt ends (releaseClaim).
func (r *RenewalRequestReconciler) rivalAttempt(ctx context.Context, rr *billingv1alpha1.RenewalRequest) (string, error) {
	if h := r.claims().claim(rr.Spec.ResourceID, rr.UID); h != rr.UID {
		return fmt.Sprintf("another attempt of this manager (uid %s)", h), nil
	}
	// Few intents are recorded (one per renewal), so a scan of the cache
	// without copies is cheap enough and needs no index.
	var list billingv1alpha1.RenewalRequestList
	if err := r.Client.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		r.claims().release(rr.Spec.ResourceID, rr.UID)
		return "", fmt.Errorf("list RenewalRequests to check for a rival attempt: %w", err)
	}
	for i := range list.Items {
		o := &list.Items[i]
		if o.UID == rr.UID || o.Spec.ResourceID != rr.Spec.ResourceID || o.Status.OrderIntentTime == nil || o.Status.Phase.Finished() {
			continue
		}
		r.claims().release(rr.Spec.ResourceID, rr.UID)
		return "RenewalRequest " + client.ObjectKeyFromObject(o).String(), nil
	}
	return "", nil
}

// releaseClaim lets other attempts order rr's resource once rr ended.
func (r *RenewalRequestReconciler) releaseClaim(rr *billingv1alpha1.RenewalRequest) {
	r.claims().release(rr.Spec.ResourceID, rr.UID)
}
