package controller

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

func TestPayPerUseDue(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(ago time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(-ago)} }
	price := &billingv1alpha1.Money{Amount: "0.2", Currency: "USD"}
	tests := []struct {
		name     string
		q        *billingv1alpha1.PayPerUseQuote
		wantDue  bool
		wantNext time.Time
	}{
		{name: "never quoted", wantDue: true},
		{name: "quoted an hour ago", q: &billingv1alpha1.PayPerUseQuote{Hourly: price, QuotedAt: at(time.Hour)}, wantNext: now.Add(23 * time.Hour)},
		{name: "quoted a day ago", q: &billingv1alpha1.PayPerUseQuote{Hourly: price, QuotedAt: at(24 * time.Hour)}, wantDue: true},
		{name: "failed just now", q: &billingv1alpha1.PayPerUseQuote{Error: "x", FailedAt: at(time.Minute)}, wantNext: now.Add(59 * time.Minute)},
		{name: "failed after a fresh price: retried in an hour, not a day",
			q: &billingv1alpha1.PayPerUseQuote{Hourly: price, QuotedAt: at(2 * time.Hour), Error: "x", FailedAt: at(61 * time.Minute)}, wantDue: true},
		{name: "no times at all", q: &billingv1alpha1.PayPerUseQuote{}, wantDue: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, next := payPerUseDue(tt.q, now)
			if due != tt.wantDue || !next.Equal(tt.wantNext) {
				t.Errorf("due %v next %v, want %v %v", due, next, tt.wantDue, tt.wantNext)
			}
		})
	}
}

// ppuClient answers 4.2.1 and records the request.
type ppuClient struct {
	bss.Client
	req   bss.OnDemandPriceRequest
	quote *bss.OnDemandQuote
	err   error
}

func (c *ppuClient) OnDemandPrice(_ context.Context, req bss.OnDemandPriceRequest) (*bss.OnDemandQuote, error) {
	c.req = req
	return c.quote, c.err
}

func TestQuotePayPerUse(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	size := decimal.NewFromInt(40)
	vm := bss.Resource{ID: "ecs-1", ProjectID: "proj-1", Region: "ap-southeast-1", ServiceTypeCode: "hws.service.type.ec2",
		ResourceTypeCode: "hws.resource.type.vm", SpecCode: "s6.large.2.linux"}
	disk := bss.Resource{ID: "evs-1", ProjectID: "proj-1", Region: "ap-southeast-1", ServiceTypeCode: "hws.service.type.ebs",
		ResourceTypeCode: "hws.resource.type.volume", SpecCode: "GPSSD", SpecSize: &size, SpecSizeMeasureID: 17}
	usd := func(s string) bss.Money { return bss.Money{Amount: decimal.RequireFromString(s), Currency: "USD"} }
	official := usd("0.2567123")
	tests := []struct {
		name        string
		res         bss.Resource
		quote       *bss.OnDemandQuote
		err         error
		wantErr     string
		wantHourly  string
		wantMonthly string
		wantList    string
	}{
		{name: "primary and attached disk priced together", res: vm,
			quote:      &bss.OnDemandQuote{Amount: usd("0.2310411"), OfficialAmount: &official},
			wantHourly: "0.231041", wantMonthly: "168.66", wantList: "0.256712"},
		{name: "BSS error is returned", res: vm, err: errors.New("CBC.99006006 Product not found."), wantErr: "Product not found"},
		{name: "no project", res: bss.Resource{ID: "ecs-1"}, wantErr: "no project"},
		{name: "currency the schema refuses", res: vm, quote: &bss.OnDemandQuote{Amount: bss.Money{Amount: decimal.NewFromInt(1), Currency: "EUR"}},
			wantErr: "EUR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := &ppuClient{quote: tt.quote, err: tt.err}
			q, err := quotePayPerUse(context.Background(), cl, tt.res, []bss.Resource{disk}, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if amountOf(q.Hourly) != tt.wantHourly || amountOf(q.MonthlyEstimate) != tt.wantMonthly || amountOf(q.OfficialHourly) != tt.wantList ||
				q.Hourly.Currency != "USD" || !q.QuotedAt.Time.Equal(now) || q.Error != "" {
				t.Errorf("quote %+v", q)
			}
			p := cl.req.Products
			if cl.req.ProjectID != "proj-1" || len(p) != 2 || p[0].ID != "ecs-1" || p[1].ID != "evs-1" || p[1].ResourceSize != 40 ||
				p[1].SizeMeasureID != 17 || p[0].UsageMeasureID != bss.UsageMeasureHour || !p[0].UsageValue.Equal(decimal.NewFromInt(1)) {
				t.Errorf("request %+v", cl.req)
			}
		})
	}
}

func TestComparePrices(t *testing.T) {
	month := payPerUseComparePeriod
	year := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1}
	ppu := &billingv1alpha1.PayPerUseQuote{Hourly: &billingv1alpha1.Money{Amount: "0.205479", Currency: "USD"},
		MonthlyEstimate: &billingv1alpha1.Money{Amount: "150.00", Currency: "USD"}}
	renewal := &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "90.00", Currency: "USD"}, Period: &month}
	stale := &billingv1alpha1.PriceQuote{Price: billingv1alpha1.Money{Amount: "900.00", Currency: "USD"}, Period: &year}
	failed := ppu.DeepCopy()
	failed.Error = "pay-per-use price unavailable: CBC.99006006"
	tests := []struct {
		name    string
		ppu     *billingv1alpha1.PayPerUseQuote
		renewal *billingv1alpha1.PriceQuote
		note    string
		want    string
	}{
		{"both", ppu, renewal, "", "on pay-per-use about 150.00 USD a month (0.205479 USD an hour, 4.2.1) against 90.00 USD to renew 1 Month (4.2.3)"},
		{"a quote of another period is not compared", ppu, stale, "", "on pay-per-use about 150.00 USD a month (0.205479 USD an hour, 4.2.1)"},
		{"failed keeps the last price and says why", failed, renewal, "",
			"on pay-per-use about 150.00 USD a month (0.205479 USD an hour, 4.2.1) (pay-per-use price unavailable: CBC.99006006) against 90.00 USD to renew 1 Month (4.2.3)"},
		{"nothing yet, renewal quote failed", nil, nil, "renewal quote unavailable: x", "pay-per-use price not known yet; renewal quote unavailable: x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := comparePrices(tt.ppu, tt.renewal, tt.note); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
