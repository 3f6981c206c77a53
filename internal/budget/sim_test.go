package budget_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// simAccount starts a simulator whose business time is a fake clock at
// now, with one account (domain, cash in currency, one AK/SK pair), and
// returns the simulator, its clock and a client of the account. Signatures
// and the client's rate limiter run on real time, so the limiter's waits
// end.
func simAccount(t *testing.T, now time.Time, domain, cash, currency string) (*simulator.Server, *testingclock.FakeClock, bss.Client) {
	t.Helper()
	clk := testingclock.NewFakeClock(now)
	sim := simulator.New(simulator.WithClock(clk), simulator.WithThrottling(false))
	ak, sk := "AK-"+domain, "SK-"+domain
	if err := sim.AddAccount(simulator.AccountSeed{
		DomainID: domain, Name: domain, Cash: decimal.RequireFromString(cash), Currency: currency,
		Credentials: []simulator.Credential{{AccessKey: ak, SecretKey: sk}},
	}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	cl, err := bss.New(bss.Config{Endpoint: ts.URL, HTTPClient: ts.Client(), Clock: clock.RealClock{},
		Credentials: bss.Credentials{AccessKey: ak, SecretKey: sk}})
	if err != nil {
		t.Fatal(err)
	}
	return sim, clk, cl
}
