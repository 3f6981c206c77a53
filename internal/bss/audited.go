package bss

import (
	"context"
	"strconv"

	"github.com/go-logr/logr"

	"github.com/bss-operator/bss-operator/internal/audit"
)

// Audit outcomes: what a write did, as far as the operator can tell.
const (
	// AuditOK means BSS accepted the write.
	AuditOK = "ok"
	// AuditRefused means BSS (or the client, before sending) refused the
	// write and nothing was applied; errorCode says why.
	AuditRefused = "refused"
	// AuditUnknown means the write may or may not have been applied (a
	// lost answer, a server failure after sending): the operator looks the
	// outcome up before acting again.
	AuditUnknown = "unknown"
)

// audited decorates a Client so that every write (renew, unsubscribe,
// auto-renew on, off and settings, to-on-demand, pay, cancel) leaves
// exactly one record on the audit logger, with its outcome and what the
// context's audit.Subject says it was made for. Reads pass through.
//
// Every Client method is either forwarded untouched (a read) or recorded
// (a write); TestAuditedRecordsEveryWriteOnce fails for a method added to
// Client without being classified here.
type audited struct {
	next    Client
	log     logr.Logger
	account string
}

var _ Client = (*audited)(nil)

// NewAudited wraps next so that every write is recorded on log, under the
// account key. Wrapping an audited client again returns it unchanged, so
// that no write is recorded twice.
func NewAudited(next Client, log logr.Logger, account string) Client {
	if a, ok := next.(*audited); ok {
		return a
	}
	return &audited{next: next, log: log, account: account}
}

// auditOutcome maps a write's error to an outcome. An error that is not a
// classified BSS error is "unknown": the record must never say that a
// write that may have moved money did not.
func auditOutcome(err error) string {
	if err == nil {
		return AuditOK
	}
	e, ok := AsError(err)
	if !ok || e.Class == ClassAmbiguous {
		return AuditUnknown
	}
	return AuditRefused
}

// record writes one audit record for the write op. kv are the write's own
// fields (resource and order ids, period, ...).
func (a *audited) record(ctx context.Context, op string, err error, kv ...any) {
	fields := make([]any, 0, 48)
	fields = append(fields, "operation", op, "account", a.account, "outcome", auditOutcome(err))
	fields = append(fields, kv...)
	if err != nil {
		fields = append(fields, "error", Describe(err))
		if e, ok := AsError(err); ok {
			fields = append(fields, "errorCode", e.Code, "errorClass", e.Class.String(), "httpStatus", e.HTTPStatus)
			if e.RequestID != "" {
				fields = append(fields, "requestID", e.RequestID)
			}
			if len(e.OrderIDs) > 0 {
				fields = append(fields, "errorOrderIDs", e.OrderIDs)
			}
		}
	}
	if amt, ok := audit.AmountFrom(ctx); ok {
		fields = append(fields, "amount", amt)
	}
	if s, ok := audit.SubjectFrom(ctx); ok {
		fields = append(fields,
			"kind", s.Kind, "namespace", s.Namespace, "name", s.Name, "uid", s.UID,
			"subscription", s.Subscription, "policy", s.Policy)
		if s.RenewalRequest != "" {
			fields = append(fields, "renewalRequest", s.RenewalRequest, "revision", s.Revision)
		}
		if s.ApprovalState != "" {
			fields = append(fields, "approvalState", s.ApprovalState)
		}
		if s.Approver != "" {
			fields = append(fields, "approver", s.Approver)
		}
		if s.ApprovedAmount != nil {
			fields = append(fields, "approvedAmount", *s.ApprovedAmount)
		}
		if s.Quote != nil {
			fields = append(fields, "quote", *s.Quote)
		}
	} else {
		// Still recorded: a write without a subject is a bug to see.
		fields = append(fields, "kind", "")
	}
	a.log.Info("BSS write", fields...)
}

func failureFields(f []ItemFailure) []any {
	if len(f) == 0 {
		return nil
	}
	out := make([]string, len(f))
	for i, x := range f {
		out[i] = x.ResourceID + ": " + x.Code + " " + x.Message
	}
	return []any{"failures", out}
}

// Renew implements Client.
func (a *audited) Renew(ctx context.Context, req RenewRequest) (*RenewResult, error) {
	res, err := a.next.Renew(ctx, req)
	kv := []any{"resourceIDs", req.ResourceIDs, "period", strconv.Itoa(req.PeriodNum) + " " + req.PeriodType.String(), "autoPay", req.AutoPay}
	if res != nil {
		kv = append(kv, "orderIDs", res.OrderIDs)
		kv = append(kv, failureFields(res.Failures)...)
	}
	a.record(ctx, "Renew", err, kv...)
	return res, err
}

// Unsubscribe implements Client.
func (a *audited) Unsubscribe(ctx context.Context, req UnsubscribeRequest) (*UnsubscribeResult, error) {
	res, err := a.next.Unsubscribe(ctx, req)
	kv := []any{"resourceIDs", req.ResourceIDs, "unsubscribeType", int(req.Type)}
	if res != nil {
		kv = append(kv, "orderIDs", res.OrderIDs)
		kv = append(kv, failureFields(res.Failures)...)
	}
	a.record(ctx, "Unsubscribe", err, kv...)
	return res, err
}

// EnableAutoRenew implements Client.
func (a *audited) EnableAutoRenew(ctx context.Context, resourceID string, settings ...AutoRenewSettings) error {
	err := a.next.EnableAutoRenew(ctx, resourceID, settings...)
	kv := []any{"resourceIDs", []string{resourceID}}
	for _, s := range settings {
		if s.Times != nil {
			kv = append(kv, "autoRenewTimes", *s.Times)
		}
		if s.PeriodType != nil {
			kv = append(kv, "autoRenewPeriod", s.PeriodType.String())
		}
	}
	a.record(ctx, "EnableAutoRenew", err, kv...)
	return err
}

// DisableAutoRenew implements Client.
func (a *audited) DisableAutoRenew(ctx context.Context, resourceID string) error {
	err := a.next.DisableAutoRenew(ctx, resourceID)
	a.record(ctx, "DisableAutoRenew", err, "resourceIDs", []string{resourceID})
	return err
}

// SetToOnDemand implements Client.
func (a *audited) SetToOnDemand(ctx context.Context, req ToOnDemandRequest) (*ToOnDemandResult, error) {
	res, err := a.next.SetToOnDemand(ctx, req)
	kv := []any{"resourceIDs", req.ResourceIDs, "toOnDemand", string(req.Operation)}
	if res != nil {
		kv = append(kv, failureFields(res.Failures)...)
	}
	a.record(ctx, "SetToOnDemand", err, kv...)
	return res, err
}

// PayOrder implements Client.
func (a *audited) PayOrder(ctx context.Context, req PayOrderRequest) error {
	err := a.next.PayOrder(ctx, req)
	kv := []any{"orderIDs", []string{req.OrderID}}
	if req.Discount != nil {
		kv = append(kv, "discountID", req.Discount.ID)
	}
	if len(req.Coupons) > 0 {
		ids := make([]string, len(req.Coupons))
		for i, c := range req.Coupons {
			ids[i] = c.ID
		}
		kv = append(kv, "couponIDs", ids)
	}
	a.record(ctx, "PayOrder", err, kv...)
	return err
}

// CancelOrder implements Client.
func (a *audited) CancelOrder(ctx context.Context, orderID string) error {
	err := a.next.CancelOrder(ctx, orderID)
	a.record(ctx, "CancelOrder", err, "orderIDs", []string{orderID})
	return err
}

// QueryResources implements Client (a read).
func (a *audited) QueryResources(ctx context.Context, req QueryResourcesRequest) ([]Resource, error) {
	return a.next.QueryResources(ctx, req)
}

// ListResources implements Client (a read).
func (a *audited) ListResources(ctx context.Context, req ListResourcesRequest) (*ResourcePage, error) {
	return a.next.ListResources(ctx, req)
}

// ListOrders implements Client (a read).
func (a *audited) ListOrders(ctx context.Context, req ListOrdersRequest) (*OrderPage, error) {
	return a.next.ListOrders(ctx, req)
}

// GetOrder implements Client (a read).
func (a *audited) GetOrder(ctx context.Context, orderID string) (*OrderDetail, error) {
	return a.next.GetOrder(ctx, orderID)
}

// ListOrderDiscounts implements Client (a read).
func (a *audited) ListOrderDiscounts(ctx context.Context, orderID string) ([]Discount, error) {
	return a.next.ListOrderDiscounts(ctx, orderID)
}

// ListRefunds implements Client (a read).
func (a *audited) ListRefunds(ctx context.Context, orderID string) ([]Refund, error) {
	return a.next.ListRefunds(ctx, orderID)
}

// RenewalPrice implements Client (a read).
func (a *audited) RenewalPrice(ctx context.Context, req RenewalPriceRequest) (*RenewalQuote, error) {
	return a.next.RenewalPrice(ctx, req)
}

// OnDemandPrice implements Client (a read).
func (a *audited) OnDemandPrice(ctx context.Context, req OnDemandPriceRequest) (*OnDemandQuote, error) {
	return a.next.OnDemandPrice(ctx, req)
}

// Balances implements Client (a read).
func (a *audited) Balances(ctx context.Context) (*Balances, error) {
	return a.next.Balances(ctx)
}

// SummaryBills implements Client (a read).
func (a *audited) SummaryBills(ctx context.Context, req SummaryBillsRequest) (*SummaryBills, error) {
	return a.next.SummaryBills(ctx, req)
}

// CostData implements Client (a read).
func (a *audited) CostData(ctx context.Context, req CostDataRequest) (*CostPage, error) {
	return a.next.CostData(ctx, req)
}
