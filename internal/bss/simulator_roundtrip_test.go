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

// TestSummaryBillsWithoutDomainID: the v2 monthly summary bills need no
// domain id, so a budget over closed months works on an account whose
// BillingAccount leaves the optional domainID out; amounts come in currency
// units, not the cents of §7.1's v1.0 API.
func TestSummaryBillsWithoutDomainID(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
	sim := simulator.New(simulator.WithClock(clk), simulator.WithRealClock(clk), simulator.WithThrottling(false))
	if err := sim.AddAccount(simulator.AccountSeed{
		DomainID: "domain-nb", Name: "nb", Cash: decimal.RequireFromString("10"),
		Credentials: []simulator.Credential{{AccessKey: "AK-NB", SecretKey: "SK-NB"}},
	}); err != nil {
		t.Fatal(err)
	}
	may := time.Date(2024, 5, 10, 0, 0, 0, 0, time.UTC)
	if err := sim.LoadInventory(&simulator.Inventory{CostRecords: []simulator.CostRecordSeed{{Account: "domain-nb", Time: &may,
		ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm", ChargingMode: 1,
		Amount: decimal.RequireFromString("12.34")}}}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	c, err := bss.New(bss.Config{Endpoint: ts.URL, HTTPClient: ts.Client(), Clock: clk,
		Credentials: bss.Credentials{AccessKey: "AK-NB", SecretKey: "SK-NB"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.SummaryBills(context.Background(), bss.SummaryBillsRequest{Cycle: "2024-05", Limit: 1000})
	if err != nil {
		t.Fatalf("summary bills without a domain id: %v", err)
	}
	if len(s.Bills) != 1 || s.Bills[0].ChargingMode != bss.BillChargingYearlyMonthly ||
		!s.Bills[0].Consume.Amount.Equal(decimal.RequireFromString("12.34")) || !s.Consume.Amount.Equal(decimal.RequireFromString("12.34")) {
		t.Fatalf("bills %+v", s)
	}
}
