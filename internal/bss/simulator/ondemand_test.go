package simulator_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

const onDemandPath = "/v2/bills/ratings/on-demand-resources"

// ppuProduct is a 4.2.1 DemandProductInfo for hours of ecs-1's product.
func ppuProduct(id string, hours any) map[string]any {
	return map[string]any{"id": id, "cloud_service_type": "hws.service.type.ec2", "resource_type": "hws.resource.type.vm",
		"resource_spec": "s6.large.2.linux", "region": "ap-southeast-1", "usage_factor": "Duration",
		"usage_value": hours, "usage_measure_id": 4, "subscription_num": 1}
}

func TestRateOnDemand(t *testing.T) {
	w := newWorld(t)
	size, gb := decimal.NewFromInt(40), 17
	if err := w.srv.AddResource(simulator.ResourceSeed{ID: "disk-1", Name: "data", Region: "ap-southeast-1",
		ServiceTypeCode: "hws.service.type.ebs", ResourceTypeCode: "hws.resource.type.volume", SpecCode: "GPSSD",
		SpecSize: &size, SpecSizeMeasureID: &gb, MonthlyPrice: decimal.NewFromInt(8), ExpiresIn: "20d"}); err != nil {
		t.Fatal(err)
	}
	disk := func(gb int) map[string]any {
		return map[string]any{"id": "d", "cloud_service_type": "hws.service.type.ebs", "resource_type": "hws.resource.type.volume",
			"resource_spec": "GPSSD", "region": "ap-southeast-1", "usage_factor": "duration", "usage_value": 1, "usage_measure_id": 4,
			"subscription_num": 1, "resource_size": gb, "size_measure_id": 17}
	}
	// Hourly list price = monthly × 1.5 / 730 (Choice): ecs-1 is 100 a
	// month, so 2 hours list at 0.410959 and alice's 0.9 discount applies.
	// The usage value comes as a number (the reference) or a string (SDK).
	r := w.do("POST", onDemandPath, map[string]any{"project_id": "p1",
		"product_infos": []any{ppuProduct("1", 2), ppuProduct("2", "1"), disk(80)}})
	wantStatus(t, r, 200)
	if fmt.Sprint(r.body["amount"]) != "0.587671" || fmt.Sprint(r.body["official_website_amount"]) != "0.649315" ||
		fmt.Sprint(r.body["discount_amount"]) != "0.061644" || r.str("currency") != "USD" || fmt.Sprint(r.body["measure_id"]) != "1" {
		t.Fatalf("totals: %s", r.raw)
	}
	items := r.list("product_rating_results")
	if len(items) != 3 {
		t.Fatalf("results: %s", r.raw)
	}
	first := items[0].(map[string]any)
	if first["id"] != "1" || fmt.Sprint(first["amount"]) != "0.369863" || fmt.Sprint(first["official_website_amount"]) != "0.410959" ||
		fmt.Sprint(first["discount_amount"]) != "0.041096" || len(first["discount_rating_results"].([]any)) != 1 {
		t.Fatalf("item 1: %v", first)
	}
	// A linear product: 8 a month for 40 GB, so 80 GB for an hour lists at
	// 8 × 1.5 / 730 × 2 = 0.032877; no discount on disk-1.
	if d := items[2].(map[string]any); fmt.Sprint(d["amount"]) != "0.032877" || fmt.Sprint(d["discount_amount"]) != "0" {
		t.Fatalf("disk: %v", d)
	}
	precise := w.do("POST", onDemandPath, map[string]any{"project_id": "p1", "inquiry_precision": 1,
		"product_infos": []any{ppuProduct("1", 1)}})
	if got := fmt.Sprint(precise.list("product_rating_results")[0].(map[string]any)["official_website_amount"]); got != "0.2054794521" {
		t.Fatalf("inquiry_precision 1: %s", got)
	}

	unknown := ppuProduct("1", 1)
	unknown["resource_spec"] = "c7.huge.linux"
	upflow := ppuProduct("1", 1)
	upflow["usage_factor"] = "upflow"
	gbUnit := ppuProduct("1", 1)
	gbUnit["usage_measure_id"] = 10
	noSize := disk(0)
	delete(noSize, "resource_size")
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"unknown product", map[string]any{"project_id": "p1", "product_infos": []any{ppuProduct("0", 1), unknown}}, 400, "CBC.99006006"},
		{"unknown billing item", map[string]any{"project_id": "p1", "product_infos": []any{upflow}}, 400, "CBC.99006074"},
		{"usage unit", map[string]any{"project_id": "p1", "product_infos": []any{gbUnit}}, 400, "CBC.99006050"},
		{"no project", map[string]any{"product_infos": []any{ppuProduct("1", 1)}}, 400, "CBC.0100"},
		{"no products", map[string]any{"project_id": "p1", "product_infos": []any{}}, 400, "CBC.0100"},
		{"duplicate ids", map[string]any{"project_id": "p1", "product_infos": []any{ppuProduct("1", 1), ppuProduct("1", 2)}}, 400, "CBC.0100"},
		{"zero usage", map[string]any{"project_id": "p1", "product_infos": []any{ppuProduct("1", 0)}}, 400, "CBC.0100"},
		{"linear without size", map[string]any{"project_id": "p1", "product_infos": []any{noSize}}, 400, "CBC.0100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, w.do("POST", onDemandPath, tc.body), tc.status, tc.code)
		})
	}
}

func TestRateOnDemandOtherAccountsDiscountDoesNotApply(t *testing.T) {
	w := newWorld(t)
	// bob-ecs has no spec; bob asks for ecs-1's product, which only alice
	// owns: it is priced, at list price.
	r := w.doWith("POST", onDemandPath, map[string]any{"project_id": "p1", "product_infos": []any{ppuProduct("1", 2)}},
		func(req *http.Request, b []byte) {
			signRequest(req, b, "TESTAK000000000000002", "bobSecret", w.real.Now())
		})
	wantStatus(t, r, 200)
	if fmt.Sprint(r.body["amount"]) != "0.410959" || fmt.Sprint(r.body["discount_amount"]) != "0" {
		t.Fatalf("bob's price: %s", r.raw)
	}
}

func TestRateOnDemandThrottledAt10PerSecond(t *testing.T) {
	w := newWorld(t)
	w.burst = true
	body := map[string]any{"project_id": "p1", "product_infos": []any{ppuProduct("1", 1)}}
	passed := 0
	for range 15 {
		r := w.do("POST", onDemandPath, body)
		switch r.status {
		case 200:
			passed++
		case 429:
			if r.str("error_code") != "APIGW.0308" {
				t.Fatalf("429 body %s", r.raw)
			}
		default:
			t.Fatalf("status %d: %s", r.status, r.raw)
		}
	}
	if passed != 10 {
		t.Fatalf("%d calls passed in one second, want 10 (§3.3)", passed)
	}
	w.real.Step(time.Second)
	wantStatus(t, w.do("POST", onDemandPath, body), 200)
	if n := w.srv.Counters().Total(simulator.OpOnDemandRate); n != 16 {
		t.Errorf("counted %d calls, want 16", n)
	}
}
