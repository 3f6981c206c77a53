package fleet

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

func TestSubscriptionName(t *testing.T) {
	tests := []struct {
		name, resName, id, prefix string
	}{
		{"readable", "web-01", "id-1", "web-01-"},
		{"lower-cased and cleaned", "Prod DB (primary)", "id-2", "prod-db-primary-"},
		{"empty name", "", "id-3", "resource-"},
		{"only symbols", "***", "id-4", "resource-"},
		{"long name cut", strings.Repeat("a", 80), "id-5", strings.Repeat("a", 40) + "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SubscriptionName(bss.Resource{ID: tc.id, Name: tc.resName})
			if !strings.HasPrefix(got, tc.prefix) || len(got) != len(tc.prefix)+8 {
				t.Fatalf("SubscriptionName = %q, want prefix %q and an 8-digit hash", got, tc.prefix)
			}
			if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
				t.Fatalf("%q is not a valid name: %v", got, errs)
			}
		})
	}
	a := SubscriptionName(bss.Resource{ID: "x", Name: "same"})
	b := SubscriptionName(bss.Resource{ID: "y", Name: "same"})
	if a == b {
		t.Fatalf("two resources with one name got one Subscription name %q", a)
	}
}

func TestLabels(t *testing.T) {
	res := bss.Resource{Region: "ap-southeast-1", ServiceTypeCode: "hws.service.type.ec2",
		EnterpriseProject: bss.EnterpriseProject{ID: "0"}}
	got := Labels("prod", res)
	want := map[string]string{
		billingv1alpha1.LabelAccount:           "prod",
		billingv1alpha1.LabelRegion:            "ap-southeast-1",
		billingv1alpha1.LabelServiceType:       "hws.service.type.ec2",
		billingv1alpha1.LabelEnterpriseProject: "0",
	}
	if len(got) != len(want) {
		t.Fatalf("Labels = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("label %s = %q, want %q", k, got[k], v)
		}
	}
	bad := Labels("prod", bss.Resource{Region: "has space", ServiceTypeCode: strings.Repeat("x", 70)})
	if _, ok := bad[billingv1alpha1.LabelRegion]; ok {
		t.Fatalf("invalid region value kept: %v", bad)
	}
	if _, ok := bad[billingv1alpha1.LabelServiceType]; ok {
		t.Fatalf("over-long service type kept: %v", bad)
	}
}
