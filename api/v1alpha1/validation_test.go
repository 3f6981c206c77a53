package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	var err error
	env, err = testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func meta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name}
}

func validRenewPolicy(ns string) *billingv1alpha1.RenewalPolicy {
	return &billingv1alpha1.RenewalPolicy{
		ObjectMeta: meta(ns, "renew"),
		Spec: billingv1alpha1.RenewalPolicySpec{
			Mode: billingv1alpha1.RenewalModeRenew,
			Renew: &billingv1alpha1.RenewSpec{
				RenewBefore: &metav1.Duration{Duration: 336 * time.Hour},
				Period:      billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
				MaxPrice:    &billingv1alpha1.Money{Amount: "500.00", Currency: "USD"},
			},
		},
	}
}

func validSubscription(ns string) *billingv1alpha1.Subscription {
	return &billingv1alpha1.Subscription{
		ObjectMeta: meta(ns, "ecs"),
		Spec: billingv1alpha1.SubscriptionSpec{
			AccountRef:       billingv1alpha1.LocalObjectReference{Name: "acct"},
			ResourceID:       "ecs-0001",
			RenewalPolicyRef: &billingv1alpha1.LocalObjectReference{Name: "renew"},
		},
	}
}

// TestCreateEachKind shows that a valid object of every kind is accepted and
// that the schema defaults are applied.
func TestCreateEachKind(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	objs := []client.Object{
		&billingv1alpha1.BillingAccount{
			ObjectMeta: meta(ns, "acct"),
			Spec: billingv1alpha1.BillingAccountSpec{
				CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "creds"},
			},
		},
		validRenewPolicy(ns),
		validSubscription(ns),
		&billingv1alpha1.RenewalRequest{
			ObjectMeta: meta(ns, "ecs-r1"),
			Spec: billingv1alpha1.RenewalRequestSpec{
				SubscriptionName:   "ecs",
				AccountRef:         billingv1alpha1.LocalObjectReference{Name: "acct"},
				ResourceID:         "ecs-0001",
				Revision:           1,
				BaselineExpireTime: metav1.NewTime(time.Date(2026, 12, 1, 15, 59, 59, 0, time.UTC)),
				Period:             billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1},
				Payment:            billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodAutoPay},
			},
		},
		&billingv1alpha1.BudgetAlert{
			ObjectMeta: meta(ns, "monthly"),
			Spec: billingv1alpha1.BudgetAlertSpec{
				AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"},
				Limit:      billingv1alpha1.Money{Amount: "1000", Currency: "USD"},
				Thresholds: []billingv1alpha1.BudgetThreshold{{Percent: 80}},
			},
		},
	}
	for _, obj := range objs {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatalf("create %T: %v", obj, err)
		}
	}

	var acct billingv1alpha1.BillingAccount
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acct"}, &acct); err != nil {
		t.Fatal(err)
	}
	if acct.Spec.Site != billingv1alpha1.SiteInternational || acct.Spec.RefreshInterval == nil || acct.Spec.RefreshInterval.Duration != 10*time.Minute {
		t.Errorf("BillingAccount defaults: site %q refresh %v, want International 10m", acct.Spec.Site, acct.Spec.RefreshInterval)
	}
	var sub billingv1alpha1.Subscription
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "ecs"}, &sub); err != nil {
		t.Fatal(err)
	}
	if sub.Spec.ManagementPolicy != billingv1alpha1.ManagementObserve || sub.Spec.DeletionPolicy != billingv1alpha1.DeletionOrphan {
		t.Errorf("Subscription defaults: management %q deletion %q, want Observe Orphan", sub.Spec.ManagementPolicy, sub.Spec.DeletionPolicy)
	}
	var pol billingv1alpha1.RenewalPolicy
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "renew"}, &pol); err != nil {
		t.Fatal(err)
	}
	if got := pol.Spec.Renew.Payment; got.Method != billingv1alpha1.PaymentMethodAutoPay || got.Discount != billingv1alpha1.DiscountBest || got.CancelUnpaidAfter == nil || got.CancelUnpaidAfter.Duration != 72*time.Hour {
		t.Errorf("payment defaults: %+v", got)
	}
	if pol.Spec.Renew.Approval.Policy != billingv1alpha1.ApprovalNever {
		t.Errorf("approval default: %q, want Never", pol.Spec.Renew.Approval.Policy)
	}
	if pol.Spec.WarnBefore == nil || pol.Spec.WarnBefore.Duration != billingv1alpha1.DefaultWarnBefore {
		t.Errorf("warnBefore default: %v, want %v", pol.Spec.WarnBefore, billingv1alpha1.DefaultWarnBefore)
	}
	if pol.Spec.Renew.RenewBeforePercentage != nil {
		t.Errorf("renewBeforePercentage defaulted to %d; it must stay unset", *pol.Spec.Renew.RenewBeforePercentage)
	}
}

// TestRenewBeforeWithinTheTerm: the lead time rules accept their edges:
// the 1h floor, just under a month's shortest term on a monthly period,
// and more than a month on a yearly one (issue 16, path 9).
func TestRenewBeforeWithinTheTerm(t *testing.T) {
	ns := env.Namespace(t)
	for i, tc := range []struct {
		lead   time.Duration
		period billingv1alpha1.RenewalPeriod
	}{
		{billingv1alpha1.MinRenewBefore, billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}},
		{billingv1alpha1.MinMonthTerm - time.Hour, billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}},
		{2*billingv1alpha1.MinMonthTerm - time.Hour, billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 2}},
		{400 * 24 * time.Hour, billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 2}},
	} {
		p := validRenewPolicy(ns)
		p.Name = fmt.Sprintf("lead-%d", i)
		p.Spec.Renew.RenewBefore = &metav1.Duration{Duration: tc.lead}
		p.Spec.Renew.Period = tc.period
		if err := env.Client.Create(context.Background(), p); err != nil {
			t.Errorf("renewBefore %s on %d %s refused: %v", tc.lead, tc.period.Count, tc.period.Unit, err)
		}
	}
}

// TestRenewBeforePercentageAlone: a policy with only renewBeforePercentage
// is accepted; renewBefore has no schema default that would collide with it.
func TestRenewBeforePercentageAlone(t *testing.T) {
	ns := env.Namespace(t)
	p := validRenewPolicy(ns)
	p.Spec.Renew.RenewBefore = nil
	p.Spec.Renew.RenewBeforePercentage = ptr.To[int32](10)
	if err := env.Client.Create(context.Background(), p); err != nil {
		t.Fatalf("create a policy with renewBeforePercentage only: %v", err)
	}
	if p.Spec.Renew.RenewBefore != nil {
		t.Fatalf("renewBefore defaulted to %v next to renewBeforePercentage", p.Spec.Renew.RenewBefore)
	}
}

// withField converts obj to unstructured and sets one field to a value the
// typed API cannot hold (a duration string Go would not parse).
func withField(t *testing.T, obj client.Object, value any, path ...string) client.Object {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	gvks, _, err := env.Client.Scheme().ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	u.SetGroupVersionKind(gvks[0])
	if err := unstructured.SetNestedField(u.Object, value, path...); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCreateRejectsInvalid shows that the schema refuses bad objects at
// admission with a message that says what is wrong.
func TestCreateRejectsInvalid(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	tests := []struct {
		name    string
		obj     func() client.Object
		wantMsg string
	}{
		{
			name: "renewal period of 12 months",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.Period.Count = 12
				return p
			},
			wantMsg: "spec.renew.period.count",
		},
		{
			name: "renewal period of 4 years",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.Period = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 4}
				return p
			},
			wantMsg: "a renewal period in years must be 1 to 3 years",
		},
		{
			name: "mode Renew without renew",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew = nil
				return p
			},
			wantMsg: "renew must be set when mode is Renew",
		},
		{
			name: "renew settings on AutoRenew",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Mode = billingv1alpha1.RenewalModeAutoRenew
				return p
			},
			wantMsg: "renew must be set when mode is Renew, and only then",
		},
		{
			name: "AboveAmount without an amount",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.Approval.Policy = billingv1alpha1.ApprovalAboveAmount
				return p
			},
			wantMsg: "approval.amount is required when approval.policy is AboveAmount",
		},
		{
			name: "maxPrice that is not a number",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.MaxPrice.Amount = "12,50"
				return p
			},
			wantMsg: "spec.renew.maxPrice.amount",
		},
		{
			name: "renewBefore in weeks",
			obj: func() client.Object {
				return withField(t, validRenewPolicy(ns), "2w", "spec", "renew", "renewBefore")
			},
			wantMsg: "spec.renew.renewBefore",
		},
		{
			name: "renewBefore in days",
			obj: func() client.Object {
				return withField(t, validRenewPolicy(ns), "30d", "spec", "renew", "renewBefore")
			},
			wantMsg: "spec.renew.renewBefore",
		},
		{
			name: "renewBeforePercentage of 0",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.RenewBefore = nil
				p.Spec.Renew.RenewBeforePercentage = ptr.To[int32](0)
				return p
			},
			wantMsg: "spec.renew.renewBeforePercentage",
		},
		{
			name: "renewBeforePercentage of 100",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.RenewBefore = nil
				p.Spec.Renew.RenewBeforePercentage = ptr.To[int32](100)
				return p
			},
			wantMsg: "spec.renew.renewBeforePercentage",
		},
		{
			name: "renewBefore and renewBeforePercentage together",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.RenewBeforePercentage = ptr.To[int32](10)
				return p
			},
			wantMsg: "renewBefore and renewBeforePercentage are mutually exclusive",
		},
		{
			name: "renewBefore over ten years of days",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.RenewBefore = &metav1.Duration{Duration: 3661 * 24 * time.Hour}
				return p
			},
			wantMsg: "renewBefore must be between 1h and 87840h",
		},
		{
			// Issue 16, path 9: 0 means any failure is a lapse.
			name: "renewBefore of 0",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.RenewBefore = &metav1.Duration{}
				return p
			},
			wantMsg: "renewBefore must be between 1h and 87840h",
		},
		{
			name: "renewBefore below the 1h floor",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.RenewBefore = &metav1.Duration{Duration: billingv1alpha1.MinRenewBefore - time.Minute}
				return p
			},
			wantMsg: "renewBefore must be between 1h and 87840h",
		},
		{
			// Issue 16, path 9: every monthly renewal would make the next due.
			name: "renewBefore of 400 days on a monthly period",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.RenewBefore = &metav1.Duration{Duration: 400 * 24 * time.Hour}
				return p
			},
			wantMsg: "renewBefore must be shorter than the renewal period's term",
		},
		{
			name: "renewBefore of one shortest month on a monthly period",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.RenewBefore = &metav1.Duration{Duration: billingv1alpha1.MinMonthTerm}
				return p
			},
			wantMsg: "renewBefore must be shorter than the renewal period's term",
		},
		{
			name: "renewBefore of a year on a yearly period",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.Period = billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1}
				p.Spec.Renew.RenewBefore = &metav1.Duration{Duration: billingv1alpha1.MinYearTerm}
				return p
			},
			wantMsg: "renewBefore must be shorter than the renewal period's term",
		},
		{
			name: "negative renewBefore",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.RenewBefore = &metav1.Duration{Duration: -time.Hour}
				return p
			},
			wantMsg: "renewBefore must be between 1h and 87840h",
		},
		{
			name: "warnBefore over ten years of days",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.WarnBefore = &metav1.Duration{Duration: 9999 * 24 * time.Hour}
				return p
			},
			wantMsg: "warnBefore must be between 0s and 87840h",
		},
		{
			name: "warnBefore in days",
			obj: func() client.Object {
				return withField(t, validRenewPolicy(ns), "14d", "spec", "warnBefore")
			},
			wantMsg: "spec.warnBefore",
		},
		{
			name: "negative maxPrice",
			obj: func() client.Object {
				p := validRenewPolicy(ns)
				p.Spec.Renew.MaxPrice.Amount = "-1.00"
				return p
			},
			wantMsg: "maxPrice.amount must not be negative",
		},
		{
			name: "negative budget limit",
			obj: func() client.Object {
				return &billingv1alpha1.BudgetAlert{
					ObjectMeta: meta(ns, "negative"),
					Spec: billingv1alpha1.BudgetAlertSpec{
						AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"},
						Limit:      billingv1alpha1.Money{Amount: "-1000", Currency: "USD"},
					},
				}
			},
			wantMsg: "limit.amount must not be negative",
		},
		{
			name: "balance horizon over 366 days",
			obj: func() client.Object {
				return &billingv1alpha1.BudgetAlert{
					ObjectMeta: meta(ns, "far"),
					Spec: billingv1alpha1.BudgetAlertSpec{
						AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"},
						Limit:      billingv1alpha1.Money{Amount: "1000", Currency: "USD"},
						BalanceFloor: &billingv1alpha1.BalanceFloor{Amount: billingv1alpha1.Money{Amount: "10", Currency: "USD"},
							Horizon: &metav1.Duration{Duration: 367 * 24 * time.Hour}},
					},
				}
			},
			wantMsg: "horizon must be between 24h and 8784h",
		},
		{
			name: "budget filter with an overlong service type code",
			obj: func() client.Object {
				return &billingv1alpha1.BudgetAlert{
					ObjectMeta: meta(ns, "long"),
					Spec: billingv1alpha1.BudgetAlertSpec{
						AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"},
						Limit:      billingv1alpha1.Money{Amount: "1000", Currency: "USD"},
						Filters: billingv1alpha1.BudgetFilters{ResourceSelector: billingv1alpha1.ResourceSelector{
							ServiceTypeCodes: []string{strings.Repeat("x", 65)}}},
					},
				}
			},
			wantMsg: "spec.filters.serviceTypeCodes",
		},
		{
			name: "plain http endpoint off loopback",
			obj: func() client.Object {
				return &billingv1alpha1.BillingAccount{
					ObjectMeta: meta(ns, "plain-http"),
					Spec: billingv1alpha1.BillingAccountSpec{
						Endpoint:             "http://bss.example.com",
						CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "creds"},
					},
				}
			},
			wantMsg: "endpoint must use https, or http only on a loopback address",
		},
		{
			name: "releasedGracePeriod under an hour",
			obj: func() client.Object {
				return &billingv1alpha1.BillingAccount{
					ObjectMeta: meta(ns, "short-grace"),
					Spec: billingv1alpha1.BillingAccountSpec{
						CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "creds"},
						Discovery: &billingv1alpha1.DiscoverySpec{Enabled: true,
							ReleasedGracePeriod: &metav1.Duration{Duration: 59 * time.Minute}},
					},
				}
			},
			wantMsg: "releasedGracePeriod must be at least 1h",
		},
		{
			name: "Unsubscribe without unsubscribeType",
			obj: func() client.Object {
				s := validSubscription(ns)
				s.Name = "unsub"
				s.Spec.DeletionPolicy = billingv1alpha1.DeletionUnsubscribe
				return s
			},
			wantMsg: "unsubscribeType is required when deletionPolicy is Unsubscribe",
		},
		{
			name: "budget floor in another currency",
			obj: func() client.Object {
				return &billingv1alpha1.BudgetAlert{
					ObjectMeta: meta(ns, "mixed"),
					Spec: billingv1alpha1.BudgetAlertSpec{
						AccountRef:   billingv1alpha1.LocalObjectReference{Name: "acct"},
						Limit:        billingv1alpha1.Money{Amount: "1000", Currency: "USD"},
						BalanceFloor: &billingv1alpha1.BalanceFloor{Amount: billingv1alpha1.Money{Amount: "10", Currency: "CNY"}},
					},
				}
			},
			wantMsg: "balanceFloor must use the limit's currency",
		},
		{
			name: "budget time zone that is not a zone name",
			obj: func() client.Object {
				return &billingv1alpha1.BudgetAlert{
					ObjectMeta: meta(ns, "badzone"),
					Spec: billingv1alpha1.BudgetAlertSpec{
						AccountRef: billingv1alpha1.LocalObjectReference{Name: "acct"},
						Limit:      billingv1alpha1.Money{Amount: "1000", Currency: "USD"},
						TimeZone:   "../../etc/localtime",
					},
				}
			},
			wantMsg: "spec.timeZone",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := env.Client.Create(ctx, tt.obj())
			if err == nil {
				t.Fatalf("create succeeded, want it refused with %q", tt.wantMsg)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

// TestUpdateRejectsImmutableChanges covers the CEL transition rules.
func TestUpdateRejectsImmutableChanges(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	sub := validSubscription(ns)
	if err := env.Client.Create(ctx, sub); err != nil {
		t.Fatal(err)
	}
	sub.Spec.ResourceID = "ecs-0002"
	err := env.Client.Update(ctx, sub)
	if err == nil || !strings.Contains(err.Error(), "resourceID is immutable") {
		t.Fatalf("changing resourceID: got %v, want it refused as immutable", err)
	}

	req := &billingv1alpha1.RenewalRequest{
		ObjectMeta: meta(ns, "ecs-r1"),
		Spec: billingv1alpha1.RenewalRequestSpec{
			SubscriptionName:   "ecs",
			AccountRef:         billingv1alpha1.LocalObjectReference{Name: "acct"},
			ResourceID:         "ecs-0001",
			Revision:           1,
			BaselineExpireTime: metav1.NewTime(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)),
			Period:             billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
			Payment:            billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodPay},
		},
	}
	if err := env.Client.Create(ctx, req); err != nil {
		t.Fatal(err)
	}
	req.Spec.Approval = &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice"}
	if err := env.Client.Update(ctx, req); err != nil {
		t.Fatalf("approving: %v", err)
	}
	req.Spec.Approval.Decision = billingv1alpha1.DecisionDeny
	err = env.Client.Update(ctx, req)
	if err == nil || !strings.Contains(err.Error(), "an approval decision cannot be changed") {
		t.Fatalf("changing the decision: got %v, want it refused", err)
	}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(req), req); err != nil {
		t.Fatal(err)
	}
	// Nothing but the approval may change: an approver must not be able
	// to loosen the gates the policy set, nor rewrite a decision.
	for _, tt := range []struct {
		name   string
		change func(*billingv1alpha1.RenewalRequestSpec)
		want   string
	}{
		{"period", func(s *billingv1alpha1.RenewalRequestSpec) { s.Period.Count = 2 }, "spec.period is fixed at creation"},
		{"payment", func(s *billingv1alpha1.RenewalRequestSpec) { s.Payment.Method = billingv1alpha1.PaymentMethodAutoPay }, "spec.payment is fixed at creation"},
		{"maxPrice added", func(s *billingv1alpha1.RenewalRequestSpec) {
			s.MaxPrice = &billingv1alpha1.Money{Amount: "1.00", Currency: "USD"}
		}, "spec.maxPrice is fixed at creation"},
		{"account", func(s *billingv1alpha1.RenewalRequestSpec) { s.AccountRef.Name = "other" }, "spec.accountRef is fixed at creation"},
		{"approval reason", func(s *billingv1alpha1.RenewalRequestSpec) { s.Approval.Reason = "rewritten" }, "an approval decision cannot be changed"},
		{"approval maxAmount", func(s *billingv1alpha1.RenewalRequestSpec) {
			s.Approval.MaxAmount = &billingv1alpha1.Money{Amount: "999999.00", Currency: "USD"}
		}, "an approval decision cannot be changed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var cur billingv1alpha1.RenewalRequest
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(req), &cur); err != nil {
				t.Fatal(err)
			}
			tt.change(&cur.Spec)
			err := env.Client.Update(ctx, &cur)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("changing %s: got %v, want it refused with %q", tt.name, err, tt.want)
			}
		})
	}
}

// TestRenewalRequestWithGatesTakesAnApproval: adding the approval to a
// request whose optional gates are set is allowed (the immutability rule
// must not refuse the one change it exists to permit).
func TestRenewalRequestWithGatesTakesAnApproval(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	usd := func(a string) *billingv1alpha1.Money { return &billingv1alpha1.Money{Amount: a, Currency: "USD"} }
	req := &billingv1alpha1.RenewalRequest{
		ObjectMeta: meta(ns, "db-r2"),
		Spec: billingv1alpha1.RenewalRequestSpec{
			SubscriptionName:   "db",
			AccountRef:         billingv1alpha1.LocalObjectReference{Name: "acct"},
			ResourceID:         "rds-0001",
			Revision:           2,
			BaselineExpireTime: metav1.NewTime(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)),
			Period:             billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1},
			Payment:            billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodPay},
			MaxPrice:           usd("100.00"),
			ApprovalPolicy:     billingv1alpha1.ApprovalAboveAmount,
			ApprovalAmount:     usd("50.00"),
			Window:             &billingv1alpha1.RenewalWindow{StartHour: 1, EndHour: 5},
			BudgetAlertRef:     &billingv1alpha1.LocalObjectReference{Name: "team"},
		},
	}
	if err := env.Client.Create(ctx, req); err != nil {
		t.Fatal(err)
	}
	req.Spec.Approval = &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice", MaxAmount: usd("120.00")}
	if err := env.Client.Update(ctx, req); err != nil {
		t.Fatalf("approving a request with every gate set: %v", err)
	}
}

// TestRenewalRequestApprovalReplacedOnlyWhenAskedAgain: a decision can be
// replaced only while the operator asks for a new one (status.approvalState
// RequiredAgain: the price rose above what was approved); otherwise it is
// fixed.
func TestRenewalRequestApprovalReplacedOnlyWhenAskedAgain(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	usd := func(a string) *billingv1alpha1.Money { return &billingv1alpha1.Money{Amount: a, Currency: "USD"} }
	req := &billingv1alpha1.RenewalRequest{
		ObjectMeta: meta(ns, "vm-r1"),
		Spec: billingv1alpha1.RenewalRequestSpec{
			SubscriptionName:   "vm",
			AccountRef:         billingv1alpha1.LocalObjectReference{Name: "acct"},
			ResourceID:         "ecs-0003",
			Revision:           1,
			BaselineExpireTime: metav1.NewTime(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)),
			Period:             billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1},
			Payment:            billingv1alpha1.PaymentSpec{Method: billingv1alpha1.PaymentMethodPay},
			Approval:           &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice"},
		},
	}
	if err := env.Client.Create(ctx, req); err != nil {
		t.Fatal(err)
	}
	for _, state := range []billingv1alpha1.ApprovalState{"", billingv1alpha1.ApprovalStateRequired, billingv1alpha1.ApprovalStateApproved, billingv1alpha1.ApprovalStateRequiredAgain} {
		if state != "" {
			req.Status.ApprovalState = state
			if err := env.Client.Status().Update(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
		cur := req.DeepCopy()
		cur.Spec.Approval = &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice", MaxAmount: usd("150.00")}
		err := env.Client.Update(ctx, cur)
		if state != billingv1alpha1.ApprovalStateRequiredAgain {
			if err == nil || !strings.Contains(err.Error(), "an approval decision cannot be changed") {
				t.Fatalf("replacing the approval with approvalState %q: got %v, want it refused", state, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("replacing the approval while the operator asks again: %v", err)
		}
		req = cur
	}
	// Withdrawing is refused even then.
	req.Spec.Approval = nil
	if err := env.Client.Update(ctx, req); err == nil || !strings.Contains(err.Error(), "an approval decision cannot be changed") {
		t.Fatalf("withdrawing the approval: got %v, want it refused", err)
	}
}

// TestDiscoveryDefaults: discovery keeps released Subscriptions for
// DefaultReleasedGracePeriod unless told otherwise, accepts the 1h floor,
// and does not make the account own what it discovers unless asked.
func TestDiscoveryDefaults(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	for name, grace := range map[string]*metav1.Duration{"default-grace": nil, "hour-grace": {Duration: time.Hour}} {
		acct := &billingv1alpha1.BillingAccount{
			ObjectMeta: meta(ns, name),
			Spec: billingv1alpha1.BillingAccountSpec{
				CredentialsSecretRef: billingv1alpha1.LocalObjectReference{Name: "creds"},
				Discovery:            &billingv1alpha1.DiscoverySpec{Enabled: true, ReleasedGracePeriod: grace},
			},
		}
		if err := env.Client.Create(ctx, acct); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		want := billingv1alpha1.DefaultReleasedGracePeriod
		if grace != nil {
			want = grace.Duration
		}
		d := acct.Spec.Discovery
		if d.ReleasedGracePeriod == nil || d.ReleasedGracePeriod.Duration != want || d.GracePeriod() != want {
			t.Errorf("%s: releasedGracePeriod %v (GracePeriod %s), want %s", name, d.ReleasedGracePeriod, d.GracePeriod(), want)
		}
		if d.DeleteWithAccount {
			t.Errorf("%s: deleteWithAccount defaulted to true", name)
		}
	}
	var unset *billingv1alpha1.DiscoverySpec
	if got := unset.GracePeriod(); got != billingv1alpha1.DefaultReleasedGracePeriod {
		t.Errorf("GracePeriod of no discovery spec = %s, want the default", got)
	}
}
