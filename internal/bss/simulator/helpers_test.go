package simulator_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

const (
	domainID = "d0m41n00000000000000000000000001"
	testAK   = "TESTAK000000000000001"
	testSK   = "testSecretKey0000000000000000000000000001"
	testTok  = "MIItest-token-0001"
	ecs1     = "ecs-1"
	evs1     = "evs-1"
	ecs2     = "ecs-2"
	expired1 = "exp-1"
)

// t0 is 2025-03-10 10:00 GMT+08:00.
var t0 = time.Date(2025, 3, 10, 2, 0, 0, 0, time.UTC)

const testInventory = `
accounts:
  - domainId: d0m41n00000000000000000000000001
    name: alice
    cash: "1000.00"
    credentials:
      - accessKey: TESTAK000000000000001
        secretKey: testSecretKey0000000000000000000000000001
    tokens:
      - token: MIItest-token-0001
    coupons:
      - id: CP-TEST-1
        faceValue: "5.00"
  - domainId: d0m41n00000000000000000000000002
    name: bob
    cash: "10.00"
    credentials:
      - accessKey: TESTAK000000000000002
        secretKey: bobSecret
resources:
  - id: ecs-1
    name: web
    region: ap-southeast-1
    serviceTypeCode: hws.service.type.ec2
    serviceTypeName: Elastic Cloud Server
    resourceTypeCode: hws.resource.type.vm
    resourceTypeName: Cloud Host
    specCode: s6.large.2.linux
    monthlyPrice: "100"
    discountRatio: "0.9"
    expireTime: 2025-03-30T15:59:59Z
    attached:
      - id: evs-1
        serviceTypeCode: hws.service.type.ebs
        resourceTypeCode: hws.resource.type.volume
        specCode: SSD
        monthlyPrice: "10"
  - id: ecs-2
    name: worker
    region: ap-southeast-1
    serviceTypeCode: hws.service.type.ec2
    resourceTypeCode: hws.resource.type.vm
    monthlyPrice: "50"
    expireTime: 2025-03-13T15:59:59Z
  - id: exp-1
    name: old
    region: ap-southeast-1
    serviceTypeCode: hws.service.type.ec2
    resourceTypeCode: hws.resource.type.vm
    monthlyPrice: "20"
    expireTime: 2025-03-08T15:59:59Z
  - id: bob-ecs
    account: d0m41n00000000000000000000000002
    serviceTypeCode: hws.service.type.ec2
    resourceTypeCode: hws.resource.type.vm
    monthlyPrice: "20"
    expireTime: 2025-05-08T15:59:59Z
costRecords:
  - account: d0m41n00000000000000000000000001
    resourceId: ecs-1
    time: 2025-02-10T04:00:00Z
    amount: "90.00"
    officialAmount: "100.00"
`

// world is a simulator under test with a fake simulated clock and a fake
// real-time clock (throttling), served over loopback HTTP.
type world struct {
	t    *testing.T
	srv  *simulator.Server
	clk  *testingclock.FakeClock
	real *testingclock.FakeClock
	ts   *httptest.Server
	// burst keeps the real-time (throttling) clock still between requests.
	burst bool
}

func newWorld(t *testing.T, opts ...simulator.Option) *world {
	t.Helper()
	w := &world{t: t, clk: testingclock.NewFakeClock(t0), real: testingclock.NewFakeClock(t0)}
	opts = append([]simulator.Option{simulator.WithClock(w.clk), simulator.WithRealClock(w.real)}, opts...)
	w.srv = simulator.New(opts...)
	inv, err := simulator.ParseInventory([]byte(testInventory))
	if err != nil {
		t.Fatalf("parse inventory: %v", err)
	}
	if err := w.srv.LoadInventory(inv); err != nil {
		t.Fatalf("load inventory: %v", err)
	}
	w.ts = httptest.NewServer(w.srv)
	t.Cleanup(w.ts.Close)
	return w
}

// resp is a decoded response.
type resp struct {
	status int
	body   map[string]any
	raw    string
}

func (r resp) str(key string) string {
	v, _ := r.body[key].(string)
	return v
}

// list returns the JSON array at key.
func (r resp) list(key string) []any {
	v, _ := r.body[key].([]any)
	return v
}

// do sends a request signed with alice's AK/SK at the real (transport) time.
func (w *world) do(method, path string, body any) resp {
	w.t.Helper()
	return w.doWith(method, path, body, func(req *http.Request, b []byte) {
		signRequest(req, b, testAK, testSK, w.real.Now())
	})
}

// doToken sends a request authenticated with an X-Auth-Token.
func (w *world) doToken(method, path string, body any, token string) resp {
	w.t.Helper()
	return w.doWith(method, path, body, func(req *http.Request, _ []byte) {
		req.Header.Set("X-Auth-Token", token)
	})
}

func (w *world) doWith(method, path string, body any, auth func(*http.Request, []byte)) resp {
	w.t.Helper()
	req, b := w.newRequest(method, path, body)
	auth(req, b)
	if !w.burst {
		// Keep ordinary test traffic under the per-API quota.
		w.real.Step(time.Second)
	}
	res, err := w.ts.Client().Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, raw: string(raw)}
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&out.body); err != nil {
			w.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return out
}

func (w *world) newRequest(method, path string, body any) (*http.Request, []byte) {
	w.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if s, isString := body.(string); isString {
			b = []byte(s)
		} else if b, err = json.Marshal(body); err != nil {
			w.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, w.ts.URL+path, bytes.NewReader(b))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req, b
}

// signRequest is the test's own SDK-HMAC-SHA256 signer (independent of the
// simulator's verifier).
func signRequest(req *http.Request, body []byte, ak, sk string, at time.Time) {
	date := at.UTC().Format("20060102T150405Z")
	req.Header.Set("X-Sdk-Date", date)
	names := []string{"content-type", "host", "x-sdk-date"}
	var canonHeaders strings.Builder
	for _, n := range names {
		v := req.Header.Get(n)
		if n == "host" {
			v = req.URL.Host
		}
		canonHeaders.WriteString(n + ":" + strings.TrimSpace(v) + "\n")
	}
	segs := strings.Split(req.URL.Path, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	q := req.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var qs []string
	for _, k := range keys {
		for _, v := range q[k] {
			qs = append(qs, escape(k)+"="+escape(v))
		}
	}
	sum := sha256.Sum256(body)
	cr := strings.Join([]string{req.Method, uri, strings.Join(qs, "&"), canonHeaders.String(),
		strings.Join(names, ";"), hex.EncodeToString(sum[:])}, "\n")
	crSum := sha256.Sum256([]byte(cr))
	sts := "SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(crSum[:])
	m := hmac.New(sha256.New, []byte(sk))
	m.Write([]byte(sts))
	req.Header.Set("Authorization", fmt.Sprintf("SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s",
		ak, strings.Join(names, ";"), hex.EncodeToString(m.Sum(nil))))
}

func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// wantError asserts an error status and error_code.
func wantError(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.status != status || r.str("error_code") != code {
		t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
}

func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("got %d %s, want %d", r.status, r.raw, status)
	}
}

// resource returns the 6.3.1 record of id (only_main_resource=0).
func (w *world) resource(id string) map[string]any {
	w.t.Helper()
	r := w.do("POST", "/v2/orders/suscriptions/resources/query", map[string]any{"resource_ids": []string{id}, "limit": 50})
	wantStatus(w.t, r, 200)
	for _, it := range r.list("data") {
		m := it.(map[string]any)
		if m["resource_id"] == id {
			return m
		}
	}
	return nil
}

// renew renews ids and returns the order IDs.
func (w *world) renew(autoPay int, ids ...string) []string {
	w.t.Helper()
	r := w.do("POST", "/v2/orders/subscriptions/resources/renew", map[string]any{
		"resource_ids": ids, "period_type": 2, "period_num": 1, "is_auto_pay": autoPay})
	wantStatus(w.t, r, 200)
	var out []string
	for _, id := range r.list("order_ids") {
		out = append(out, id.(string))
	}
	return out
}

func (w *world) pay(orderID string) resp {
	w.t.Helper()
	return w.do("POST", "/v3/orders/customer-orders/pay", map[string]any{
		"order_id": orderID, "use_coupon": "NO", "use_discount": "NO"})
}

func (w *world) details(orderID string) map[string]any {
	w.t.Helper()
	r := w.do("GET", "/v2/orders/customer-orders/details/"+orderID, nil)
	wantStatus(w.t, r, 200)
	return r.body["order_info"].(map[string]any)
}

func (w *world) cash() string {
	w.t.Helper()
	r := w.do("GET", "/v2/accounts/customer-accounts/balances", nil)
	wantStatus(w.t, r, 200)
	return fmt.Sprint(r.list("account_balances")[0].(map[string]any)["amount"])
}

func (w *world) advance(d time.Duration) {
	w.t.Helper()
	if err := w.srv.Advance(d); err != nil {
		w.t.Fatal(err)
	}
}

func jsonBalance(t *testing.T, s string) simulator.BalanceUpdate {
	t.Helper()
	var u simulator.BalanceUpdate
	if err := json.Unmarshal([]byte(s), &u); err != nil {
		t.Fatal(err)
	}
	return u
}
