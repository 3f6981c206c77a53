package simulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/clock"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

func TestThrottleBurst(t *testing.T) {
	w := newWorld(t)
	w.burst = true
	for _, tc := range []struct {
		method, path string
		limit        int
	}{
		{"GET", "/v2/accounts/customer-accounts/balances", 10},
		{"GET", "/v2/orders/customer-orders", 20},
		{"GET", "/v2/bills/customer-bills/monthly-sum?bill_cycle=2025-03", 25},
	} {
		t.Run(tc.path, func(t *testing.T) {
			okCount := 0
			for i := range 50 {
				r := w.do(tc.method, tc.path, nil)
				switch r.status {
				case 200:
					okCount++
					if i >= tc.limit {
						t.Fatalf("request %d succeeded beyond the quota", i+1)
					}
				case 429:
					want := fmt.Sprintf("The throttling threshold has been reached: policy user over ratelimit,limit:%d,time:1 second", tc.limit)
					if r.str("error_code") != "APIGW.0308" || r.str("error_message") != want ||
						fmt.Sprint(r.body["status_code"]) != "429" || r.str("request_id") == "" {
						t.Fatalf("429 body = %s", r.raw)
					}
					if _, has := r.body["encoded_authorization_message"]; !has {
						t.Fatalf("429 body lacks encoded_authorization_message: %s", r.raw)
					}
				default:
					t.Fatalf("status %d: %s", r.status, r.raw)
				}
			}
			if okCount != tc.limit {
				t.Fatalf("%d requests passed, want %d", okCount, tc.limit)
			}
			// Another account has its own window; a new second resets ours.
			w.real.Step(time.Second)
			wantStatus(t, w.do(tc.method, tc.path, nil), 200)
		})
	}
}

func TestInjectedErrorDoesNotApply(t *testing.T) {
	w := newWorld(t)
	w.srv.SetFault(simulator.OpRenew, simulator.Fault{ErrorRate: 1, ErrorStatus: 503, ErrorCode: "CBC.0999"})
	before := len(w.srv.Orders())
	r := w.do("POST", "/v2/orders/subscriptions/resources/renew", map[string]any{"resource_ids": []string{ecs1}, "period_type": 2, "period_num": 1})
	wantError(t, r, 503, "CBC.0999")
	if len(w.srv.Orders()) != before {
		t.Fatal("injected error applied the write")
	}
	c := w.srv.Counters()
	if c.Writes[simulator.OpRenew] != 1 || c.Calls[simulator.OpRenew][503] != 1 {
		t.Fatalf("counters = %+v", c)
	}
	w.srv.ClearFaults()
	w.renew(0, ecs1)
}

func TestDropAfterApply(t *testing.T) {
	w := newWorld(t)
	w.srv.SetFault(simulator.OpPayOrder, simulator.Fault{DropNext: 1})
	id := w.renew(0, ecs1)[0]
	req, b := w.newRequest("POST", "/v3/orders/customer-orders/pay",
		map[string]any{"order_id": id, "use_coupon": "NO", "use_discount": "NO"})
	signRequest(req, b, testAK, testSK, w.clk.Now())
	res, err := w.ts.Client().Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("got a response (%d), want a dropped connection", res.StatusCode)
	}
	if !strings.Contains(err.Error(), "EOF") {
		t.Errorf("error = %v, want EOF", err)
	}
	o, _ := w.srv.Order(id)
	if o.Status != 5 {
		t.Fatalf("order status = %d, want 5 (applied before the drop)", o.Status)
	}
	c := w.srv.Counters()
	if c.Dropped[simulator.OpPayOrder] != 1 || c.Writes[simulator.OpPayOrder] != 1 {
		t.Fatalf("counters = %+v", c)
	}
	// The retry sees the committed state.
	wantError(t, w.pay(id), 400, "CBC.99003106")
	// Read-only traffic leaves the write counters alone.
	w.srv.ResetCounters()
	w.resource(ecs1)
	if n := len(w.srv.Counters().Writes); n != 0 {
		t.Fatalf("writes after reads = %v", w.srv.Counters().Writes)
	}
}

func TestFaultRateIsDeterministic(t *testing.T) {
	run := func() []int {
		w := newWorld(t, simulator.WithSeed(42))
		w.srv.SetFault(simulator.OpBalances, simulator.Fault{ErrorRate: 0.5})
		var out []int
		for range 12 {
			out = append(out, w.do("GET", "/v2/accounts/customer-accounts/balances", nil).status)
		}
		return out
	}
	a, b := run(), run()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("same seed, different outcomes: %v vs %v", a, b)
	}
	if !strings.Contains(fmt.Sprint(a), "500") || !strings.Contains(fmt.Sprint(a), "200") {
		t.Fatalf("rate 0.5 gave %v", a)
	}
}

func TestLatencyAndAdminAPI(t *testing.T) {
	srv := simulator.New(simulator.WithRealClock(clock.RealClock{}))
	ts := httptest.NewServer(srv)
	defer ts.Close()
	post := func(path, body string) *http.Response {
		t.Helper()
		res, err := http.Post(ts.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := post("/_sim/inventory", testInventory); res.StatusCode != 204 { //nolint:bodyclose // post closes the body
		t.Fatalf("load inventory: %d", res.StatusCode)
	}
	req, _ := http.NewRequest("PUT", ts.URL+"/_sim/faults/"+simulator.OpBalances, strings.NewReader(`{"latency": 50000000}`))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("set fault: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 204 {
		t.Fatalf("set fault: %d", res.StatusCode)
	}
	start := time.Now()
	r, _ := http.NewRequest("GET", ts.URL+"/v2/accounts/customer-accounts/balances", nil)
	r.Header.Set("X-Auth-Token", testTok)
	res, err = http.DefaultClient.Do(r)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("balances: %v %v", res, err)
	}
	res.Body.Close()
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("latency %v, want >= 50ms", d)
	}
	res, err = http.Get(ts.URL + "/_sim/counters")
	if err != nil {
		t.Fatal(err)
	}
	var c simulator.Counters
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil || c.Calls[simulator.OpBalances][200] != 1 {
		t.Fatalf("counters %+v %v", c, err)
	}
	res.Body.Close()
	res, err = http.Get(ts.URL + "/_sim/orders")
	if err != nil {
		t.Fatal(err)
	}
	var orders []simulator.Order
	if err := json.NewDecoder(res.Body).Decode(&orders); err != nil || len(orders) != 4 {
		t.Fatalf("orders %d %v", len(orders), err)
	}
	res.Body.Close()
	// The default real clock cannot be set.
	res = post("/_sim/clock", `{"advance":"1h"}`) //nolint:bodyclose // post closes the body
	if res.StatusCode != 400 {
		t.Fatalf("advance on a real clock: %d", res.StatusCode)
	}
}
