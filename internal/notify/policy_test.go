package notify

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPolicyCheckURL(t *testing.T) {
	strict := Policy{}
	for _, tc := range []struct {
		raw    string
		policy Policy
		ok     bool
	}{
		{"https://hooks.example.com/x?token=s3cret", strict, true},
		{"https://203.0.113.10/x?token=s3cret", strict, true},
		{"http://hooks.example.com/x?token=s3cret", strict, false},
		{"http://hooks.example.com/x?token=s3cret", Policy{AllowHTTP: true}, true},
		{"https://127.0.0.1/x?token=s3cret", strict, false},
		{"https://[::1]/x?token=s3cret", strict, false},
		{"https://[::ffff:127.0.0.1]/x?token=s3cret", strict, false},
		{"https://10.1.2.3/x?token=s3cret", strict, false},
		{"https://172.16.0.1/x?token=s3cret", strict, false},
		{"https://192.168.1.1/x?token=s3cret", strict, false},
		{"https://169.254.169.254/latest/meta-data?token=s3cret", strict, false},
		{"https://100.64.0.1/x?token=s3cret", strict, false},
		{"https://0.0.0.0/x?token=s3cret", strict, false},
		{"https://[fd00::1]/x?token=s3cret", strict, false},
		{"https://[fe80::1]/x?token=s3cret", strict, false},
		{"https://224.0.0.1/x?token=s3cret", strict, false},
		{"https://10.1.2.3/x?token=s3cret", Policy{AllowPrivate: true}, true},
		{"https://user:s3cret@hooks.example.com/x", strict, false},
		{"ftp://hooks.example.com/s3cret", lab, false},
	} {
		_, err := tc.policy.CheckURL(tc.raw)
		if (err == nil) != tc.ok {
			t.Errorf("%+v.CheckURL(%q) error %v, want ok=%v", tc.policy, tc.raw, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("CheckURL error echoes the URL: %v", err)
		}
	}
}

// TestPolicyAppliesAtConnect: a host name is judged by the address it
// resolves to when the connection is made, so a public-looking name that
// points at a private address (DNS rebinding included) is refused before
// anything is sent.
func TestPolicyAppliesAtConnect(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	target := "https://localhost:" + u.Port() + "/hook?token=s3cret"
	err := Sender{Policy: Policy{}}.Post(context.Background(), target, BudgetThresholdCrossed{})
	if err == nil || !NotAllowed(err) {
		t.Fatalf("post to a name resolving to loopback: %v, want a refusal by the policy", err)
	}
	if Retryable(err) {
		t.Errorf("a refused destination is retryable: %v", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error echoes the URL: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the receiver got %d requests", n)
	}
}

// TestRedirectNotFollowed: a redirect is an answer, not followed and not
// retried, so a receiver cannot bounce the operator to another host.
func TestRedirectNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	bouncer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/internal", http.StatusTemporaryRedirect)
	}))
	defer bouncer.Close()
	err := Sender{Policy: lab}.Post(context.Background(), bouncer.URL+"/hook", BudgetThresholdCrossed{})
	var de *DeliveryError
	if err == nil || !errors.As(err, &de) || de.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("post to a redirecting receiver: %v, want the 307 as the answer", err)
	}
	if Retryable(err) {
		t.Errorf("a redirect is retryable: %v", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}
