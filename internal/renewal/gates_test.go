package renewal

import (
	"slices"
	"strings"
	"testing"
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

var now = time.Date(2027, 1, 11, 10, 0, 0, 0, time.UTC)

func TestPriceGate(t *testing.T) {
	tests := []struct {
		name  string
		price string
		max   *billingv1alpha1.Money
		want  Reason
	}{
		{name: "no cap", price: "100.00"},
		{name: "below the cap", price: "99.99", max: usd("100.00")},
		{name: "at the cap", price: "100.00", max: usd("100.00")},
		{name: "above the cap", price: "100.01", max: usd("100.00"), want: ReasonPriceAboveMax},
		{name: "cap in another currency is never converted", price: "1.00", max: &billingv1alpha1.Money{Amount: "100.00", Currency: "CNY"}, want: ReasonCurrencyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput(now)
			in.Quote.Price = *usd(tt.price)
			in.Spec.MaxPrice = tt.max
			if got := reasonOf(priceGate(in)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBudgetGate(t *testing.T) {
	tests := []struct {
		name     string
		ref      bool
		budget   func(*Budget) *Budget
		wantHold Reason
		wantAsk  Reason
	}{
		{name: "not referenced: no gate", budget: func(*Budget) *Budget { return nil }},
		{name: "referenced and missing: held", ref: true, budget: func(*Budget) *Budget { return nil }, wantHold: ReasonBudgetNotFound},
		{name: "ready, observed, fresh: passes", ref: true},
		{name: "stalled (credentials refused): held", ref: true, budget: func(b *Budget) *Budget {
			b.Ready = &ReadyCondition{Reason: "CredentialsRejected", Message: "BSS rejected the credentials", ObservedGeneration: 2}
			return b
		}, wantHold: ReasonBudgetNotReady},
		{name: "stalled on a currency mismatch with no actions: held", ref: true, budget: func(b *Budget) *Budget {
			b.Ready = &ReadyCondition{Reason: "CurrencyMismatch", ObservedGeneration: 2}
			b.ActiveActions = nil
			return b
		}, wantHold: ReasonBudgetNotReady},
		{name: "no Ready condition yet: held", ref: true, budget: func(b *Budget) *Budget { b.Ready = nil; return b }, wantHold: ReasonBudgetNotReady},
		{name: "Ready for an older generation: held", ref: true, budget: func(b *Budget) *Budget { b.Generation = 3; return b }, wantHold: ReasonBudgetNotObserved},
		{name: "never measured: held", ref: true, budget: func(b *Budget) *Budget { b.LastSyncTime = time.Time{}; return b }, wantHold: ReasonBudgetStale},
		{name: "measured just within the bound: passes", ref: true, budget: func(b *Budget) *Budget {
			b.LastSyncTime = now.Add(-BudgetFreshIntervals * 30 * time.Minute)
			return b
		}},
		{name: "measured past the bound: held", ref: true, budget: func(b *Budget) *Budget {
			b.LastSyncTime = now.Add(-BudgetFreshIntervals*30*time.Minute - time.Second)
			return b
		}, wantHold: ReasonBudgetStale},
		{name: "BlockRenewals: held", ref: true, budget: func(b *Budget) *Budget {
			b.ActiveActions = []billingv1alpha1.BudgetAction{billingv1alpha1.ActionBlockRenewals}
			return b
		}, wantHold: ReasonBudgetBlocks},
		{name: "RequireApproval: asks", ref: true, budget: func(b *Budget) *Budget {
			b.ActiveActions = []billingv1alpha1.BudgetAction{billingv1alpha1.ActionRequireApproval}
			return b
		}, wantAsk: ReasonBudgetRequires},
		{name: "a stalled BudgetAlert's old BlockRenewals still holds, as not ready", ref: true, budget: func(b *Budget) *Budget {
			b.Ready.True = false
			b.ActiveActions = []billingv1alpha1.BudgetAction{billingv1alpha1.ActionBlockRenewals}
			return b
		}, wantHold: ReasonBudgetNotReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput(now)
			if tt.ref {
				in.Spec.BudgetAlertRef = &billingv1alpha1.LocalObjectReference{Name: "team"}
			}
			in.Budget = readyBudget(now)
			if tt.budget != nil {
				in.Budget = tt.budget(in.Budget)
			}
			hold, ask := budgetGate(in)
			if reasonOf(hold) != tt.wantHold || reasonOf(ask) != tt.wantAsk {
				t.Fatalf("hold %q ask %q, want hold %q ask %q", reasonOf(hold), reasonOf(ask), tt.wantHold, tt.wantAsk)
			}
		})
	}
}

func TestBudgetFrom(t *testing.T) {
	b := &billingv1alpha1.BudgetAlert{}
	b.Name, b.Generation = "team", 4
	got := BudgetFrom(b)
	if got.RefreshInterval != billingv1alpha1.DefaultBudgetRefreshInterval || got.Ready != nil || !got.LastSyncTime.IsZero() {
		t.Fatalf("an unmeasured BudgetAlert: %+v", got)
	}
	in := baseInput(now)
	in.Spec.BudgetAlertRef = &billingv1alpha1.LocalObjectReference{Name: "team"}
	in.Budget = got
	if hold, _ := budgetGate(in); reasonOf(hold) != ReasonBudgetNotReady {
		t.Fatalf("a BudgetAlert never reconciled is held as %q, want %q", reasonOf(hold), ReasonBudgetNotReady)
	}
}

func TestApprovalPolicyGate(t *testing.T) {
	tests := []struct {
		name      string
		policy    billingv1alpha1.ApprovalPolicy
		threshold *billingv1alpha1.Money
		price     string
		want      Reason
	}{
		{name: "never", policy: billingv1alpha1.ApprovalNever, price: "1000.00"},
		{name: "unset is never", price: "1000.00"},
		{name: "always", policy: billingv1alpha1.ApprovalAlways, price: "0.01", want: ReasonApprovalPolicy},
		{name: "above amount: below", policy: billingv1alpha1.ApprovalAboveAmount, threshold: usd("50.00"), price: "49.00"},
		{name: "above amount: above", policy: billingv1alpha1.ApprovalAboveAmount, threshold: usd("50.00"), price: "50.01", want: ReasonApprovalPolicy},
		{name: "above amount in another currency asks", policy: billingv1alpha1.ApprovalAboveAmount,
			threshold: &billingv1alpha1.Money{Amount: "50.00", Currency: "CNY"}, price: "1.00", want: ReasonApprovalPolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput(now)
			in.Spec.ApprovalPolicy, in.Spec.ApprovalAmount = tt.policy, tt.threshold
			in.Quote.Price = *usd(tt.price)
			if got := reasonOf(approvalPolicyGate(in)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPendingOrderGates(t *testing.T) {
	year := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1}
	threeMonths := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 3}
	tests := []struct {
		name    string
		order   *PendingOrder
		policy  billingv1alpha1.PendingOrderPolicy
		wantEnd Reason
		wantAsk Reason
	}{
		{name: "no pending order"},
		{name: "same period, RequireApproval: asks", order: &PendingOrder{ID: "O1", Period: &month},
			policy: billingv1alpha1.PendingOrdersRequireApproval, wantAsk: ReasonPendingOrderNotOurs},
		{name: "same period, unset policy is RequireApproval", order: &PendingOrder{ID: "O1", Period: &month}, wantAsk: ReasonPendingOrderNotOurs},
		{name: "same period, Gate: gated like a quote", order: &PendingOrder{ID: "O1", Period: &month}, policy: billingv1alpha1.PendingOrdersGate},
		{name: "a year instead of a month: never paid", order: &PendingOrder{ID: "O1", Period: &year},
			policy: billingv1alpha1.PendingOrdersGate, wantEnd: ReasonPendingOrderPeriod, wantAsk: ""},
		{name: "three months instead of one: never paid", order: &PendingOrder{ID: "O1", Period: &threeMonths},
			policy: billingv1alpha1.PendingOrdersRequireApproval, wantEnd: ReasonPendingOrderPeriod, wantAsk: ReasonPendingOrderNotOurs},
		{name: "period unreadable: never paid", order: &PendingOrder{ID: "O1"}, policy: billingv1alpha1.PendingOrdersGate, wantEnd: ReasonPendingOrderPeriod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput(now)
			in.Spec.PendingOrders = tt.policy
			in.Quote.PendingOrder = tt.order
			if got := reasonOf(pendingOrderPeriodGate(in)); got != tt.wantEnd {
				t.Fatalf("end %q, want %q", got, tt.wantEnd)
			}
			if got := reasonOf(pendingOrderApprovalGate(in)); got != tt.wantAsk {
				t.Fatalf("ask %q, want %q", got, tt.wantAsk)
			}
			if tt.wantEnd != "" {
				if d := Evaluate(in); d.Phase != billingv1alpha1.RenewalPhaseFailed || !strings.Contains(d.Message, "pay or cancel it in the console") {
					t.Fatalf("Evaluate: %s %q, want Failed telling the person to pay or cancel it", d.Phase, d.Message)
				}
			}
		})
	}
}

func TestDecisionGate(t *testing.T) {
	asks := []Finding{{Gate: GatePrice, Reason: ReasonPriceAboveMax, Message: "the price 100.00 USD is above maxPrice 50.00 USD"}}
	tests := []struct {
		name       string
		approval   *Approval
		price      string
		wantState  billingv1alpha1.ApprovalState
		wantReason Reason
		wantText   string
	}{
		{name: "no decision yet: waits", price: "100.00", wantState: billingv1alpha1.ApprovalStateRequired, wantReason: ReasonPriceAboveMax},
		{name: "approved at the price", approval: &Approval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice", Amount: usd("100.00")},
			price: "100.00", wantState: billingv1alpha1.ApprovalStateApproved, wantReason: ReasonApproved},
		{name: "approved, the price fell", approval: &Approval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice", Amount: usd("100.00")},
			price: "80.00", wantState: billingv1alpha1.ApprovalStateApproved, wantReason: ReasonApproved},
		{name: "approved, the price rose: asks again", approval: &Approval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice", Amount: usd("100.00")},
			price: "120.00", wantState: billingv1alpha1.ApprovalStateRequiredAgain, wantReason: ReasonPriceRose, wantText: "rose from 100.00 USD, approved by alice, to 120.00 USD"},
		{name: "approved in another currency: asks again", approval: &Approval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice",
			Amount: &billingv1alpha1.Money{Amount: "1000.00", Currency: "CNY"}},
			price: "100.00", wantState: billingv1alpha1.ApprovalStateRequiredAgain, wantReason: ReasonPriceRose},
		{name: "an approval bound to nothing covers nothing", approval: &Approval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice"},
			price: "100.00", wantState: billingv1alpha1.ApprovalStateRequiredAgain, wantReason: ReasonPriceAboveMax, wantText: "does not cover it, a new decision is needed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput(now)
			in.Approval = tt.approval
			in.Quote.Price = *usd(tt.price)
			state, reason, msg := decisionGate(in, asks)
			if state != tt.wantState || reason != tt.wantReason || !strings.Contains(msg, tt.wantText) {
				t.Fatalf("got %s %q %q, want %s %q containing %q", state, reason, msg, tt.wantState, tt.wantReason, tt.wantText)
			}
		})
	}
}

func TestBindApproval(t *testing.T) {
	tests := []struct {
		name     string
		approval *billingv1alpha1.RenewalApproval
		shown    *billingv1alpha1.Money
		want     *billingv1alpha1.Money
	}{
		{name: "none"},
		{name: "deny binds nothing", approval: &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionDeny}, shown: usd("10.00")},
		{name: "approve binds the quote shown", approval: &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove}, shown: usd("10.00"), want: usd("10.00")},
		{name: "maxAmount wins over the quote shown", approval: &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove, MaxAmount: usd("15.00")},
			shown: usd("10.00"), want: usd("15.00")},
		{name: "no quote shown and no maxAmount: nothing", approval: &billingv1alpha1.RenewalApproval{Decision: billingv1alpha1.DecisionApprove}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BindApproval(tt.approval, tt.shown)
			if FormatMoney(got) != FormatMoney(tt.want) {
				t.Fatalf("got %s, want %s", FormatMoney(got), FormatMoney(tt.want))
			}
		})
	}
}

func TestQuoteStale(t *testing.T) {
	tests := []struct {
		name     string
		quotedAt time.Time
		want     bool
	}{
		{name: "just quoted", quotedAt: now},
		{name: "a minute short of the bound", quotedAt: now.Add(-MaxQuoteAge + time.Minute)},
		{name: "at the bound", quotedAt: now.Add(-MaxQuoteAge), want: true},
		{name: "weeks old", quotedAt: now.Add(-21 * 24 * time.Hour), want: true},
		{name: "no time", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := QuoteStale(tt.quotedAt, now); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEvaluate is the chain: which gate decides when several apply, and
// what the Decision carries.
func TestEvaluate(t *testing.T) {
	approve := func(amount string) *Approval {
		return &Approval{Decision: billingv1alpha1.DecisionApprove, Approver: "alice", Amount: usd(amount)}
	}
	tests := []struct {
		name        string
		change      func(*Input)
		wantPhase   billingv1alpha1.RenewalPhase
		wantReasons []Reason
		wantState   billingv1alpha1.ApprovalState
		wantWake    time.Time
	}{
		{name: "no gate: approved automatically", change: func(*Input) {},
			wantPhase: billingv1alpha1.RenewalPhaseApproved, wantReasons: []Reason{ReasonAutoApproved}, wantState: billingv1alpha1.ApprovalStateAutoApproved},
		{name: "a Deny ends it whatever else holds", change: func(in *Input) {
			in.Approval = &Approval{Decision: billingv1alpha1.DecisionDeny, Approver: "bob"}
			in.Spec.BudgetAlertRef = &billingv1alpha1.LocalObjectReference{Name: "gone"}
		}, wantPhase: billingv1alpha1.RenewalPhaseDenied, wantReasons: []Reason{ReasonDenied}, wantState: billingv1alpha1.ApprovalStateDenied},
		{name: "a budget hold wins over asking", change: func(in *Input) {
			in.Spec.MaxPrice = usd("1.00")
			in.Spec.BudgetAlertRef = &billingv1alpha1.LocalObjectReference{Name: "team"}
			in.Budget = readyBudget(now)
			in.Budget.Ready.True = false
		}, wantPhase: billingv1alpha1.RenewalPhaseBlocked, wantReasons: []Reason{ReasonBudgetNotReady, ReasonPriceAboveMax},
			wantWake: now.Add(BudgetHoldRecheck)},
		{name: "every ask is listed, the first decides the condition", change: func(in *Input) {
			in.Spec.MaxPrice = usd("1.00")
			in.Spec.ApprovalPolicy = billingv1alpha1.ApprovalAlways
			in.Spec.BudgetAlertRef = &billingv1alpha1.LocalObjectReference{Name: "team"}
			in.Budget = readyBudget(now, billingv1alpha1.ActionRequireApproval)
		}, wantPhase: billingv1alpha1.RenewalPhaseAwaitingApproval,
			wantReasons: []Reason{ReasonPriceAboveMax, ReasonBudgetRequires, ReasonApprovalPolicy}, wantState: billingv1alpha1.ApprovalStateRequired,
			wantWake: now.Add(MaxQuoteAge)},
		{name: "waiting for a person wakes when the quote goes stale", change: func(in *Input) {
			in.Spec.ApprovalPolicy = billingv1alpha1.ApprovalAlways
			in.Quote.QuotedAt = now.Add(-time.Hour)
		}, wantPhase: billingv1alpha1.RenewalPhaseAwaitingApproval, wantReasons: []Reason{ReasonApprovalPolicy},
			wantState: billingv1alpha1.ApprovalStateRequired, wantWake: now.Add(MaxQuoteAge - time.Hour)},
		{name: "approved, then held by the window", change: func(in *Input) {
			in.Spec.ApprovalPolicy = billingv1alpha1.ApprovalAlways
			in.Approval = approve("100.00")
			in.Spec.Window = &billingv1alpha1.RenewalWindow{StartHour: 20, EndHour: 22}
		}, wantPhase: billingv1alpha1.RenewalPhaseBlocked, wantReasons: []Reason{ReasonOutsideWindow, ReasonApprovalPolicy},
			wantState: billingv1alpha1.ApprovalStateApproved, wantWake: time.Date(2027, 1, 11, 20, 0, 0, 0, time.UTC)},
		{name: "the price rose above the approval: asks again", change: func(in *Input) {
			in.Spec.ApprovalPolicy = billingv1alpha1.ApprovalAlways
			in.Approval = approve("90.00")
		}, wantPhase: billingv1alpha1.RenewalPhaseAwaitingApproval, wantReasons: []Reason{ReasonPriceRose, ReasonApprovalPolicy},
			wantState: billingv1alpha1.ApprovalStateRequiredAgain, wantWake: now.Add(MaxQuoteAge)},
		{name: "an approval is not needed when nothing asks", change: func(in *Input) { in.Approval = approve("1.00") },
			wantPhase: billingv1alpha1.RenewalPhaseApproved, wantReasons: []Reason{ReasonAutoApproved}, wantState: billingv1alpha1.ApprovalStateAutoApproved},
		{name: "a foreign pending order waits for a person even within every limit", change: func(in *Input) {
			in.Quote.PendingOrder = &PendingOrder{ID: "O1", Period: &month}
		}, wantPhase: billingv1alpha1.RenewalPhaseAwaitingApproval, wantReasons: []Reason{ReasonPendingOrderNotOurs},
			wantState: billingv1alpha1.ApprovalStateRequired, wantWake: now.Add(MaxQuoteAge)},
		{name: "a foreign pending order, approved: paid", change: func(in *Input) {
			in.Quote.PendingOrder = &PendingOrder{ID: "O1", Period: &month}
			in.Approval = approve("100.00")
		}, wantPhase: billingv1alpha1.RenewalPhaseApproved, wantReasons: []Reason{ReasonApproved, ReasonPendingOrderNotOurs},
			wantState: billingv1alpha1.ApprovalStateApproved},
		{name: "a foreign pending order still goes through the price cap under Gate", change: func(in *Input) {
			in.Spec.PendingOrders = billingv1alpha1.PendingOrdersGate
			in.Spec.MaxPrice = usd("50.00")
			in.Quote.PendingOrder = &PendingOrder{ID: "O1", Period: &month}
		}, wantPhase: billingv1alpha1.RenewalPhaseAwaitingApproval, wantReasons: []Reason{ReasonPriceAboveMax},
			wantState: billingv1alpha1.ApprovalStateRequired, wantWake: now.Add(MaxQuoteAge)},
		{name: "an invalid window fails", change: func(in *Input) {
			in.Spec.Window = &billingv1alpha1.RenewalWindow{StartHour: 9, EndHour: 17, TimeZone: "Mars/Olympus"}
		}, wantPhase: billingv1alpha1.RenewalPhaseFailed, wantReasons: []Reason{ReasonWindowInvalid}, wantState: billingv1alpha1.ApprovalStateAutoApproved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput(now)
			tt.change(&in)
			d := Evaluate(in)
			if d.Phase != tt.wantPhase || !slices.Equal(d.Reasons(), tt.wantReasons) || d.ApprovalState != tt.wantState || !d.WakeAt.Equal(tt.wantWake) {
				t.Fatalf("got %s %v state %q wake %v (%q), want %s %v state %q wake %v",
					d.Phase, d.Reasons(), d.ApprovalState, d.WakeAt, d.Message, tt.wantPhase, tt.wantReasons, tt.wantState, tt.wantWake)
			}
			if d.Message == "" {
				t.Fatal("no message")
			}
		})
	}
}

func TestDenialMessage(t *testing.T) {
	for _, tt := range []struct{ reason, want string }{
		{"", "denied by bob"},
		{"too expensive", "denied by bob: too expensive"},
	} {
		in := baseInput(now)
		in.Approval = &Approval{Decision: billingv1alpha1.DecisionDeny, Approver: "bob", Reason: tt.reason}
		if d := Evaluate(in); d.Message != tt.want {
			t.Errorf("denial with reason %q: message %q, want %q", tt.reason, d.Message, tt.want)
		}
	}
}
