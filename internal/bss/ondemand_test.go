package bss

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func TestHourlyProduct(t *testing.T) {
	size := decimal.NewFromInt(40)
	frac := decimal.RequireFromString("2.5")
	base := Resource{ServiceTypeCode: "hws.service.type.ebs", ResourceTypeCode: "hws.resource.type.volume", SpecCode: "SSD", Region: "ap-southeast-1"}
	tests := []struct {
		name             string
		size             *decimal.Decimal
		unit             int
		wantSize, wantID int
	}{
		{name: "not linear", size: nil},
		{name: "disk of 40 GB", size: &size, unit: 17, wantSize: 40, wantID: 17},
		{name: "fractional size is left out", size: &frac, unit: 15},
		{name: "size without unit is left out", size: &size},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			r.SpecSize, r.SpecSizeMeasureID = tt.size, tt.unit
			p := HourlyProduct("r1", r)
			if p.ID != "r1" || p.ServiceTypeCode != r.ServiceTypeCode || p.ResourceTypeCode != r.ResourceTypeCode ||
				p.ResourceSpec != "SSD" || p.Region != r.Region || p.UsageFactor != "Duration" || !p.UsageValue.Equal(decimal.NewFromInt(1)) ||
				p.UsageMeasureID != 4 || p.SubscriptionNum != 1 || p.ResourceSize != tt.wantSize || p.SizeMeasureID != tt.wantID {
				t.Errorf("product %+v", p)
			}
		})
	}
}

func TestOnDemandPriceChecks(t *testing.T) {
	good := HourlyProduct("p1", Resource{ServiceTypeCode: "s", ResourceTypeCode: "t", SpecCode: "x", Region: "r"})
	mutate := func(f func(*OnDemandProduct)) []OnDemandProduct {
		p := good
		f(&p)
		return []OnDemandProduct{p}
	}
	tests := []struct {
		name string
		req  OnDemandPriceRequest
	}{
		{"no project", OnDemandPriceRequest{Products: []OnDemandProduct{good}}},
		{"no products", OnDemandPriceRequest{ProjectID: "p"}},
		{"duplicate ids", OnDemandPriceRequest{ProjectID: "p", Products: []OnDemandProduct{good, good}}},
		{"no spec", OnDemandPriceRequest{ProjectID: "p", Products: mutate(func(p *OnDemandProduct) { p.ResourceSpec = "" })}},
		{"zero usage", OnDemandPriceRequest{ProjectID: "p", Products: mutate(func(p *OnDemandProduct) { p.UsageValue = decimal.Zero })}},
		{"no measure", OnDemandPriceRequest{ProjectID: "p", Products: mutate(func(p *OnDemandProduct) { p.UsageMeasureID = 0 })}},
		{"too many", OnDemandPriceRequest{ProjectID: "p", Products: mutate(func(p *OnDemandProduct) { p.SubscriptionNum = 10001 })}},
		{"size without unit", OnDemandPriceRequest{ProjectID: "p", Products: mutate(func(p *OnDemandProduct) { p.ResourceSize = 10 })}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, respond(200, fixture(t, "on_demand_rate.json")))
			c, _ := newTestClient(t, ts)
			_, err := c.OnDemandPrice(context.Background(), tt.req)
			if e, ok := AsError(err); !ok || e.Code != CodeParameterError || !errors.Is(err, ErrTerminal) {
				t.Fatalf("err %v, want a terminal parameter error", err)
			}
			if n := len(ts.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestOnDemandPriceAnswers(t *testing.T) {
	req := OnDemandPriceRequest{ProjectID: "p", Products: []OnDemandProduct{
		HourlyProduct("1", Resource{ServiceTypeCode: "s", ResourceTypeCode: "t", SpecCode: "x", Region: "r"})}}
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode string
	}{
		{name: "product not found", status: 400, body: `{"error_code":"CBC.99006006","error_msg":"Product not found."}`, wantCode: CodeProductNotFound},
		{name: "a product not asked for", status: 200, body: `{"amount":1,"measure_id":1,"currency":"USD","product_rating_results":[{"id":"9","amount":1,"measure_id":1}]}`},
		{name: "a product left unpriced", status: 200, body: `{"amount":0,"measure_id":1,"currency":"USD","product_rating_results":[]}`},
		{name: "cents are not a 4.2.1 unit", status: 200, body: `{"amount":1,"measure_id":7,"currency":"USD","product_rating_results":[{"id":"1","amount":1,"measure_id":1}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, respond(tt.status, []byte(tt.body)))
			c, _ := newTestClient(t, ts)
			q, err := c.OnDemandPrice(context.Background(), req)
			e, ok := AsError(err)
			if !ok || !errors.Is(err, ErrTerminal) || q != nil {
				t.Fatalf("quote %+v, err %v, want a terminal error", q, err)
			}
			if tt.wantCode != "" && e.Code != tt.wantCode {
				t.Errorf("code %q, want %q", e.Code, tt.wantCode)
			}
		})
	}
}
