package controller

import (
	"testing"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

func TestAutoRenewSettled(t *testing.T) {
	two, three := int32(2), int32(3)
	year := billingv1alpha1.PeriodUnitYear
	tests := []struct {
		name    string
		want    *billingv1alpha1.AutoRenewSpec
		applied *billingv1alpha1.AppliedAutoRenew
		settled bool
	}{
		{"policy asks nothing", nil, nil, true},
		{"policy asks nothing, something was set", nil, &billingv1alpha1.AppliedAutoRenew{Times: &two}, true},
		{"never set (console switched it on)", &billingv1alpha1.AutoRenewSpec{Times: &two}, nil, false},
		{"same", &billingv1alpha1.AutoRenewSpec{Times: &two, PeriodUnit: year}, &billingv1alpha1.AppliedAutoRenew{Times: &two, PeriodUnit: year}, true},
		{"times changed", &billingv1alpha1.AutoRenewSpec{Times: &three}, &billingv1alpha1.AppliedAutoRenew{Times: &two}, false},
		{"limit removed", &billingv1alpha1.AutoRenewSpec{PeriodUnit: year}, &billingv1alpha1.AppliedAutoRenew{Times: &two, PeriodUnit: year}, false},
		{"limit added", &billingv1alpha1.AutoRenewSpec{Times: &two}, &billingv1alpha1.AppliedAutoRenew{}, false},
		{"unit changed", &billingv1alpha1.AutoRenewSpec{PeriodUnit: year}, &billingv1alpha1.AppliedAutoRenew{PeriodUnit: billingv1alpha1.PeriodUnitMonth}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := autoRenewSettled(tt.want, tt.applied); got != tt.settled {
				t.Errorf("autoRenewSettled = %v, want %v", got, tt.settled)
			}
		})
	}
}

func TestAutoRenewRequest(t *testing.T) {
	five := int32(5)
	req := autoRenewRequest(&billingv1alpha1.AutoRenewSpec{Times: &five, PeriodUnit: billingv1alpha1.PeriodUnitYear})
	if req.Times == nil || *req.Times != 5 || req.PeriodType == nil || *req.PeriodType != bss.PeriodYear {
		t.Errorf("request %+v, want 5 yearly renewals", req)
	}
	// No limit is sent as 0: BSS changes the count of an auto-renew that
	// is already on only when it is sent.
	req = autoRenewRequest(&billingv1alpha1.AutoRenewSpec{})
	if req.Times == nil || *req.Times != 0 || req.PeriodType != nil {
		t.Errorf("request %+v, want times 0 and no period type", req)
	}
}
