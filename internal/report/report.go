// Package report answers the finance lead (issue 18): what renews,
// converts or lapses in the next N days, per account, policy, enterprise
// project and currency, at the quoted or last known price, with the cloud's
// auto-renew deductions, totals per currency (never converted), what is
// blocked, and what renewing a year at once would save. It is pure: the
// caller reads Subscriptions, RenewalPolicies, RenewalRequests and
// BillingAccounts from the cluster (kubectl bss report) and passes them in;
// nothing here calls BSS. The quotes come from the operator's status
// (status.lastQuote, status.longerTermQuote), which the operator keeps for
// every Manage Subscription due within its --quote-horizon.
package report

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// Action is what happens to a subscription inside the report's window.
type Action string

// Actions of a row.
const (
	// ActionRenew is a renewal the operator orders (Manage, Renew policy).
	ActionRenew Action = "Renew"
	// ActionAutoRenew is the cloud's own auto-renew deduction (6.3.4),
	// kept by an AutoRenew policy or found on in the cloud.
	ActionAutoRenew Action = "AutoRenew"
	// ActionConvert is the change to pay-per-use at expiry (6.3.6).
	ActionConvert Action = "ConvertToPayPerUse"
	// ActionLapse is an expiry the policy lets happen.
	ActionLapse Action = "Lapse"
	// ActionNoPlan is an expiry nothing will prevent: no policy, or a
	// Renew policy the operator will not act on (Observe or paused).
	ActionNoPlan Action = "NoPlan"
)

// Pays reports whether the action takes money at its due time.
func (a Action) Pays() bool { return a == ActionRenew || a == ActionAutoRenew }

// PriceSource says where a row's price comes from.
type PriceSource string

// Sources of a price.
const (
	// PriceQuoted is a quote (4.2.3) at most MaxQuoteAge old: the
	// Subscription's lastQuote or its renewal attempt's quote.
	PriceQuoted PriceSource = "Quoted"
	// PriceLastQuote is an older quote for the same period.
	PriceLastQuote PriceSource = "LastQuote"
	// PriceLastRenewal is what the last renewal cost (status.lastRenewal).
	PriceLastRenewal PriceSource = "LastRenewal"
	// PricePayPerUse is the pay-per-use monthly estimate (4.2.1) of a
	// conversion; it is not a payment at the due time and is not in the
	// totals.
	PricePayPerUse PriceSource = "PayPerUseEstimate"
	// PriceUnknown is a payment whose amount is not known: counted apart,
	// never as zero.
	PriceUnknown PriceSource = "Unknown"
	// PriceNone is an action that pays nothing (a lapse).
	PriceNone PriceSource = "None"
)

// Blocked says what holds a row's action.
type Blocked string

// Reasons a row is blocked.
const (
	// NotBlocked is nothing in the way.
	NotBlocked Blocked = ""
	// BlockedApproval waits for a person's approval.
	BlockedApproval Blocked = "AwaitingApproval"
	// BlockedBudget is held by a BudgetAlert.
	BlockedBudget Blocked = "Budget"
	// BlockedWindow waits for the renewal window to open.
	BlockedWindow Blocked = "Window"
	// BlockedPayment waits for a person to pay the order (Manual).
	BlockedPayment Blocked = "PaymentPending"
	// BlockedAutoRenewOverdue is a cloud deduction that failed (is the
	// balance enough?).
	BlockedAutoRenewOverdue Blocked = "AutoRenewOverdue"
	// BlockedStalled is a Subscription at a dead end (its Stalled
	// condition says why).
	BlockedStalled Blocked = "Stalled"
)

// Input is what the report is computed from.
type Input struct {
	// Subscriptions, Policies, Requests and Accounts as read from the
	// cluster, in any order.
	Subscriptions []billingv1alpha1.Subscription
	Policies      []billingv1alpha1.RenewalPolicy
	Requests      []billingv1alpha1.RenewalRequest
	Accounts      []billingv1alpha1.BillingAccount
	// Now is the start of the window, Days its length.
	Now  time.Time
	Days int
}

// Row is one action inside the window.
type Row struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Account is the BillingAccount's name.
	Account string `json:"account"`
	// Policy is the RenewalPolicy's name; empty without one.
	Policy string `json:"policy,omitempty"`
	// Management is Manage, Observe or Paused.
	Management string `json:"management"`
	// EnterpriseProject is the resource's enterprise project ID, and
	// EnterpriseProjectName its name, as BSS reports them.
	EnterpriseProject     string `json:"enterpriseProject,omitempty"`
	EnterpriseProjectName string `json:"enterpriseProjectName,omitempty"`
	ResourceID            string `json:"resourceID"`
	Action                Action `json:"action"`
	// Due is the first time the action happens inside the window (now
	// for one that is overdue or under way); Times how often it happens
	// in the window (a monthly renewal in a 90-day window: 3).
	Due   time.Time `json:"due"`
	Times int       `json:"times"`
	// Period is the term one action buys, for example "1 Month".
	Period string `json:"period,omitempty"`
	// Price is the price of one action, in Currency; Amount is Price
	// times Times. Both are empty when unknown.
	Price       string      `json:"price,omitempty"`
	Amount      string      `json:"amount,omitempty"`
	Currency    string      `json:"currency,omitempty"`
	PriceSource PriceSource `json:"priceSource"`
	// PricedAt is when the price was quoted or paid.
	PricedAt *time.Time `json:"pricedAt,omitempty"`
	// Blocked is what holds the action, BlockedMessage why.
	Blocked        Blocked `json:"blocked,omitempty"`
	BlockedMessage string  `json:"blockedMessage,omitempty"`
	// SavingPerYear is what renewing one year at once saves against a
	// year of these renewals (status.longerTermQuote), only when
	// positive; in Currency.
	SavingPerYear string `json:"savingPerYear,omitempty"`
}

// Total is the sum of one currency's payments.
type Total struct {
	Currency string `json:"currency"`
	// Amount adds up the priced payments (Row.Amount).
	Amount string `json:"amount"`
	// Payments counts the priced rows.
	Payments int `json:"payments"`
	// SavingPerYear adds up the rows' savings.
	SavingPerYear string `json:"savingPerYear"`
}

// Group is the rows sharing an account, policy or enterprise project.
type Group struct {
	// Key is "namespace/name" of an account or policy, or the enterprise
	// project ID; "" for rows without one.
	Key string `json:"key"`
	// Name is the enterprise project's name, when known.
	Name string `json:"name,omitempty"`
	// Rows counts the group's rows, Blocked those blocked, and Unpriced
	// the payments whose price is unknown (not in Totals).
	Rows     int `json:"rows"`
	Blocked  int `json:"blocked"`
	Unpriced int `json:"unpriced"`
	// Totals are per currency, never added across currencies.
	Totals []Total `json:"totals"`
	// Balance is the account's balance (BillingAccount status), to set
	// against the totals; accounts only.
	Balance *billingv1alpha1.Money `json:"balance,omitempty"`
}

// Report is the answer.
type Report struct {
	Now   time.Time `json:"now"`
	Until time.Time `json:"until"`
	Days  int       `json:"days"`
	// Rows are ordered by due time, then namespace and name.
	Rows []Row `json:"rows"`
	// Totals are per currency; Unpriced counts the payments of unknown
	// price and Blocked the rows held.
	Totals   []Total `json:"totals"`
	Unpriced int     `json:"unpriced"`
	Blocked  int     `json:"blocked"`
	// ByAccount, ByPolicy and ByEnterpriseProject group the rows.
	ByAccount           []Group `json:"byAccount"`
	ByPolicy            []Group `json:"byPolicy"`
	ByEnterpriseProject []Group `json:"byEnterpriseProject"`
}

// Build computes the report of the next in.Days days from in.Now.
func Build(in Input) Report {
	until := in.Now.Add(time.Duration(in.Days) * 24 * time.Hour)
	idx := newIndex(in)
	rep := Report{Now: in.Now, Until: until, Days: in.Days, Rows: []Row{}}
	for i := range in.Subscriptions {
		if row, ok := idx.row(&in.Subscriptions[i], in.Now, until); ok {
			rep.Rows = append(rep.Rows, row)
		}
	}
	// Namespace and name are unique, so the order is total.
	slices.SortFunc(rep.Rows, func(a, b Row) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	all := newAcc("", "")
	accounts, policies, projects := groups{}, groups{}, groups{}
	for i := range rep.Rows {
		r := &rep.Rows[i]
		all.add(r)
		accounts.get(r.Namespace+"/"+r.Account, "").add(r)
		policyKey := ""
		if r.Policy != "" {
			policyKey = r.Namespace + "/" + r.Policy
		}
		policies.get(policyKey, "").add(r)
		projects.get(r.EnterpriseProject, r.EnterpriseProjectName).add(r)
	}
	top := all.group()
	rep.Totals, rep.Unpriced, rep.Blocked = top.Totals, top.Unpriced, top.Blocked
	rep.ByAccount = accounts.list(func(g *Group) {
		if a, ok := idx.accounts[g.Key]; ok && a.Status.Balance != nil {
			g.Balance = a.Status.Balance.DeepCopy()
		}
	})
	rep.ByPolicy = policies.list(nil)
	rep.ByEnterpriseProject = projects.list(nil)
	return rep
}

// acc adds rows up.
type acc struct {
	key, name               string
	rows, blocked, unpriced int
	amounts, savings        map[string]decimal.Decimal
	payments                map[string]int
}

func newAcc(key, name string) *acc {
	return &acc{key: key, name: name, amounts: map[string]decimal.Decimal{}, savings: map[string]decimal.Decimal{}, payments: map[string]int{}}
}

func (a *acc) add(r *Row) {
	a.rows++
	if r.Blocked != NotBlocked {
		a.blocked++
	}
	if a.name == "" {
		a.name = r.EnterpriseProjectName
	}
	if !r.Action.Pays() {
		return
	}
	amount, err := decimal.NewFromString(r.Amount)
	if r.PriceSource == PriceUnknown || r.Currency == "" || err != nil {
		a.unpriced++
		return
	}
	a.amounts[r.Currency] = a.amounts[r.Currency].Add(amount)
	a.payments[r.Currency]++
	if s, err := decimal.NewFromString(r.SavingPerYear); err == nil {
		a.savings[r.Currency] = a.savings[r.Currency].Add(s)
	}
}

func (a *acc) group() Group {
	g := Group{Key: a.key, Name: a.name, Rows: a.rows, Blocked: a.blocked, Unpriced: a.unpriced, Totals: []Total{}}
	currencies := make([]string, 0, len(a.amounts))
	for c := range a.amounts {
		currencies = append(currencies, c)
	}
	sort.Strings(currencies)
	for _, c := range currencies {
		g.Totals = append(g.Totals, Total{Currency: c, Amount: a.amounts[c].StringFixed(2), Payments: a.payments[c],
			SavingPerYear: a.savings[c].StringFixed(2)})
	}
	return g
}

// groups are accumulators by key.
type groups map[string]*acc

func (gs groups) get(key, name string) *acc {
	a, ok := gs[key]
	if !ok {
		a = newAcc(key, name)
		gs[key] = a
	}
	return a
}

// list returns the groups ordered by key, each finished by f.
func (gs groups) list(f func(*Group)) []Group {
	out := make([]Group, 0, len(gs))
	for _, a := range gs {
		g := a.group()
		if f != nil {
			f(&g)
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
