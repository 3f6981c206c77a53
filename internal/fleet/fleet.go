// Package fleet holds what discovery and `kubectl bss export` must agree on
// so that a Subscription written from Git and one discovered in the cluster
// are the same object: its name and its descriptive labels, both derived
// from the BSS resource alone.
package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// SubscriptionName is a stable, readable DNS-1123 name for a resource's
// Subscription: the resource name and a short hash of its ID (names are not
// unique in BSS; IDs are).
func SubscriptionName(res bss.Resource) string {
	base := strings.Trim(notDNS.ReplaceAllString(strings.ToLower(res.Name), "-"), "-")
	if len(base) > 40 {
		base = strings.Trim(base[:40], "-")
	}
	if base == "" {
		base = "resource"
	}
	sum := sha256.Sum256([]byte(res.ID))
	return base + "-" + hex.EncodeToString(sum[:4])
}

// Labels are the descriptive labels of a resource's Subscription in an
// account. A value that is not a valid label value is left out rather than
// mangled: a selector on a mangled value would match the wrong thing.
func Labels(account string, res bss.Resource) map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{
		billingv1alpha1.LabelAccount:           account,
		billingv1alpha1.LabelRegion:            res.Region,
		billingv1alpha1.LabelServiceType:       res.ServiceTypeCode,
		billingv1alpha1.LabelEnterpriseProject: res.EnterpriseProject.ID,
	} {
		if v != "" && len(validation.IsValidLabelValue(v)) == 0 {
			out[k] = v
		}
	}
	return out
}
