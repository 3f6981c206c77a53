package simulator_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

func TestRenewRate(t *testing.T) {
	w := newWorld(t)
	const path = "/v2/bills/ratings/period-resources/renew-rate"
	r := w.do("POST", path, map[string]any{"resource_ids": []string{ecs1}, "period_type": 2, "period_num": 1})
	wantStatus(t, r, 200)
	res := r.list("renew_inquiry_results")[0].(map[string]any)
	if res["resource_id"] != ecs1 || res["amount"] != "110.0" || r.str("currency") != "USD" {
		t.Fatalf("renew_inquiry_results = %s", r.raw)
	}
	disc := r.list("optional_discount_rating_results")[0].(map[string]any)
	if disc["amount"] != "100.0" || disc["discount_amount"] != "10.0" || fmt.Sprint(disc["best_offer"]) != "1" {
		t.Fatalf("discount = %v", disc)
	}
	yearly := w.do("POST", path, map[string]any{"resource_ids": []string{ecs1}, "period_type": 3, "period_num": 1})
	if got := yearly.body["official_website_rating_result"].(map[string]any)["official_website_amount"]; got != "1100.0" {
		t.Fatalf("yearly price = %v, want 1100.0 (10 × monthly)", got)
	}
	rel := w.do("POST", path, map[string]any{"resource_ids": []string{evs1}, "period_type": 2, "period_num": 1, "include_relative_resources": true})
	if rel.list("renew_inquiry_results")[0].(map[string]any)["resource_id"] != ecs1 {
		t.Fatalf("include_relative_resources: %s", rel.raw)
	}
	w.renew(0, ecs2)
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"attached", map[string]any{"resource_ids": []string{evs1}, "period_type": 2, "period_num": 1}, 200, "CBC.30050007"},
		{"bad period", map[string]any{"resource_ids": []string{ecs1}, "period_type": 2, "period_num": 12}, 200, "CBC.30050008"},
		{"unknown", map[string]any{"resource_ids": []string{"nope"}, "period_type": 2, "period_num": 1}, 200, "CBC.30050009"},
		{"pending", map[string]any{"resource_ids": []string{ecs2}, "period_type": 2, "period_num": 1}, 200, "CBC.30050010"},
		{"duplicate", map[string]any{"resource_ids": []string{ecs1, ecs1}, "period_type": 2, "period_num": 1}, 400, "CBC.30050012"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do("POST", path, tc.body)
			wantError(t, r, tc.status, tc.code)
			if tc.status == 200 {
				f := r.list("fail_resource_infos")
				if len(f) != 1 || f[0].(map[string]any)["error_code"] != tc.code {
					t.Fatalf("fail_resource_infos = %s", r.raw)
				}
			}
		})
	}
}

func TestQueryResourcesPagingAndFilters(t *testing.T) {
	w := newWorld(t)
	const path = "/v2/orders/suscriptions/resources/query"
	for _, tc := range []struct {
		name        string
		body        map[string]any
		total, page int
	}{
		{"default", map[string]any{}, 4, 4},
		{"page 1", map[string]any{"limit": 3}, 4, 3},
		{"page 2", map[string]any{"limit": 3, "offset": 3}, 4, 1},
		{"past the end", map[string]any{"offset": 10}, 4, 0},
		{"only main", map[string]any{"only_main_resource": 1}, 3, 3},
		{"id with attached", map[string]any{"resource_ids": []string{ecs1}}, 2, 2},
		{"attached id ignores only_main", map[string]any{"resource_ids": []string{evs1}, "only_main_resource": 1}, 1, 1},
		{"service type", map[string]any{"service_type_code": "hws.service.type.ebs"}, 1, 1},
		{"expire window", map[string]any{"expire_time_begin": "2025-03-12T00:00:00Z", "expire_time_end": "2025-03-31T00:00:00Z"}, 3, 3},
		{"status provisioned", map[string]any{"status_list": []int{2}}, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do("POST", path, tc.body)
			wantStatus(t, r, 200)
			if got := fmt.Sprint(r.body["total_count"]); got != fmt.Sprint(tc.total) || len(r.list("data")) != tc.page {
				t.Fatalf("total_count %s page %d, want %d/%d: %s", got, len(r.list("data")), tc.total, tc.page, r.raw)
			}
		})
	}
	order := w.renew(0, ecs2)[0]
	r := w.do("POST", path, map[string]any{"order_id": order})
	if fmt.Sprint(r.body["total_count"]) != "1" {
		t.Fatalf("order_id filter: %s", r.raw)
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	for _, body := range []map[string]any{{"limit": 501}, {"limit": 0}, {"resource_ids": many},
		{"service_type_code": ""}, {"status_list": []int{7}}, {"expire_time_begin": "yesterday"}} {
		wantError(t, w.do("POST", path, body), 400, "CBC.0100")
	}
	rec := w.resource(ecs1)
	for _, k := range []string{"id", "resource_id", "resource_name", "region_code", "service_type_code", "resource_type_code",
		"resource_spec_code", "parent_resource_id", "is_main_resource", "status", "effective_time", "expire_time",
		"expire_policy", "spec_size", "spec_size_measure_id", "update_time", "enterprise_project"} {
		if _, has := rec[k]; !has {
			t.Errorf("6.3.1 record lacks %s", k)
		}
	}
	if rec["parent_resource_id"] != ecs1 {
		t.Errorf("primary parent_resource_id = %v, want its own ID", rec["parent_resource_id"])
	}
}

func TestBillingEndpoints(t *testing.T) {
	w := newWorld(t)
	w.renew(1, ecs1) // pays 100 (90 + 10) on 2025-03-10
	// v2 monthly sum, as the SDK's ShowCustomerMonthlySum calls it: no
	// domain id in the path, bill_cycle, amounts in currency units.
	const sumPath = "/v2/bills/customer-bills/monthly-sum"
	ms := w.do("GET", sumPath+"?bill_cycle=2025-03", nil)
	wantStatus(t, ms, 200)
	if _, has := ms.body["error_code"]; has || fmt.Sprint(ms.body["measure_id"]) != "1" ||
		fmt.Sprint(ms.body["consume_amount"]) != "100" || fmt.Sprint(ms.body["cash_amount"]) != "100" {
		t.Fatalf("monthly sum = %s", ms.raw)
	}
	if n := len(ms.list("bill_sums")); n != 2 { // ec2 and ebs
		t.Fatalf("bill_sums = %d: %s", n, ms.raw)
	}
	rec := ms.list("bill_sums")[0].(map[string]any)
	if fmt.Sprint(rec["charging_mode"]) != "1" || fmt.Sprint(rec["bill_type"]) != "1" || rec["bill_cycle"] != "2025-03" {
		t.Errorf("bill record = %v", rec)
	}
	page := w.do("GET", sumPath+"?bill_cycle=2025-03&offset=1&limit=1", nil)
	if fmt.Sprint(page.body["total_count"]) != "2" || len(page.list("bill_sums")) != 1 {
		t.Errorf("page 2 = %s", page.raw)
	}
	if n := len(w.do("GET", sumPath+"?bill_cycle=2025-03&service_type_code=hws.service.type.ebs", nil).list("bill_sums")); n != 1 {
		t.Errorf("service filter gave %d records", n)
	}
	wantError(t, w.do("GET", sumPath+"?bill_cycle=2025-3", nil), 400, "CBC.0100")
	wantError(t, w.do("GET", sumPath+"?bill_cycle=2025-03&limit=1001", nil), 400, "CBC.0100")
	// The v1.0 path of §7.1 is not served (the SDK never calls it).
	wantError(t, w.do("GET", "/v1.0/"+domainID+"/customer/account-mgr/bill/monthly-sum?cycle=2025-03", nil), 404, "APIGW.0101")

	const path = "/v4/costs/cost-analysed-bills/query"
	query := func(extra map[string]any) resp {
		body := map[string]any{
			"time_condition": map[string]any{"time_measure_id": 2, "begin_time": "2025-02", "end_time": "2025-03"},
			"groupby":        []map[string]any{{"type": "dimension", "key": "RESOURCE_ID"}},
			"cost_type":      "ORIGINAL_COST", "amount_type": "PAYMENT_AMOUNT",
		}
		for k, v := range extra {
			body[k] = v
		}
		return w.do("POST", path, body)
	}
	r := query(nil)
	wantStatus(t, r, 200)
	if fmt.Sprint(r.body["total_count"]) != "2" {
		t.Fatalf("cost data = %s", r.raw)
	}
	first := r.list("cost_data")[0].(map[string]any) // ecs-1, sorted by group key
	if first["amount_by_costs"] != "180.00" || len(first["costs"].([]any)) != 2 {
		t.Fatalf("ecs-1 costs = %v", first)
	}
	page = query(map[string]any{"limit": 1, "offset": 1})
	if fmt.Sprint(page.body["total_count"]) != "2" || len(page.list("cost_data")) != 1 ||
		page.list("cost_data")[0].(map[string]any)["dimensions"].([]any)[0].(map[string]any)["value"] != evs1 {
		t.Fatalf("page 2 = %s", page.raw)
	}
	filtered := query(map[string]any{"filters": []map[string]any{{"operator": 1, "filter_factor": map[string]any{"key": "RESOURCE_ID", "value": []string{ecs1}}}}})
	if fmt.Sprint(filtered.body["total_count"]) != "1" {
		t.Fatalf("exclude filter = %s", filtered.raw)
	}
	wantError(t, query(map[string]any{"limit": 1001}), 400, "CBC.0100")
	wantError(t, query(map[string]any{"cost_type": "X"}), 400, "CBC.0100")
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

func TestSampleInventory(t *testing.T) {
	clk := testingclock.NewFakeClock(t0)
	srv := simulator.New(simulator.WithClock(clk), simulator.WithRealClock(testingclock.NewFakeClock(t0)))
	if err := srv.LoadInventoryFile(filepath.Join(repoRoot(t), "config", "simulator", "inventory.yaml")); err != nil {
		t.Fatal(err)
	}
	byID := map[string]simulator.ResourceView{}
	for _, r := range srv.Resources() {
		byID[r.ID] = r
	}
	if len(byID) != 9 {
		t.Fatalf("resources = %d, want 9", len(byID))
	}
	checks := map[string]struct{ status, policy int }{
		"7a1c3f2e-5b6d-4c8e-9f01-23456789abcd": {2, 0}, // ECS expiring in 5 days
		"3b9f7d10-0e2a-4a67-8c2d-8f4b1e6a7c01": {2, 0}, // its EVS
		"5e0c9a7b1f2d4e3a8b6c7d9e0f1a2b3cin01": {2, 3}, // RDS on auto-renew
		"fb8bb160-a8eb-46a7-9a01-82479c4342a8": {2, 1}, // shared bandwidth to pay-per-use
		"4a2e8c6f-0d1b-4f3a-9e7c-5b8d2a1c0e02": {2, 1}, // its EIP
		"9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b6a": {5, 0}, // expired
	}
	for id, want := range checks {
		if got := byID[id]; got.Status != want.status || got.ExpirePolicy != want.policy {
			t.Errorf("%s: status %d policy %d, want %d/%d", id, got.Status, got.ExpirePolicy, want.status, want.policy)
		}
	}
	if exp := byID["7a1c3f2e-5b6d-4c8e-9f01-23456789abcd"].ExpireTime; exp != time.Date(2025, 3, 15, 15, 59, 59, 0, time.UTC) {
		t.Errorf("expiresIn 5d = %v, want 23:59:59 GMT+8 five days on", exp)
	}
	if _, err := os.Stat(filepath.Join(repoRoot(t), "docs", "simulator.md")); err != nil {
		t.Errorf("docs/simulator.md: %v", err)
	}
}

func TestInventoryErrorsLeaveStateUntouched(t *testing.T) {
	w := newWorld(t)
	before := len(w.srv.Resources())
	for _, bad := range []string{
		"resources:\n- id: x\n  serviceTypeCode: a\n  resourceTypeCode: b\n  monthlyPrice: \"1\"\n  expiresIn: 5d\n- id: x\n  serviceTypeCode: a\n  resourceTypeCode: b\n  monthlyPrice: \"1\"\n  expiresIn: 5d\n",
		"resources:\n- id: y\n  serviceTypeCode: a\n  resourceTypeCode: b\n  monthlyPrice: \"1\"\n",
		"accounts:\n- name: nodomain\n",
		"bogusField: 1\n",
	} {
		inv, err := simulator.ParseInventory([]byte(bad))
		if err == nil {
			err = w.srv.LoadInventory(inv)
		}
		if err == nil {
			t.Errorf("inventory accepted:\n%s", bad)
		}
	}
	if got := len(w.srv.Resources()); got != before {
		t.Fatalf("resources %d -> %d after failed loads", before, got)
	}
}
