package bss

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/go-logr/logr"

	"github.com/bss-operator/bss-operator/internal/audit"
)

// auditLog collects what the manager's audit logger (audit.NewLogger)
// writes, so tests see the records as a log pipeline would.
type auditLog struct{ audit.Memory }

func (l *auditLog) logger() logr.Logger { return l.Logger() }

// records returns the JSON records written so far and forgets them.
func (l *auditLog) records(t *testing.T) []map[string]any {
	t.Helper()
	out, err := l.Records(true)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stubClient answers every call with the configured result and error.
type stubClient struct {
	err         error
	renew       *RenewResult
	unsubscribe *UnsubscribeResult
	toOnDemand  *ToOnDemandResult
}

func (s *stubClient) QueryResources(context.Context, QueryResourcesRequest) ([]Resource, error) {
	return nil, s.err
}
func (s *stubClient) ListResources(context.Context, ListResourcesRequest) (*ResourcePage, error) {
	return nil, s.err
}
func (s *stubClient) Renew(context.Context, RenewRequest) (*RenewResult, error) {
	return s.renew, s.err
}
func (s *stubClient) Unsubscribe(context.Context, UnsubscribeRequest) (*UnsubscribeResult, error) {
	return s.unsubscribe, s.err
}
func (s *stubClient) EnableAutoRenew(context.Context, string, ...AutoRenewSettings) error {
	return s.err
}
func (s *stubClient) DisableAutoRenew(context.Context, string) error { return s.err }
func (s *stubClient) SetToOnDemand(context.Context, ToOnDemandRequest) (*ToOnDemandResult, error) {
	return s.toOnDemand, s.err
}
func (s *stubClient) ListOrders(context.Context, ListOrdersRequest) (*OrderPage, error) {
	return nil, s.err
}
func (s *stubClient) GetOrder(context.Context, string) (*OrderDetail, error) { return nil, s.err }
func (s *stubClient) ListOrderDiscounts(context.Context, string) ([]Discount, error) {
	return nil, s.err
}
func (s *stubClient) PayOrder(context.Context, PayOrderRequest) error       { return s.err }
func (s *stubClient) CancelOrder(context.Context, string) error             { return s.err }
func (s *stubClient) ListRefunds(context.Context, string) ([]Refund, error) { return nil, s.err }
func (s *stubClient) RenewalPrice(context.Context, RenewalPriceRequest) (*RenewalQuote, error) {
	return nil, s.err
}
func (s *stubClient) OnDemandPrice(context.Context, OnDemandPriceRequest) (*OnDemandQuote, error) {
	return nil, s.err
}
func (s *stubClient) Balances(context.Context) (*Balances, error) { return nil, s.err }
func (s *stubClient) SummaryBills(context.Context, SummaryBillsRequest) (*SummaryBills, error) {
	return nil, s.err
}
func (s *stubClient) CostData(context.Context, CostDataRequest) (*CostPage, error) {
	return nil, s.err
}

// writeOps are the Client methods that change something in BSS. A method
// added to Client must be listed here or in readOps.
var (
	writeOps = map[string]bool{"Renew": true, "Unsubscribe": true, "EnableAutoRenew": true, "DisableAutoRenew": true,
		"SetToOnDemand": true, "PayOrder": true, "CancelOrder": true}
	readOps = map[string]bool{"QueryResources": true, "ListResources": true, "ListOrders": true, "GetOrder": true,
		"ListOrderDiscounts": true, "ListRefunds": true, "RenewalPrice": true, "OnDemandPrice": true, "Balances": true, "SummaryBills": true, "CostData": true}
)

func renewalSubject() audit.Subject {
	return audit.Subject{
		Kind: "RenewalRequest", Namespace: "team", Name: "db-r3", UID: "uid-1",
		Subscription: "db", RenewalRequest: "db-r3", Revision: 3, Policy: "prod",
		ApprovalState: "Approved", Approver: "alice@example.com",
		ApprovedAmount: &audit.Amount{Amount: "120.00", Currency: "USD"},
		Quote:          &audit.Amount{Amount: "99.50", Currency: "USD"},
	}
}

// TestAuditedRecordsEveryWriteOnce calls every Client method through the
// decorator: each write leaves exactly one record naming it, each read
// none. A new Client method fails here until it is classified.
func TestAuditedRecordsEveryWriteOnce(t *testing.T) {
	log := &auditLog{}
	c := NewAudited(&stubClient{}, log.logger(), "team/acct")
	ctx := audit.WithSubject(context.Background(), renewalSubject)
	iface := reflect.TypeFor[Client]()
	v := reflect.ValueOf(c)
	for i := range iface.NumMethod() {
		m := iface.Method(i)
		if !writeOps[m.Name] && !readOps[m.Name] {
			t.Errorf("Client.%s is neither in writeOps nor in readOps: classify it, and audit it if it writes", m.Name)
			continue
		}
		args := []reflect.Value{reflect.ValueOf(ctx)}
		for j := 1; j < m.Type.NumIn(); j++ {
			if m.Type.IsVariadic() && j == m.Type.NumIn()-1 {
				break
			}
			args = append(args, reflect.Zero(m.Type.In(j)))
		}
		v.MethodByName(m.Name).Call(args)
		recs := log.records(t)
		switch {
		case writeOps[m.Name] && len(recs) != 1:
			t.Errorf("%s (a write) left %d audit records, want 1", m.Name, len(recs))
		case readOps[m.Name] && len(recs) != 0:
			t.Errorf("%s (a read) left %d audit records, want none", m.Name, len(recs))
		case len(recs) == 1:
			r := recs[0]
			if r["logger"] != "audit" || r["operation"] != m.Name || r["renewalRequest"] != "db-r3" || r["account"] != "team/acct" {
				t.Errorf("%s record %v: want logger audit, operation %s, the subject and the account", m.Name, r, m.Name)
			}
		}
	}
}

func TestAuditedRecordFields(t *testing.T) {
	refused := &Error{Op: "Renew", HTTPStatus: 400, Code: CodePendingOrder, Message: "pending order", Class: ClassTerminal, RequestID: "req-9"}
	lost := &Error{Op: "PayOrder", Class: ClassAmbiguous, Message: "response lost"}
	withSubject := func(ctx context.Context) context.Context { return audit.WithSubject(ctx, renewalSubject) }
	subscription := func(ctx context.Context) context.Context {
		return audit.WithSubject(ctx, func() audit.Subject {
			return audit.Subject{Kind: "Subscription", Namespace: "team", Name: "db", UID: "uid-2", Subscription: "db", Policy: "prod"}
		})
	}
	times, year := 2, PeriodYear
	for _, tc := range []struct {
		name string
		stub *stubClient
		ctx  func(context.Context) context.Context
		call func(context.Context, Client)
		want map[string]any
		// absent are keys the record must not have.
		absent []string
	}{{
		name: "renew placed: order ids, period, the attempt, approval and quote",
		stub: &stubClient{renew: &RenewResult{OrderIDs: []string{"CS1"}}},
		ctx:  withSubject,
		call: func(ctx context.Context, c Client) {
			_, _ = c.Renew(ctx, RenewRequest{ResourceIDs: []string{"res-1"}, PeriodType: PeriodMonth, PeriodNum: 1})
		},
		want: map[string]any{
			"msg": "BSS write", "operation": "Renew", "outcome": "ok", "account": "team/acct",
			"resourceIDs": []any{"res-1"}, "orderIDs": []any{"CS1"}, "period": "1 Month", "autoPay": false,
			"kind": "RenewalRequest", "namespace": "team", "name": "db-r3", "uid": "uid-1",
			"subscription": "db", "renewalRequest": "db-r3", "revision": float64(3), "policy": "prod",
			"approvalState": "Approved", "approver": "alice@example.com",
			"approvedAmount": map[string]any{"amount": "120.00", "currency": "USD"},
			"quote":          map[string]any{"amount": "99.50", "currency": "USD"},
		},
		absent: []string{"error", "errorCode"},
	}, {
		name: "renew refused: code, class, status and request id",
		stub: &stubClient{err: refused},
		ctx:  withSubject,
		call: func(ctx context.Context, c Client) {
			_, _ = c.Renew(ctx, RenewRequest{ResourceIDs: []string{"res-1"}, PeriodType: PeriodYear, PeriodNum: 1})
		},
		want: map[string]any{"operation": "Renew", "outcome": "refused", "errorCode": CodePendingOrder,
			"errorClass": "terminal", "httpStatus": float64(400), "requestID": "req-9"},
		absent: []string{"orderIDs"},
	}, {
		name: "pay with an unknown outcome: the amount and the discount",
		stub: &stubClient{err: lost},
		ctx: func(ctx context.Context) context.Context {
			return audit.WithAmount(withSubject(ctx), audit.Amount{Amount: "99.50", Currency: "USD"})
		},
		call: func(ctx context.Context, c Client) {
			_ = c.PayOrder(ctx, PayOrderRequest{OrderID: "CS1", Discount: &DiscountRef{ID: "d-7"}})
		},
		want: map[string]any{"operation": "PayOrder", "outcome": "unknown", "errorClass": "ambiguous",
			"orderIDs": []any{"CS1"}, "discountID": "d-7", "amount": map[string]any{"amount": "99.50", "currency": "USD"}},
	}, {
		name: "an error the client did not classify counts as unknown, never as refused",
		stub: &stubClient{err: errors.New("something else")},
		ctx:  withSubject,
		call: func(ctx context.Context, c Client) { _ = c.CancelOrder(ctx, "CS1") },
		want: map[string]any{"operation": "CancelOrder", "outcome": "unknown", "orderIDs": []any{"CS1"}, "error": "something else"},
	}, {
		name: "cancel of a missing order is refused",
		stub: &stubClient{err: &Error{Code: CodeOrderInvalid, Class: ClassNotFound}},
		ctx:  withSubject,
		call: func(ctx context.Context, c Client) { _ = c.CancelOrder(ctx, "CS2") },
		want: map[string]any{"operation": "CancelOrder", "outcome": "refused", "errorCode": CodeOrderInvalid, "errorClass": "not_found"},
	}, {
		name: "auto-renew settings of a Subscription",
		stub: &stubClient{},
		ctx:  subscription,
		call: func(ctx context.Context, c Client) {
			_ = c.EnableAutoRenew(ctx, "res-1", AutoRenewSettings{Times: &times, PeriodType: &year})
		},
		want: map[string]any{"operation": "EnableAutoRenew", "outcome": "ok", "resourceIDs": []any{"res-1"},
			"autoRenewTimes": float64(2), "autoRenewPeriod": "Year", "kind": "Subscription", "name": "db", "policy": "prod"},
		absent: []string{"renewalRequest", "approver", "quote"},
	}, {
		name: "auto-renew off",
		stub: &stubClient{},
		ctx:  subscription,
		call: func(ctx context.Context, c Client) { _ = c.DisableAutoRenew(ctx, "res-1") },
		want: map[string]any{"operation": "DisableAutoRenew", "outcome": "ok", "resourceIDs": []any{"res-1"}},
	}, {
		name: "to-on-demand with an item failure",
		stub: &stubClient{toOnDemand: &ToOnDemandResult{Failures: []ItemFailure{{ResourceID: "res-1", Code: "CBC.1", Message: "no"}}},
			err: &Error{Code: "CBC.1", Class: ClassTerminal}},
		ctx: subscription,
		call: func(ctx context.Context, c Client) {
			_, _ = c.SetToOnDemand(ctx, ToOnDemandRequest{Operation: ToOnDemandSetUp, ResourceIDs: []string{"res-1"}})
		},
		want: map[string]any{"operation": "SetToOnDemand", "outcome": "refused", "toOnDemand": "SET_UP",
			"failures": []any{"res-1: CBC.1 no"}},
	}, {
		name: "unsubscribe",
		stub: &stubClient{unsubscribe: &UnsubscribeResult{OrderIDs: []string{"CS9"}}},
		ctx:  subscription,
		call: func(ctx context.Context, c Client) {
			_, _ = c.Unsubscribe(ctx, UnsubscribeRequest{ResourceIDs: []string{"res-1"}, Type: UnsubscribeAll})
		},
		want: map[string]any{"operation": "Unsubscribe", "outcome": "ok", "orderIDs": []any{"CS9"}, "unsubscribeType": float64(1)},
	}, {
		name: "a write without a subject is still recorded, with an empty kind",
		stub: &stubClient{},
		ctx:  func(ctx context.Context) context.Context { return ctx },
		call: func(ctx context.Context, c Client) { _ = c.CancelOrder(ctx, "CS3") },
		want: map[string]any{"operation": "CancelOrder", "outcome": "ok", "kind": ""},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			log := &auditLog{}
			c := NewAudited(tc.stub, log.logger(), "team/acct")
			tc.call(tc.ctx(context.Background()), c)
			recs := log.records(t)
			if len(recs) != 1 {
				t.Fatalf("%d records, want 1: %v", len(recs), recs)
			}
			for k, want := range tc.want {
				if got := recs[0][k]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
			for _, k := range tc.absent {
				if v, ok := recs[0][k]; ok {
					t.Errorf("%s = %#v, want it absent", k, v)
				}
			}
		})
	}
}

// TestAuditedSubjectIsReadAtTheWrite: the subject is described when the
// write is recorded, so an approval given earlier in the same pass shows.
func TestAuditedSubjectIsReadAtTheWrite(t *testing.T) {
	log := &auditLog{}
	c := NewAudited(&stubClient{}, log.logger(), "team/acct")
	s := audit.Subject{Kind: "RenewalRequest", Name: "db-r1"}
	ctx := audit.WithSubject(context.Background(), func() audit.Subject { return s })
	s.Approver = "bob"
	_ = c.CancelOrder(ctx, "CS1")
	if recs := log.records(t); len(recs) != 1 || recs[0]["approver"] != "bob" {
		t.Errorf("records %v, want one with approver bob", recs)
	}
}

func TestNewAuditedTwiceRecordsOnce(t *testing.T) {
	log := &auditLog{}
	c := NewAudited(NewAudited(&stubClient{}, log.logger(), "a"), log.logger(), "a")
	_ = c.DisableAutoRenew(context.Background(), "res-1")
	if n := len(log.records(t)); n != 1 {
		t.Errorf("%d records, want 1", n)
	}
}

// TestFactoryClientsAreAudited: every client the factory hands out
// records its writes, over HTTP, with the account key.
func TestFactoryClientsAreAudited(t *testing.T) {
	ts := newTestServer(t, func(n int, w http.ResponseWriter, r *http.Request) { respond(204, nil)(n, w, r) })
	log := &auditLog{}
	f := NewFactory(FactoryConfig{HTTPClient: ts.Client(), Clock: newSteppingClock(), Endpoints: mustAllowlist(t, ts.URL), Audit: log.logger()})
	c, err := f.ClientFor(AccountConfig{AccountKey: "team/acct", Endpoint: ts.URL, Credentials: Credentials{AccessKey: "AK", SecretKey: "SK-secret-7f3a"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CancelOrder(context.Background(), "CS1"); err != nil {
		t.Fatal(err)
	}
	recs := log.records(t)
	if len(recs) != 1 || recs[0]["operation"] != "CancelOrder" || recs[0]["outcome"] != "ok" || recs[0]["account"] != "team/acct" {
		t.Fatalf("records %v, want one CancelOrder ok for team/acct", recs)
	}
	// records() has consumed the log, so the check reads what it returned:
	// every field of every record.
	if raw, err := json.Marshal(recs); err != nil || strings.Contains(string(raw), "SK-secret-7f3a") {
		t.Errorf("the audit log holds a secret (or does not encode: %v)", err)
	}
}

// TestAuditedBurstKeepsEveryRecord: a burst of writes (a fleet's renewals
// falling due together) keeps every record; a sampling logger would keep
// one in a hundred after the first hundred in a second.
func TestAuditedBurstKeepsEveryRecord(t *testing.T) {
	log := &auditLog{}
	c := NewAudited(&stubClient{}, log.logger(), "team/acct")
	const n = 500
	for i := range n {
		_ = c.CancelOrder(context.Background(), "CS"+strconv.Itoa(i))
	}
	if got := len(log.records(t)); got != n {
		t.Errorf("%d records for %d writes", got, n)
	}
}

// httpOf returns the HTTP client under a factory's decorators.
func httpOf(c Client) *httpClient {
	for {
		switch x := c.(type) {
		case *audited:
			c = x.next
		case *instrumented:
			c = x.next
		default:
			return c.(*httpClient)
		}
	}
}
