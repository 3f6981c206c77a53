package bss

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/bss-operator/bss-operator/internal/metrics"
)

const (
	secretAK  = "AK-SHOULD-NOT-LEAK"
	secretSK  = "SK-SHOULD-NOT-LEAK"
	secretTok = "TOKEN-SHOULD-NOT-LEAK"
	secretSTS = "STS-SHOULD-NOT-LEAK"
)

func assertNoSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range []string{secretAK, secretSK, secretTok, secretSTS} {
		if strings.Contains(s, sec) {
			t.Errorf("%s leaks %s: %s", what, sec, s)
		}
	}
}

func TestCredentialsRedaction(t *testing.T) {
	creds := []Credentials{
		{AccessKey: secretAK, SecretKey: secretSK, SecurityToken: secretSTS},
		{Token: secretTok},
	}
	for _, c := range creds {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%T %v"} {
			assertNoSecrets(t, verb, fmt.Sprintf(verb, c))
			assertNoSecrets(t, verb+" pointer", fmt.Sprintf(verb, &c))
		}
		cfg := Config{Credentials: c, DomainID: "d"}
		assertNoSecrets(t, "%+v of Config", fmt.Sprintf("%+v", cfg))
		assertNoSecrets(t, "%#v of Config", fmt.Sprintf("%#v", cfg))
		acc := AccountConfig{AccountKey: "ns/name", Credentials: c}
		assertNoSecrets(t, "%+v of AccountConfig", fmt.Sprintf("%+v", acc))
		b, err := json.Marshal(acc)
		if err != nil {
			t.Fatal(err)
		}
		assertNoSecrets(t, "JSON of AccountConfig", string(b))
		if !strings.Contains(fmt.Sprint(c), "REDACTED") {
			t.Errorf("redacted form %q does not say so", fmt.Sprint(c))
		}
	}
}

func TestErrorsCarryNoSecrets(t *testing.T) {
	ts := newTestServer(t, respond(401, []byte(`{"error_code":"APIGW.0301","error_msg":"bad signature"}`)))
	c, _ := newTestClient(t, ts, func(cfg *Config) {
		cfg.Credentials = Credentials{AccessKey: secretAK, SecretKey: secretSK, SecurityToken: secretSTS}
	})
	_, err := c.Balances(context.Background())
	if !IsAuth(err) {
		t.Fatalf("err %v", err)
	}
	assertNoSecrets(t, "error", err.Error())
	assertNoSecrets(t, "error %+v", fmt.Sprintf("%+v", err))
	assertNoSecrets(t, "client %+v", fmt.Sprintf("%+v", c))
}

func TestFactory(t *testing.T) {
	ts := newTestServer(t, respond(204, nil))
	clk := newSteppingClock()
	reg := NewLimiterRegistry(clk, nil)
	f := NewFactory(FactoryConfig{HTTPClient: ts.Client(), Clock: clk, Limiters: reg, Endpoints: mustAllowlist(t, ts.URL)})
	acc := AccountConfig{AccountKey: "ns/a", Endpoint: ts.URL, DomainID: "d1", Credentials: Credentials{AccessKey: "ak1", SecretKey: "sk1"}}
	c1, err := f.ClientFor(acc)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := f.ClientFor(acc)
	if c1 != c2 {
		t.Error("unchanged config built a new client")
	}
	rotated := acc
	rotated.Credentials.SecretKey = "sk2"
	c3, _ := f.ClientFor(rotated)
	if c3 == c1 {
		t.Fatal("rotated credentials reused the old client")
	}
	if httpOf(c1).limiters != httpOf(c3).limiters {
		t.Error("rotated client does not share the account's limiters")
	}
	other := AccountConfig{AccountKey: "ns/b", Endpoint: ts.URL, DomainID: "d2", Credentials: Credentials{Token: "t"}}
	c4, _ := f.ClientFor(other)
	if httpOf(c4).limiters == httpOf(c1).limiters {
		t.Error("different accounts share limiters")
	}
	// The rotated client signs with the new key.
	if err := c3.CancelOrder(context.Background(), "CS1"); err != nil {
		t.Fatal(err)
	}
	if auth := ts.requests()[0].Header.Get("Authorization"); !strings.Contains(auth, "Access=ak1,") {
		t.Errorf("Authorization %q", auth)
	}
	if d := acc.digest(); strings.Contains(d, "sk1") || d == rotated.digest() {
		t.Error("digest leaks the secret or ignores rotation")
	}
	f.Forget("ns/a")
	if c5, _ := f.ClientFor(rotated); c5 == c3 {
		t.Error("Forget kept the client")
	}
	if _, err := f.ClientFor(AccountConfig{Endpoint: ts.URL, Credentials: Credentials{Token: "t"}}); err == nil {
		t.Error("empty account key accepted")
	}
	if _, err := f.ClientFor(AccountConfig{AccountKey: "x", Endpoint: "http://example.com", Credentials: Credentials{Token: "t"}}); err == nil {
		t.Error("plain http to a non-loopback host accepted")
	}
}

func TestInstrumented(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := metrics.NewBSS(reg)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			respond(204, nil)(n, w, r)
			return
		}
		throttled(n, w, r)
	})
	inner, clk := newTestClient(t, ts, func(cfg *Config) { cfg.Metrics = m })
	c := NewInstrumented(inner, m, clk)
	if err := c.CancelOrder(context.Background(), "CS1"); err != nil {
		t.Fatal(err)
	}
	if err := c.CancelOrder(context.Background(), "CS1"); !IsThrottled(err) {
		t.Fatalf("err %v", err)
	}
	if got := counterValue(t, m.Requests.WithLabelValues("CancelOrder", "success")); got != 1 {
		t.Errorf("success count %v", got)
	}
	if got := counterValue(t, m.Requests.WithLabelValues("CancelOrder", "retryable")); got != 1 {
		t.Errorf("retryable count %v", got)
	}
	if got := counterValue(t, m.Throttles.WithLabelValues("CancelOrder", metrics.SourceServer)); got != 1 {
		t.Errorf("server throttles %v", got)
	}
	var h dto.Metric
	if err := m.Latency.WithLabelValues("CancelOrder").(prometheus.Metric).Write(&h); err != nil || h.GetHistogram().GetSampleCount() != 2 {
		t.Errorf("latency samples %v %v", h.GetHistogram().GetSampleCount(), err)
	}
	if _, err := metrics.NewBSS(reg); err == nil {
		t.Error("double registration accepted")
	}
	if NewInstrumented(inner, nil, nil) != Client(inner) {
		t.Error("nil metrics must return the client unchanged")
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
