package bss

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"
)

var testEpoch = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// steppingClock is a fake clock whose timers fire at once by stepping time
// forward by their duration; it records every requested wait. Tests using
// it never sleep.
type steppingClock struct {
	*testingclock.FakeClock
	mu    sync.Mutex
	waits []time.Duration
}

func newSteppingClock() *steppingClock {
	return &steppingClock{FakeClock: testingclock.NewFakeClock(testEpoch)}
}

func (c *steppingClock) NewTimer(d time.Duration) clock.Timer {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	// The embedded clock's NewTimer: this method overrides it.
	t := c.FakeClock.NewTimer(d) //nolint:staticcheck // QF1008 would make this call itself
	c.Step(d)
	return t
}

func (c *steppingClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// unlimitedQuotas lifts every quota so that limiter waits do not mix with
// the backoff waits a test inspects.
func unlimitedQuotas() map[string]int {
	q := map[string]int{}
	for _, k := range []string{apiResourcesQuery, apiRenew, apiUnsubscribe, apiAutoRenewOn, apiAutoRenewOff, apiToOnDemand,
		apiOrders, apiOrderDetails, apiOrderDiscounts, apiPay, apiCancel, apiRefunds, apiRenewRate, apiOnDemandRate, apiBalances,
		apiMonthlySum, apiCosts} {
		q[k] = 100000
	}
	return q
}

// recorded is a request as the test server saw it.
type recorded struct {
	Method   string
	Path     string
	RawPath  string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// testServer records requests and answers with handler(n, w, r) for the
// n-th request (0-based).
type testServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newTestServer(t *testing.T, handler func(n int, w http.ResponseWriter, r *http.Request)) *testServer {
	t.Helper()
	ts := &testServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts.mu.Lock()
		n := len(ts.reqs)
		ts.reqs = append(ts.reqs, recorded{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(),
			RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		ts.mu.Unlock()
		handler(n, w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) requests() []recorded {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]recorded(nil), ts.reqs...)
}

// newTestClient returns a client of ts with AK/SK credentials, a stepping
// clock and unlimited quotas.
func newTestClient(t *testing.T, ts *testServer, mutate ...func(*Config)) (*httpClient, *steppingClock) {
	t.Helper()
	clk := newSteppingClock()
	cfg := Config{
		Endpoint:    ts.URL,
		DomainID:    "domain123",
		Credentials: Credentials{AccessKey: "AKTEST", SecretKey: "SKTEST"},
		HTTPClient:  ts.Client(),
		Clock:       clk,
		Limiters:    NewLimiterRegistry(clk, unlimitedQuotas()).ForAccount("test"),
		Retry:       RetryPolicy{Jitter: func() float64 { return 0 }},
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := newHTTPClient(cfg)
	if err != nil {
		t.Fatalf("newHTTPClient: %v", err)
	}
	return c, clk
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

func respond(status int, body []byte) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}
