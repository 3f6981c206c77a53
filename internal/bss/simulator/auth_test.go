package simulator_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

func TestSignatureAndTokenAuth(t *testing.T) {
	w := newWorld(t)
	const path = "/v2/orders/suscriptions/resources/query"
	body := map[string]any{"limit": 1}
	signAt := func(ak, sk string, at time.Time) func(*http.Request, []byte) {
		return func(r *http.Request, b []byte) { signRequest(r, b, ak, sk, at) }
	}
	for _, tc := range []struct {
		name   string
		auth   func(*http.Request, []byte)
		status int
		code   string
	}{
		{"valid signature", signAt(testAK, testSK, t0), 200, ""},
		{"14 minutes skew", signAt(testAK, testSK, t0.Add(-14*time.Minute)), 200, ""},
		{"wrong secret", signAt(testAK, "wrong", t0), 401, "APIGW.0301"},
		{"unknown access key", signAt("NOPE", testSK, t0), 401, "APIGW.0301"},
		{"stale date", signAt(testAK, testSK, t0.Add(-16*time.Minute)), 401, "APIGW.0301"},
		{"future date", signAt(testAK, testSK, t0.Add(16*time.Minute)), 401, "APIGW.0301"},
		{"tampered body", func(r *http.Request, b []byte) {
			signRequest(r, []byte(`{"limit":2}`), testAK, testSK, t0)
		}, 401, "APIGW.0301"},
		{"tampered query", func(r *http.Request, b []byte) {
			signRequest(r, b, testAK, testSK, t0)
			r.URL.RawQuery = "x=1"
		}, 401, "APIGW.0301"},
		{"malformed header", func(r *http.Request, _ []byte) {
			r.Header.Set("Authorization", "SDK-HMAC-SHA256 garbage")
		}, 401, "APIGW.0301"},
		{"no credentials", func(*http.Request, []byte) {}, 401, "APIGW.0301"},
		{"valid token", func(r *http.Request, _ []byte) { r.Header.Set("X-Auth-Token", testTok) }, 200, ""},
		{"bad token", func(r *http.Request, _ []byte) { r.Header.Set("X-Auth-Token", "MIIbogus") }, 401, "APIGW.0301"},
		{"domain mismatch", func(r *http.Request, b []byte) {
			r.Header.Set("X-Domain-Id", "someone-else")
			signRequest(r, b, testAK, testSK, t0)
		}, 403, "APIGW.0302"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.doWith("POST", path, body, tc.auth)
			if tc.code == "" {
				wantStatus(t, r, tc.status)
				return
			}
			wantError(t, r, tc.status, tc.code)
			if r.str("error_msg") == "" || r.str("request_id") == "" {
				t.Errorf("gateway error body lacks error_msg/request_id: %s", r.raw)
			}
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	w := newWorld(t)
	tok, err := w.srv.IssueToken(domainID, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, w.doToken("GET", "/v2/accounts/customer-accounts/balances", nil, tok), 200)
	w.advance(25 * time.Hour)
	wantError(t, w.doToken("GET", "/v2/accounts/customer-accounts/balances", nil, tok), 401, "APIGW.0301")
}

func TestUnknownRoute(t *testing.T) {
	w := newWorld(t)
	wantError(t, w.do("GET", "/v2/orders/nothing", nil), 404, "APIGW.0101")
	wantError(t, w.do("GET", "/v2/orders/subscriptions/resources/renew", nil), 404, "APIGW.0101")
}

// TestResourceQueryOnlyUnderSDKSpelling: 6.3.1 is served at
// /v2/orders/suscriptions/resources/query (sic), the path the official SDK
// and the Terraform provider call (DIGEST §4.1). The spelling of §3.2, §3.3
// and the reference's example, "subscriptions", is an unknown path to the
// gateway: a client that drifts back to it must fail in tests too.
func TestResourceQueryOnlyUnderSDKSpelling(t *testing.T) {
	w := newWorld(t)
	wantStatus(t, w.do("POST", "/v2/orders/suscriptions/resources/query", map[string]any{"limit": 1}), 200)
	r := w.do("POST", "/v2/orders/subscriptions/resources/query", map[string]any{"limit": 1})
	wantError(t, r, 404, "APIGW.0101")
	if r.str("error_msg") == "" || r.str("request_id") == "" {
		t.Errorf("gateway 404 body lacks error_msg/request_id: %s", r.raw)
	}
}

func FuzzVerifySignature(f *testing.F) {
	f.Add("POST", "/v2/orders/suscriptions/resources/query", "a=1&b=%20", "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=00", "20250310T020000Z", []byte(`{}`))
	f.Add("GET", "/%zz/../", "%%", "SDK-HMAC-SHA256 Access=, SignedHeaders=;;, Signature=", "2025", []byte{})
	f.Add("DELETE", "/", "", "SDK-HMAC-SHA256 ,,,", "20250310T020000Z", []byte{0xff})
	f.Fuzz(func(t *testing.T, method, path, query, authz, date string, body []byte) {
		req, err := http.NewRequest("GET", "http://127.0.0.1/", bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Method = method
		req.URL.Path = path
		req.URL.RawPath = path
		req.URL.RawQuery = query
		req.Header.Set("Authorization", authz)
		req.Header.Set("X-Sdk-Date", date)
		if err := simulator.VerifySignature(req, body, "secret", t0); err == nil &&
			!strings.Contains(authz, "Signature=") {
			t.Fatalf("accepted a request without a signature: %q", authz)
		}
	})
}
