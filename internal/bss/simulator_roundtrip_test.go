package bss_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// TestSimulatorRoundTrip signs real requests with this package and lets the
// simulator verify them with its own implementation.
func TestSimulatorRoundTrip(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
	// The signature date is checked against the simulator's real-time clock.
	sim := simulator.New(simulator.WithClock(clk), simulator.WithRealClock(clk), simulator.WithThrottling(false))
	err := sim.AddAccount(simulator.AccountSeed{
		DomainID: "domain-rt", Name: "rt", Cash: decimal.RequireFromString("100.25"),
		Credentials: []simulator.Credential{{AccessKey: "AK-RT", SecretKey: "SK-RT"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	reg := bss.NewLimiterRegistry(clk, nil)
	newClient := func(sk string) bss.Client {
		c, err := bss.New(bss.Config{Endpoint: ts.URL, DomainID: "domain-rt", HTTPClient: ts.Client(), Clock: clk,
			Limiters: reg.ForAccount(sk), Credentials: bss.Credentials{AccessKey: "AK-RT", SecretKey: sk}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	b, err := newClient("SK-RT").Balances(context.Background())
	if err != nil {
		t.Fatalf("right key rejected: %v", err)
	}
	if cash, ok := b.Cash(); !ok || !cash.Amount.Equal(decimal.RequireFromString("100.25")) {
		t.Errorf("balances %+v", b)
	}
	_, err = newClient("SK-WRONG").Balances(context.Background())
	if !bss.IsAuth(err) || !bss.IsTerminal(err) {
		t.Fatalf("wrong key: err %v, want an auth error", err)
	}
}
