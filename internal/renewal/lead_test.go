package renewal

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

func TestRenewalLead(t *testing.T) {
	effective := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	yearly := &bss.Resource{ID: "ecs-1", EffectiveTime: effective, ExpireTime: effective.Add(100 * 24 * time.Hour)}
	noEffective := &bss.Resource{ID: "ecs-2", ExpireTime: effective}
	// BSS keeps effective_time at the purchase: a monthly resource bought
	// three years ago and renewed month by month (issue 15), and one
	// bought a month ago. 2029-03-31 15:59:59Z is 23:59:59 GMT+08:00; a
	// month on is 2029-04-30, 30 days.
	expire := time.Date(2029, 3, 31, 15, 59, 59, 0, time.UTC)
	oldMonthly := &bss.Resource{ID: "ecs-old", EffectiveTime: expire.AddDate(-3, 0, 0), ExpireTime: expire}
	newMonthly := &bss.Resource{ID: "ecs-new", EffectiveTime: expire.AddDate(0, -1, 0), ExpireTime: expire}
	month := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}
	year := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1}
	pct := func(p int32, period billingv1alpha1.RenewalPeriod) billingv1alpha1.RenewSpec {
		return billingv1alpha1.RenewSpec{RenewBeforePercentage: ptr.To(p), Period: period}
	}
	dur := func(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }
	tests := []struct {
		name    string
		spec    billingv1alpha1.RenewSpec
		res     *bss.Resource
		want    time.Duration
		wantErr bool
	}{
		{name: "duration", spec: billingv1alpha1.RenewSpec{RenewBefore: dur(720 * time.Hour)}, res: yearly, want: 720 * time.Hour},
		{name: "zero duration", spec: billingv1alpha1.RenewSpec{RenewBefore: dur(0)}, res: yearly, want: 0},
		{name: "default", res: yearly, want: billingv1alpha1.DefaultRenewBefore},
		{name: "percentage of a monthly renewal, old resource", spec: pct(10, month), res: oldMonthly, want: 72 * time.Hour},
		{name: "percentage of a monthly renewal, new resource", spec: pct(10, month), res: newMonthly, want: 72 * time.Hour},
		// 2029-03-31 to 2030-03-31: 365 days.
		{name: "percentage of a yearly renewal", spec: pct(10, year), res: oldMonthly, want: 36*24*time.Hour + 12*time.Hour},
		{name: "percentage without an effective time", spec: pct(10, month), res: noEffective, want: 74*time.Hour + 24*time.Minute},
		{name: "percentage without a period", spec: billingv1alpha1.RenewSpec{RenewBeforePercentage: ptr.To[int32](10)}, res: yearly, wantErr: true},
		{name: "percentage without an expiry", spec: pct(10, month), res: &bss.Resource{ID: "x"}, wantErr: true},
		{name: "percentage 0", spec: pct(0, month), res: yearly, wantErr: true},
		{name: "percentage 100", spec: pct(100, month), res: yearly, wantErr: true},
		{name: "negative duration", spec: billingv1alpha1.RenewSpec{RenewBefore: dur(-5 * time.Hour)}, res: yearly, wantErr: true},
		{name: "both", spec: billingv1alpha1.RenewSpec{RenewBefore: dur(time.Hour), RenewBeforePercentage: ptr.To[int32](10)}, res: yearly, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenewalLead(&tt.spec, tt.res.ID, tt.res.ExpireTime)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWarnLead(t *testing.T) {
	if got := WarnLead(nil); got != billingv1alpha1.DefaultWarnBefore {
		t.Errorf("no policy: %v, want %v", got, billingv1alpha1.DefaultWarnBefore)
	}
	p := &billingv1alpha1.RenewalPolicy{Spec: billingv1alpha1.RenewalPolicySpec{WarnBefore: &metav1.Duration{Duration: 48 * time.Hour}}}
	if got := WarnLead(p); got != 48*time.Hour {
		t.Errorf("warnBefore 48h: %v", got)
	}
}

// TestCheckLead: the Stall decision on lead times admission cannot see
// (issue 16, path 9).
func TestCheckLead(t *testing.T) {
	month := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}
	months3 := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 3}
	year := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1}
	tests := []struct {
		name    string
		lead    time.Duration
		period  billingv1alpha1.RenewalPeriod
		wantErr bool
	}{
		{"14 days on a month", 14 * 24 * time.Hour, month, false},
		{"the floor", billingv1alpha1.MinRenewBefore, month, false},
		{"zero", 0, month, true},
		{"under the floor", 59 * time.Minute, month, true},
		{"400 days on a month", 400 * 24 * time.Hour, month, true},
		{"a shortest month on a month", 28 * 24 * time.Hour, month, true},
		{"just under a shortest month", 28*24*time.Hour - time.Minute, month, false},
		{"60 days on 3 months", 60 * 24 * time.Hour, months3, false},
		{"99% of a year on a month (percentage from BSS)", 361 * 24 * time.Hour, month, true},
		{"99% of a year on a year", 361 * 24 * time.Hour, year, false},
		{"a year on a year", 365 * 24 * time.Hour, year, true},
		{"no period count", time.Hour, billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckLead(tt.lead, tt.period); (err != nil) != tt.wantErr {
				t.Fatalf("CheckLead(%s, %d %s) = %v, wantErr %v", tt.lead, tt.period.Count, tt.period.Unit, err, tt.wantErr)
			}
		})
	}
}
