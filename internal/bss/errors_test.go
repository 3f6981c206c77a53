package bss

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		status    int
		code      string
		write     bool
		class     Class
		throttled bool
		auth      bool
	}{
		{400, CodeParameterError, false, ClassTerminal, false, false},
		{400, CodePendingOrder, true, ClassTerminal, false, false},
		{400, CodeInsufficientBalance, true, ClassTerminal, false, false},
		{400, CodeAutoRenewAlreadyOff, true, ClassTerminal, false, false},
		{400, CodeOrderInvalid, false, ClassNotFound, false, false},
		{400, CodeResourceIDNotExist, true, ClassNotFound, false, false},
		{400, CodeResourceExpiredOrMissing, true, ClassNotFound, false, false},
		{200, CodeQuoteResourceMissing, false, ClassNotFound, false, false},
		{200, CodeQuotePendingOrder, false, ClassTerminal, false, false},
		{429, CodeGatewayThrottled, false, ClassRetryable, true, false},
		{429, CodeGatewayThrottled, true, ClassRetryable, true, false},
		{429, CodeFlowControl, false, ClassRetryable, true, false},
		{429, "", true, ClassRetryable, true, false},
		{500, CodeOtherError, false, ClassRetryable, false, false},
		{500, CodeOtherError, true, ClassAmbiguous, false, false},
		{502, "", true, ClassAmbiguous, false, false},
		{504, "", true, ClassAmbiguous, false, false},
		{503, "", true, ClassRetryable, false, false},
		{503, "", false, ClassRetryable, false, false},
		{401, CodeInvalidToken, false, ClassTerminal, false, true},
		{403, CodeAccessDenied, true, ClassTerminal, false, true},
		{403, "", false, ClassTerminal, false, true},
		{401, "APIGW.0301", false, ClassTerminal, false, true},
		{400, "APIGW.0303", false, ClassTerminal, false, true},
		{400, CodeTryAgainLater, false, ClassRetryable, false, false},
		{408, "", true, ClassAmbiguous, false, false},
		{408, "", false, ClassRetryable, false, false},
	}
	for _, tt := range tests {
		e := &Error{HTTPStatus: tt.status, Code: tt.code}
		e.classify(tt.write)
		if e.Class != tt.class || e.Throttled != tt.throttled || e.Auth != tt.auth {
			t.Errorf("%d %s write=%v: class %s throttled %v auth %v, want %s %v %v",
				tt.status, tt.code, tt.write, e.Class, e.Throttled, e.Auth, tt.class, tt.throttled, tt.auth)
		}
	}
}

func TestHelpersThroughWrapping(t *testing.T) {
	e := &Error{Op: "Renew", HTTPStatus: 400, Code: CodePendingOrder, Class: ClassTerminal}
	wrapped := errors.Join(errors.New("other"), wrapf(wrapf(e)))
	if !IsTerminal(wrapped) || IsRetryable(wrapped) || IsAmbiguous(wrapped) || IsNotFound(wrapped) || IsThrottled(wrapped) || IsAuth(wrapped) {
		t.Error("wrong class helpers for a terminal error")
	}
	if !HasCode(wrapped, CodePendingOrder) || HasCode(wrapped, CodeInsufficientBalance) || HasCode(errors.New("x"), CodePendingOrder) {
		t.Error("HasCode")
	}
	nf := wrapf(&Error{Class: ClassNotFound})
	if !IsNotFound(nf) || !IsTerminal(nf) || !errors.Is(nf, ErrNotFound) {
		t.Error("not-found must be terminal and not found")
	}
	amb := wrapf(&Error{Class: ClassAmbiguous})
	if !IsAmbiguous(amb) || IsRetryable(amb) || IsTerminal(amb) {
		t.Error("ambiguous helpers")
	}
	thr := wrapf(&Error{Class: ClassRetryable, Throttled: true})
	if !IsThrottled(thr) || !IsRetryable(thr) || !errors.Is(thr, ErrThrottled) {
		t.Error("throttled helpers")
	}
	if IsTerminal(errors.New("plain")) || IsRetryable(nil) {
		t.Error("non-BSS errors must not match")
	}
	var target *Error
	if !errors.As(wrapped, &target) || target.Code != CodePendingOrder {
		t.Error("errors.As")
	}
}

func wrapf(err error) error { return &wrapErr{err} }

type wrapErr struct{ err error }

func (w *wrapErr) Error() string { return "ctx: " + w.err.Error() }
func (w *wrapErr) Unwrap() error { return w.err }

// errorCase drives one failure through the HTTP client.
type errorCase struct {
	name     string
	handler  func(int, http.ResponseWriter, *http.Request)
	invoke   func(context.Context, Client) error
	class    Class
	code     string
	requests int
	// ok expects success (after retries).
	ok    bool
	check func(*testing.T, *Error)
}

func renewCall(ctx context.Context, c Client) error {
	_, err := c.Renew(ctx, RenewRequest{ResourceIDs: []string{"r1"}, PeriodType: PeriodMonth, PeriodNum: 1})
	return err
}

func balancesCall(ctx context.Context, c Client) error {
	_, err := c.Balances(ctx)
	return err
}

func payCall(ctx context.Context, c Client) error {
	return c.PayOrder(ctx, PayOrderRequest{OrderID: "CS1"})
}

// hangUp reads the request and closes the connection without answering.
func hangUp(_ int, w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func throttled(_ int, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "3")
	respond(429, []byte(`{"status_code":429,"request_id":"7e6c1*****c610","error_code":"APIGW.0308","error_message":"The throttling threshold has been reached","encoded_authorization_message":""}`))(0, w, r)
}

func TestErrorClassesOverHTTP(t *testing.T) {
	okBalances := func(n int, w http.ResponseWriter, r *http.Request) {
		respond(200, []byte(`{"account_balances":[],"debt_amount":0,"measure_id":1,"currency":"USD"}`))(n, w, r)
	}
	tests := []errorCase{
		{
			name:    "pending order on renew is terminal with the code",
			handler: respond(400, []byte(`{"error_code":"CBC.99003100","error_msg":"some resources are included in your orders to be paid"}`)),
			invoke:  renewCall, class: ClassTerminal, code: CodePendingOrder, requests: 1,
		},
		{
			name:    "expired resources on renew carry expiredResourceIds",
			handler: respond(400, []byte(`{"error_code":"CBC.99003016","error_msg":"expired","expiredResourceIds":["r1"]}`)),
			invoke:  renewCall, class: ClassNotFound, code: CodeResourceExpiredOrMissing, requests: 1,
			check: func(t *testing.T, e *Error) {
				if len(e.ExpiredResourceIDs) != 1 || e.ExpiredResourceIDs[0] != "r1" {
					t.Errorf("expired ids %v", e.ExpiredResourceIDs)
				}
			},
		},
		{
			name:    "insufficient balance on pay",
			handler: respond(400, []byte(`{"error_code":"CBC.99005003","error_msg":"Your balance is insufficient."}`)),
			invoke:  payCall, class: ClassTerminal, code: CodeInsufficientBalance, requests: 1,
		},
		{
			name: "quota infos on pay",
			handler: respond(400, []byte(`{"error_code":"CBC.99003141","error_msg":"quota","quota_infos":[{"region":"ap-southeast-1","auth_result":1}],
				"enterprise_project_auth_result":[{"enterprise_project_id":"0","auth_statuses":10}]}`)),
			invoke: payCall, class: ClassTerminal, code: CodeQuotaInsufficient, requests: 1,
			check: func(t *testing.T, e *Error) {
				if len(e.QuotaInfos) != 1 || e.QuotaInfos[0].AuthResult != 1 || len(e.EnterpriseProjects) != 1 || e.EnterpriseProjects[0].AuthStatus != 10 {
					t.Errorf("extras %+v %+v", e.QuotaInfos, e.EnterpriseProjects)
				}
			},
		},
		{
			name:    "auto-renew already off",
			handler: respond(400, []byte(`{"error_code":"CBC.99003605","error_msg":"The automatic renewal has been canceled."}`)),
			invoke:  func(ctx context.Context, c Client) error { return c.DisableAutoRenew(ctx, "r1") },
			class:   ClassTerminal, code: CodeAutoRenewAlreadyOff, requests: 1,
		},
		{
			name:    "429 on a write is returned retryable and throttled, not retried",
			handler: throttled, invoke: renewCall, class: ClassRetryable, code: CodeGatewayThrottled, requests: 1,
			check: func(t *testing.T, e *Error) {
				if !e.Throttled || e.Message == "" || e.RequestID != "7e6c1*****c610" || e.RetryAfter != 3*time.Second {
					t.Errorf("error %+v", e)
				}
			},
		},
		{
			name:    "429 on a read is retried up to the attempt limit",
			handler: throttled, invoke: balancesCall, class: ClassRetryable, code: CodeGatewayThrottled, requests: 4,
		},
		{
			name:    "500 on a write is ambiguous and not retried",
			handler: respond(500, []byte(`{"error_code":"CBC.0999","error_msg":"Other errors."}`)),
			invoke:  payCall, class: ClassAmbiguous, code: CodeOtherError, requests: 1,
		},
		{
			name:    "503 on a write is retryable and not retried",
			handler: respond(503, []byte(`service unavailable`)),
			invoke:  payCall, class: ClassRetryable, requests: 1,
		},
		{
			name:    "connection lost after a write was sent is ambiguous",
			handler: hangUp, invoke: renewCall, class: ClassAmbiguous, requests: 1,
		},
		{
			name: "connection lost on a read is retried, then succeeds",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					hangUp(n, w, r)
					return
				}
				okBalances(n, w, r)
			},
			invoke: balancesCall, requests: 2, ok: true,
		},
		{
			name: "5xx on a read is retried, then succeeds",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n < 2 {
					respond(502, nil)(n, w, r)
					return
				}
				okBalances(n, w, r)
			},
			invoke: balancesCall, requests: 3, ok: true,
		},
		{
			name:    "401 is an auth error",
			handler: respond(401, []byte(`{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}`)),
			invoke:  balancesCall, class: ClassTerminal, code: "APIGW.0301", requests: 1,
			check: func(t *testing.T, e *Error) {
				if !e.Auth || !IsAuth(e) {
					t.Error("not auth")
				}
			},
		},
		{
			name:    "undecodable success body of a write is ambiguous",
			handler: respond(200, []byte(`{"order_ids":[`)),
			invoke:  renewCall, class: ClassAmbiguous, requests: 1,
		},
		{
			name:    "renew-rate business error inside HTTP 200",
			handler: respond(200, []byte(`{"error_code":"CBC.30050010","error_msg":"pending order"}`)),
			invoke: func(ctx context.Context, c Client) error {
				_, err := c.RenewalPrice(ctx, RenewalPriceRequest{ResourceIDs: []string{"r1"}, PeriodType: PeriodYear, PeriodNum: 1})
				return err
			},
			class: ClassTerminal, code: CodeQuotePendingOrder, requests: 1,
		},
		{
			name:    "summary bills with a failure code inside HTTP 200",
			handler: respond(200, []byte(`{"error_code":"CBC.0151","error_msg":"Access denied."}`)),
			invoke: func(ctx context.Context, c Client) error {
				_, err := c.SummaryBills(ctx, SummaryBillsRequest{Cycle: "2024-01"})
				return err
			},
			class: ClassTerminal, code: CodeAccessDenied, requests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, tt.handler)
			c, _ := newTestClient(t, ts)
			err := tt.invoke(context.Background(), c)
			if n := len(ts.requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if tt.ok {
				if err != nil {
					t.Fatalf("want success after retries, got %v", err)
				}
				return
			}
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("error %v is not *Error", err)
			}
			if e.Class != tt.class || e.Code != tt.code {
				t.Errorf("class %s code %q, want %s %q (%v)", e.Class, e.Code, tt.class, tt.code, err)
			}
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
}

func TestPartialFailuresInsideHTTP200(t *testing.T) {
	t.Run("renewal price returns the partial quote and an error", func(t *testing.T) {
		body := `{"currency":"USD","renew_inquiry_results":[{"resource_id":"r1","amount":"10.10"}],
			"fail_resource_infos":[{"resource_id":"r2","error_code":"CBC.30050007","error_msg":"not primary"}]}`
		ts := newTestServer(t, respond(200, []byte(body)))
		c, _ := newTestClient(t, ts)
		q, err := c.RenewalPrice(context.Background(), RenewalPriceRequest{ResourceIDs: []string{"r1", "r2"}, PeriodType: PeriodMonth, PeriodNum: 11})
		if !HasCode(err, CodeQuoteNotPrimary) || !IsTerminal(err) {
			t.Fatalf("error %v", err)
		}
		if e, _ := AsError(err); e.ResourceID != "r2" {
			t.Errorf("resource id %q", e.ResourceID)
		}
		if q == nil || len(q.Items) != 1 || len(q.Failures) != 1 || q.Failures[0].ResourceID != "r2" {
			t.Fatalf("quote %+v", q)
		}
	})
	t.Run("to-on-demand error_details", func(t *testing.T) {
		body := `{"error_details":[{"id":"r1","error_code":"CBC.99003610","error_msg":"grace period"}]}`
		ts := newTestServer(t, respond(200, []byte(body)))
		c, _ := newTestClient(t, ts)
		res, err := c.SetToOnDemand(context.Background(), ToOnDemandRequest{Operation: ToOnDemandCancel, ResourceIDs: []string{"r1", "r2"}})
		if !HasCode(err, CodeToOnDemandGracePeriod) || !IsTerminal(err) {
			t.Fatalf("error %v", err)
		}
		if res == nil || len(res.Failures) != 1 || res.Failures[0].ResourceID != "r1" {
			t.Fatalf("result %+v", res)
		}
	})
}

func TestRetryBackoffAndRetryAfter(t *testing.T) {
	t.Run("exponential backoff honours Retry-After", func(t *testing.T) {
		ts := newTestServer(t, throttled)
		c, clk := newTestClient(t, ts, func(cfg *Config) {
			cfg.Retry = RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: 8 * time.Second, Jitter: func() float64 { return 0.5 }}
		})
		_ = balancesCall(context.Background(), c)
		// Backoff 1s then 2s, jittered to 0.75s and 1.5s, raised to Retry-After 3s.
		want := []time.Duration{3 * time.Second, 3 * time.Second}
		if got := clk.Waits(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("waits %v, want %v", got, want)
		}
	})
	t.Run("backoff grows and is capped", func(t *testing.T) {
		p := RetryPolicy{BaseDelay: time.Second, MaxDelay: 4 * time.Second, Jitter: func() float64 { return 0.999999 }}.withDefaults()
		var got []time.Duration
		for a := 1; a <= 5; a++ {
			d, _ := p.backoff(a, 0)
			got = append(got, d.Round(time.Millisecond))
		}
		want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("backoffs %v, want %v", got, want)
			}
		}
		if d, _ := (RetryPolicy{BaseDelay: time.Second, MaxDelay: 4 * time.Second, Jitter: func() float64 { return 0 }}).withDefaults().backoff(1, 0); d != 500*time.Millisecond {
			t.Errorf("jitter floor %v", d)
		}
	})
	t.Run("a Retry-After beyond the maximum is returned to the caller", func(t *testing.T) {
		ts := newTestServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			respond(429, []byte(`{"error_code":"APIGW.0308","error_message":"throttled"}`))(n, w, r)
		})
		c, _ := newTestClient(t, ts)
		err := balancesCall(context.Background(), c)
		if !IsThrottled(err) || len(ts.requests()) != 1 {
			t.Errorf("err %v after %d requests", err, len(ts.requests()))
		}
	})
}

func TestContext(t *testing.T) {
	t.Run("canceled before sending: no request", func(t *testing.T) {
		ts := newTestServer(t, respond(204, nil))
		c, _ := newTestClient(t, ts)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := c.CancelOrder(ctx, "CS1")
		if !errors.Is(err, context.Canceled) || IsAmbiguous(err) || len(ts.requests()) != 0 {
			t.Fatalf("err %v, %d requests", err, len(ts.requests()))
		}
	})
	t.Run("canceled while the server holds a write: ambiguous", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		release := make(chan struct{})
		ts := newTestServer(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
			cancel()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		c, _ := newTestClient(t, ts)
		err := c.PayOrder(ctx, PayOrderRequest{OrderID: "CS1"})
		if !IsAmbiguous(err) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("unreachable server on a write: retryable, never ambiguous", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		clk := newSteppingClock()
		c, err := New(Config{Endpoint: "http://" + addr, Credentials: Credentials{Token: "t"}, Clock: clk, HTTPClient: &http.Client{}})
		if err != nil {
			t.Fatal(err)
		}
		err = c.PayOrder(context.Background(), PayOrderRequest{OrderID: "CS1"})
		if !IsRetryable(err) || IsAmbiguous(err) {
			t.Fatalf("err %v", err)
		}
	})
}

func TestValidationBeforeSending(t *testing.T) {
	ts := newTestServer(t, respond(200, []byte(`{}`)))
	c, _ := newTestClient(t, ts)
	ctx := context.Background()
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "r" + strings.Repeat("x", i)
		}
		return out
	}
	calls := map[string]func() error{
		"query 51 ids":   func() error { _, err := c.QueryResources(ctx, QueryResourcesRequest{ResourceIDs: ids(51)}); return err },
		"query no ids":   func() error { _, err := c.QueryResources(ctx, QueryResourcesRequest{}); return err },
		"list limit 501": func() error { _, err := c.ListResources(ctx, ListResourcesRequest{Limit: 501}); return err },
		"list offset -1": func() error { _, err := c.ListResources(ctx, ListResourcesRequest{Offset: -1}); return err },
		"renew 11 ids": func() error {
			_, err := c.Renew(ctx, RenewRequest{ResourceIDs: ids(11), PeriodType: PeriodMonth, PeriodNum: 1})
			return err
		},
		"renew 12 months": func() error {
			_, err := c.Renew(ctx, RenewRequest{ResourceIDs: ids(1), PeriodType: PeriodMonth, PeriodNum: 12})
			return err
		},
		"renew 4 years": func() error {
			_, err := c.Renew(ctx, RenewRequest{ResourceIDs: ids(1), PeriodType: PeriodYear, PeriodNum: 4})
			return err
		},
		"renew 0 months": func() error {
			_, err := c.Renew(ctx, RenewRequest{ResourceIDs: ids(1), PeriodType: PeriodMonth})
			return err
		},
		"renew by day": func() error {
			_, err := c.Renew(ctx, RenewRequest{ResourceIDs: ids(1), PeriodType: PeriodDay, PeriodNum: 1})
			return err
		},
		"renew duplicate": func() error {
			_, err := c.Renew(ctx, RenewRequest{ResourceIDs: []string{"a", "a"}, PeriodType: PeriodYear, PeriodNum: 1})
			return err
		},
		"unsubscribe type": func() error {
			_, err := c.Unsubscribe(ctx, UnsubscribeRequest{ResourceIDs: ids(1), Type: 3})
			return err
		},
		"unsubscribe 11": func() error {
			_, err := c.Unsubscribe(ctx, UnsubscribeRequest{ResourceIDs: ids(11), Type: 1})
			return err
		},
		"to-on-demand op": func() error {
			_, err := c.SetToOnDemand(ctx, ToOnDemandRequest{Operation: "ON", ResourceIDs: ids(1)})
			return err
		},
		"to-on-demand 101": func() error {
			_, err := c.SetToOnDemand(ctx, ToOnDemandRequest{Operation: ToOnDemandSetUp, ResourceIDs: ids(101)})
			return err
		},
		"auto-renew slash":  func() error { return c.EnableAutoRenew(ctx, "../x") },
		"auto-renew times":  func() error { n := 100; return c.EnableAutoRenew(ctx, "r", AutoRenewSettings{Times: &n}) },
		"auto-renew period": func() error { d := PeriodDay; return c.EnableAutoRenew(ctx, "r", AutoRenewSettings{PeriodType: &d}) },
		"auto-renew twice":  func() error { return c.EnableAutoRenew(ctx, "r", AutoRenewSettings{}, AutoRenewSettings{}) },
		"auto-renew empty":  func() error { return c.DisableAutoRenew(ctx, "") },
		"order id too long": func() error { _, err := c.GetOrder(ctx, strings.Repeat("a", 65)); return err },
		"orders status 2":   func() error { _, err := c.ListOrders(ctx, ListOrdersRequest{Status: OrderPendingRefund}); return err },
		"orders limit 101":  func() error { _, err := c.ListOrders(ctx, ListOrdersRequest{Limit: 101}); return err },
		"orders span": func() error {
			_, err := c.ListOrders(ctx, ListOrdersRequest{CreateTimeBegin: testEpoch, CreateTimeEnd: testEpoch.AddDate(1, 0, 1)})
			return err
		},
		"pay 4 coupons": func() error { return c.PayOrder(ctx, PayOrderRequest{OrderID: "o", Coupons: make([]CouponRef, 4)}) },
		"pay discount 1": func() error {
			return c.PayOrder(ctx, PayOrderRequest{OrderID: "o", Discount: &DiscountRef{ID: "d", Type: DiscountContract}})
		},
		"pay coupon type": func() error {
			return c.PayOrder(ctx, PayOrderRequest{OrderID: "o", Coupons: []CouponRef{{ID: "c", Type: 1}}})
		},
		"bills cycle": func() error { _, err := c.SummaryBills(ctx, SummaryBillsRequest{Cycle: "2024-13"}); return err },
		"costs no groupby": func() error {
			_, err := c.CostData(ctx, CostDataRequest{TimeMeasure: 2, Begin: "2024-01", End: "2024-02", CostType: CostTypeOriginal, AmountType: AmountTypeNet})
			return err
		},
		"costs limit": func() error {
			_, err := c.CostData(ctx, CostDataRequest{TimeMeasure: 2, Begin: "2024-01", End: "2024-02", CostType: CostTypeOriginal,
				AmountType: AmountTypeNet, GroupBy: []CostGroupBy{{Type: "dimension", Key: "REGION_CODE"}}, Limit: 1001})
			return err
		},
		"costs day format": func() error {
			_, err := c.CostData(ctx, CostDataRequest{TimeMeasure: 1, Begin: "2024-01", End: "2024-02", CostType: CostTypeOriginal,
				AmountType: AmountTypeNet, GroupBy: []CostGroupBy{{Type: "dimension", Key: "REGION_CODE"}}})
			return err
		},
	}
	for name, call := range calls {
		err := call()
		if !IsTerminal(err) || !HasCode(err, CodeParameterError) {
			t.Errorf("%s: err %v, want a terminal parameter error", name, err)
		}
	}
	if n := len(ts.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

func TestEndpointAndSite(t *testing.T) {
	good := []string{"https://bss.example.com", "https://10.0.0.1:8443", "http://127.0.0.1:8080", "http://[::1]:9", "http://localhost:1"}
	for _, e := range good {
		if _, err := parseEndpoint(e); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
	bad := []string{"http://bss.example.com", "http://10.0.0.1", "ftp://127.0.0.1", "https://u:p@h", "https://h/path", "https://h?x=1", "127.0.0.1:80"}
	for _, e := range bad {
		if _, err := parseEndpoint(e); err == nil {
			t.Errorf("%s accepted", e)
		}
	}
	for site, want := range map[Site]string{SiteInternational: "https://bss-intl.myhuaweicloud.com", SiteChina: "https://bss.myhuaweicloud.com"} {
		if got, err := site.BaseURL(); err != nil || got != want {
			t.Errorf("%s: %s %v", site, got, err)
		}
	}
	if _, err := Site("mars").BaseURL(); err == nil {
		t.Error("unknown site accepted")
	}
	cfg := TLSConfig()
	if cfg.MinVersion < 0x0303 || len(cfg.CipherSuites) != 6 {
		t.Errorf("TLS config %+v", cfg)
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	ts := newTestServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	c, _ := newTestClient(t, ts, func(cfg *Config) {
		hc := NewHTTPClient(time.Minute)
		hc.Transport = ts.Client().Transport
		cfg.HTTPClient = hc
	})
	err := payCall(context.Background(), c)
	if !IsTerminal(err) || len(ts.requests()) != 1 {
		t.Fatalf("err %v after %d requests", err, len(ts.requests()))
	}
}

func TestDescribeIsStableAcrossCalls(t *testing.T) {
	a := &Error{Class: ClassTerminal, HTTPStatus: 401, Code: "APIGW.0301", Message: "Incorrect IAM authentication information", RequestID: "req-1"}
	b := &Error{Class: ClassTerminal, HTTPStatus: 401, Code: "APIGW.0301", Message: "Incorrect IAM authentication information", RequestID: "req-2"}
	if Describe(fmt.Errorf("quote: %w", a)) != Describe(b) {
		t.Fatalf("descriptions differ: %q vs %q", Describe(a), Describe(b))
	}
	if strings.Contains(Describe(a), "req-1") || !strings.Contains(Describe(a), "APIGW.0301") {
		t.Fatalf("description %q", Describe(a))
	}
	if got := Describe(errors.New("plain")); got != "plain" {
		t.Fatalf("plain error described as %q", got)
	}
}
