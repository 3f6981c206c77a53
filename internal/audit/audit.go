// Package audit carries, in a context, what a BSS write is made for: the
// object and attempt, the policy, the approval, the quote and the amount
// the write is expected to charge. The audited BSS client (internal/bss,
// audited.go) records every write it makes with what it finds here, so
// that a write path added later is recorded without anyone remembering to
// log it; controllers only attach a Subject once per pass.
//
// The package holds context keys and plain values only, so that both the
// controllers and the BSS client can import it.
package audit

import "context"

// LoggerName is the name of the audit logger: the manager's JSON log lines
// with "logger":"audit" are the audit trail (docs/operating.md).
const LoggerName = "audit"

// Amount is a sum of money as the API shows it: a decimal string and an
// ISO 4217 currency.
type Amount struct {
	// Amount is a decimal number, for example "129.90".
	Amount string `json:"amount"`
	// Currency is the ISO 4217 code, for example "USD".
	Currency string `json:"currency,omitempty"`
}

// Subject is what a BSS write is made for.
type Subject struct {
	// Kind, Namespace, Name and UID identify the object whose reconcile
	// makes the write (a RenewalRequest, a Subscription).
	Kind, Namespace, Name, UID string
	// Subscription is the Subscription the write is for.
	Subscription string
	// RenewalRequest and Revision name the renewal attempt, when the write
	// belongs to one.
	RenewalRequest string
	// Revision is the Subscription revision the attempt renews.
	Revision int64
	// Policy is the RenewalPolicy that governs the Subscription.
	Policy string
	// ApprovalState is how the attempt's spending was approved
	// (AutoApproved, Approved, ...), empty before the gates ran.
	ApprovalState string
	// Approver is who approved the spending, when a person did.
	Approver string
	// ApprovedAmount is the most the approval allows.
	ApprovedAmount *Amount
	// Quote is the price BSS quoted for the renewal.
	Quote *Amount
}

type subjectKey struct{}

type amountKey struct{}

// WithSubject returns a context whose BSS writes are recorded for the
// subject describe returns. describe is called when a write is recorded,
// not now, so the record shows the attempt as it is at the write (a quote
// or an approval taken earlier in the same pass included); it must be
// cheap and must not call BSS.
func WithSubject(ctx context.Context, describe func() Subject) context.Context {
	return context.WithValue(ctx, subjectKey{}, describe)
}

// SubjectFrom returns the subject attached to ctx.
func SubjectFrom(ctx context.Context) (Subject, bool) {
	describe, ok := ctx.Value(subjectKey{}).(func() Subject)
	if !ok || describe == nil {
		return Subject{}, false
	}
	return describe(), true
}

// WithAmount returns a context whose BSS writes are recorded as charging
// amount: the order amount a payment pays, before any discount the
// payment applies.
func WithAmount(ctx context.Context, amount Amount) context.Context {
	return context.WithValue(ctx, amountKey{}, amount)
}

// AmountFrom returns the amount attached to ctx.
func AmountFrom(ctx context.Context) (Amount, bool) {
	a, ok := ctx.Value(amountKey{}).(Amount)
	return a, ok
}
