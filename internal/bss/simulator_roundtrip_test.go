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

// TestPartnerPaidOrderDecoded: 6.2.1 agent_pay_info (the SDK's
// AgentPayInfoV2 on CustomerOrderV2; not in the reference) is decoded, so
// that the operator can leave a partner's order to the partner (issue 15).
func TestPartnerPaidOrderDecoded(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
	sim := simulator.New(simulator.WithClock(clk), simulator.WithRealClock(clk), simulator.WithThrottling(false))
	for _, a := range []simulator.AccountSeed{
		{DomainID: "domain-own", Name: "own", Cash: decimal.RequireFromString("1000"), Credentials: []simulator.Credential{{AccessKey: "AK-OWN", SecretKey: "SK-OWN"}}},
		{DomainID: "domain-agent", Name: "agent", Cash: decimal.RequireFromString("1000"), PayingAgentID: "partner-7",
			Credentials: []simulator.Credential{{AccessKey: "AK-AG", SecretKey: "SK-AG"}}},
	} {
		if err := sim.AddAccount(a); err != nil {
			t.Fatal(err)
		}
		if err := sim.AddResource(simulator.ResourceSeed{ID: a.Name + "-vm", Account: a.DomainID, Name: "vm", Region: "ap-southeast-1",
			ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm",
			MonthlyPrice: decimal.NewFromInt(10), ExpiresIn: "20d"}); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	ctx := context.Background()
	for _, tc := range []struct {
		ak, sk, domain, resource string
		wantAgent                string
	}{{"AK-OWN", "SK-OWN", "domain-own", "own-vm", ""}, {"AK-AG", "SK-AG", "domain-agent", "agent-vm", "partner-7"}} {
		c, err := bss.New(bss.Config{Endpoint: ts.URL, DomainID: tc.domain, HTTPClient: ts.Client(), Clock: clk,
			Credentials: bss.Credentials{AccessKey: tc.ak, SecretKey: tc.sk}})
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.Renew(ctx, bss.RenewRequest{ResourceIDs: []string{tc.resource}, PeriodType: bss.PeriodMonth, PeriodNum: 1})
		if err != nil || len(out.OrderIDs) != 1 {
			t.Fatalf("renew %s: %v %+v", tc.resource, err, out)
		}
		page, err := c.ListOrders(ctx, bss.ListOrdersRequest{OrderID: out.OrderIDs[0]})
		if err != nil || len(page.Orders) != 1 {
			t.Fatalf("list order %s: %v %+v", out.OrderIDs[0], err, page)
		}
		agent, partner := page.Orders[0].PartnerPays()
		if partner != (tc.wantAgent != "") || agent != tc.wantAgent {
			t.Errorf("%s: PartnerPays() = %q, %v; want %q", tc.domain, agent, partner, tc.wantAgent)
		}
	}
	// A single order can be marked too.
	own := sim.OrdersWhere(simulator.OrderFilter{})
	var id string
	for _, o := range own {
		if o.AccountID == "domain-own" && o.Type == 2 {
			id = o.ID
		}
	}
	if err := sim.SetPayingAgent(id, "partner-9"); err != nil {
		t.Fatal(err)
	}
	c, _ := bss.New(bss.Config{Endpoint: ts.URL, DomainID: "domain-own", HTTPClient: ts.Client(), Clock: clk,
		Credentials: bss.Credentials{AccessKey: "AK-OWN", SecretKey: "SK-OWN"}})
	page, err := c.ListOrders(ctx, bss.ListOrdersRequest{OrderID: id})
	if err != nil || len(page.Orders) != 1 {
		t.Fatalf("list order %s: %v", id, err)
	}
	if agent, ok := page.Orders[0].PartnerPays(); !ok || agent != "partner-9" {
		t.Errorf("marked order: PartnerPays() = %q, %v; want partner-9", agent, ok)
	}
}

// TestOnDemandPriceOfAResource prices one hour of a resource's pay-per-use
// equivalent, built from what 6.3.1 reports (HourlyProduct), against the
// simulator: the disk's size is sent, the commercial discount applies, and
// an unknown spec is the 400 CBC.99006006 of 4.2.1.
func TestOnDemandPriceOfAResource(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
	sim := simulator.New(simulator.WithClock(clk), simulator.WithRealClock(clk), simulator.WithThrottling(false))
	if err := sim.AddAccount(simulator.AccountSeed{DomainID: "domain-pp", Name: "pp", Cash: decimal.RequireFromString("10"),
		Credentials: []simulator.Credential{{AccessKey: "AK-PP", SecretKey: "SK-PP"}}}); err != nil {
		t.Fatal(err)
	}
	size, gb, ratio := decimal.NewFromInt(100), 17, decimal.RequireFromString("0.8")
	if err := sim.AddResource(simulator.ResourceSeed{ID: "vol-1", Account: "domain-pp", Name: "data", Region: "ap-southeast-1",
		ProjectID: "proj-1", ServiceTypeCode: "hws.service.type.ebs", ResourceTypeCode: "hws.resource.type.volume", SpecCode: "SSD",
		SpecSize: &size, SpecSizeMeasureID: &gb, MonthlyPrice: decimal.NewFromInt(73), DiscountRatio: &ratio, ExpiresIn: "30d"}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	c, err := bss.New(bss.Config{Endpoint: ts.URL, HTTPClient: ts.Client(), Clock: clk,
		Credentials: bss.Credentials{AccessKey: "AK-PP", SecretKey: "SK-PP"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rs, err := c.QueryResources(ctx, bss.QueryResourcesRequest{ResourceIDs: []string{"vol-1"}})
	if err != nil || len(rs) != 1 {
		t.Fatalf("resources %+v, err %v", rs, err)
	}
	q, err := c.OnDemandPrice(ctx, bss.OnDemandPriceRequest{ProjectID: rs[0].ProjectID, Products: []bss.OnDemandProduct{bss.HourlyProduct("vol-1", rs[0])}})
	if err != nil {
		t.Fatal(err)
	}
	// 73 a month × 1.5 / 730 = 0.15 an hour list, 0.12 after the 0.8 ratio.
	it, ok := q.Item("vol-1")
	if !ok || !it.Amount.Amount.Equal(decimal.RequireFromString("0.12")) || it.Amount.Currency != "USD" ||
		it.OfficialAmount == nil || !it.OfficialAmount.Amount.Equal(decimal.RequireFromString("0.15")) ||
		!q.Amount.Amount.Equal(it.Amount.Amount) {
		t.Fatalf("quote %+v", q)
	}
	other := rs[0]
	other.SpecCode = "ESSD"
	_, err = c.OnDemandPrice(ctx, bss.OnDemandPriceRequest{ProjectID: "proj-1", Products: []bss.OnDemandProduct{bss.HourlyProduct("x", other)}})
	if e, ok := bss.AsError(err); !ok || e.Code != bss.CodeProductNotFound || !bss.IsTerminal(err) {
		t.Fatalf("unknown product: err %v, want terminal %s", err, bss.CodeProductNotFound)
	}
}
