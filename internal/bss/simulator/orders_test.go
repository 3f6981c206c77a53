package simulator_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestRenewPendingThenPayExtendsPrimaryAndAttached(t *testing.T) {
	w := newWorld(t)
	ids := w.renew(0, ecs1)
	if len(ids) != 1 {
		t.Fatalf("order_ids = %v", ids)
	}
	oi := w.details(ids[0])
	if oi["status"].(fmt.Stringer).String() != "6" || oi["order_type"].(fmt.Stringer).String() != "2" {
		t.Fatalf("order = %v, want pending renewal", oi)
	}
	if oi["pending_payment_end_time"] != "2025-03-17T15:59:59Z" || oi["payment_time"] != nil {
		t.Fatalf("pending_payment_end_time = %v payment_time = %v", oi["pending_payment_end_time"], oi["payment_time"])
	}
	if fmt.Sprint(oi["official_amount"]) != "110" || oi["user_name"] != "alice" {
		t.Fatalf("official_amount = %v user_name = %v", oi["official_amount"], oi["user_name"])
	}
	if got := w.resource(ecs1)["expire_time"]; got != "2025-03-30T15:59:59Z" {
		t.Fatalf("expiry moved before payment: %v", got)
	}
	wantStatus(t, w.pay(ids[0]), http.StatusNoContent)
	oi = w.details(ids[0])
	if fmt.Sprint(oi["status"]) != "5" || oi["pending_payment_end_time"] != nil || oi["payment_time"] != "2025-03-10T02:00:00Z" {
		t.Fatalf("after pay: %v", oi)
	}
	for _, id := range []string{ecs1, evs1} {
		if got := w.resource(id)["expire_time"]; got != "2025-04-30T15:59:59Z" {
			t.Errorf("%s expire_time = %v, want 2025-04-30T15:59:59Z", id, got)
		}
	}
	if got := w.cash(); got != "890" {
		t.Errorf("cash = %s, want 890", got)
	}
	wantError(t, w.pay(ids[0]), 400, "CBC.99003106")
}

func TestPendingOrderBlocksRenewAndUnsubscribe(t *testing.T) {
	w := newWorld(t)
	w.renew(0, ecs1)
	for _, tc := range []struct {
		path string
		body map[string]any
	}{
		{"/v2/orders/subscriptions/resources/renew", map[string]any{"resource_ids": []string{ecs1}, "period_type": 2, "period_num": 1}},
		{"/v2/orders/subscriptions/resources/unsubscribe", map[string]any{"resource_ids": []string{evs1}, "unsubscribe_type": 1}},
	} {
		wantError(t, w.do("POST", tc.path, tc.body), 400, "CBC.99003100")
	}
}

func TestRenewValidation(t *testing.T) {
	w := newWorld(t)
	ids := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("id-%d", i))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		code string
	}{
		{"attached", map[string]any{"resource_ids": []string{evs1}, "period_type": 2, "period_num": 1}, "CBC.30010036"},
		{"12 months", map[string]any{"resource_ids": []string{ecs1}, "period_type": 2, "period_num": 12}, "CBC.99000092"},
		{"4 years", map[string]any{"resource_ids": []string{ecs1}, "period_type": 3, "period_num": 4}, "CBC.99000092"},
		{"period type", map[string]any{"resource_ids": []string{ecs1}, "period_type": 1, "period_num": 1}, "CBC.30010069"},
		{"unknown", map[string]any{"resource_ids": []string{"nope"}, "period_type": 2, "period_num": 1}, "CBC.99003016"},
		{"other account", map[string]any{"resource_ids": []string{"bob-ecs"}, "period_type": 2, "period_num": 1}, "CBC.99003016"},
		{"too many", map[string]any{"resource_ids": ids(11), "period_type": 2, "period_num": 1}, "CBC.0100"},
		{"missing period", map[string]any{"resource_ids": []string{ecs1}}, "CBC.0100"},
		{"too long", map[string]any{"resource_ids": []string{ecs1}, "period_type": 3, "period_num": 3}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do("POST", "/v2/orders/subscriptions/resources/renew", tc.body)
			if tc.code == "" {
				wantStatus(t, r, 200)
				return
			}
			wantError(t, r, 400, tc.code)
			if tc.code == "CBC.99003016" && len(r.list("expiredResourceIds")) != 1 {
				t.Errorf("expiredResourceIds = %v", r.body["expiredResourceIds"])
			}
		})
	}
}

func TestAutoPay(t *testing.T) {
	w := newWorld(t)
	ids := w.renew(1, ecs1)
	oi := w.details(ids[0])
	// 100 × 0.9 (commercial discount on the ECS) + 10 (EVS, no discount).
	if fmt.Sprint(oi["status"]) != "5" || fmt.Sprint(oi["amount_after_discount"]) != "100" || fmt.Sprint(oi["official_amount"]) != "110" {
		t.Fatalf("auto-paid order = %v", oi)
	}
	if got := w.cash(); got != "900" {
		t.Fatalf("cash = %s, want 900", got)
	}
	// Insufficient balance: 400 CBC.30050006 with the order left pending.
	zero := "0"
	if err := w.srv.UpdateAccount(domainID, jsonBalance(t, `{"cash":"`+zero+`"}`)); err != nil {
		t.Fatal(err)
	}
	r := w.do("POST", "/v2/orders/subscriptions/resources/renew", map[string]any{
		"resource_ids": []string{ecs2}, "period_type": 2, "period_num": 1, "is_auto_pay": 1})
	wantError(t, r, 400, "CBC.30050006")
	orders := r.list("order_ids")
	if len(orders) != 1 || fmt.Sprint(w.details(orders[0].(string))["status"]) != "6" {
		t.Fatalf("order_ids = %v; want one pending order", orders)
	}
}

func TestPayWithDiscountAndCoupon(t *testing.T) {
	w := newWorld(t)
	id := w.renew(0, ecs1)[0]
	d := w.do("GET", "/v2/orders/customer-orders/order-discounts?order_id="+id, nil)
	wantStatus(t, d, 200)
	discounts := d.list("discounts")
	if len(discounts) != 1 {
		t.Fatalf("discounts = %s", d.raw)
	}
	discID := discounts[0].(map[string]any)["discount_id"]
	r := w.do("POST", "/v3/orders/customer-orders/pay", map[string]any{
		"order_id": id, "use_coupon": "YES", "use_discount": "YES",
		"coupon_infos":   []map[string]any{{"id": "CP-TEST-1", "type": 301}},
		"discount_infos": []map[string]any{{"id": discID, "type": 2}}})
	wantStatus(t, r, 204)
	oi := w.details(id)
	// 110 list − 10 commercial discount − 5 coupon = 95 paid from balance.
	if fmt.Sprint(oi["amount_after_discount"]) != "95" || fmt.Sprint(oi["amount_info"].(map[string]any)["coupon_amount"]) != "5" {
		t.Fatalf("paid order = %v", oi)
	}
	if got := w.cash(); got != "905" {
		t.Fatalf("cash = %s, want 905", got)
	}
}

func TestCancelOnlyPendingPayment(t *testing.T) {
	w := newWorld(t)
	id := w.renew(0, ecs1)[0]
	cancel := func() resp {
		return w.do("PUT", "/v2/orders/customer-orders/cancel", map[string]any{"order_id": id})
	}
	wantStatus(t, cancel(), 204)
	if got := fmt.Sprint(w.details(id)["status"]); got != "4" {
		t.Fatalf("status = %s, want 4", got)
	}
	wantError(t, cancel(), 400, "CBC.99005010")
	wantError(t, w.pay(id), 400, "CBC.99003106")
	// A completed order cannot be canceled either.
	paid := w.renew(1, ecs1)[0]
	wantError(t, w.do("PUT", "/v2/orders/customer-orders/cancel", map[string]any{"order_id": paid}), 400, "CBC.99005010")
}

func TestPayAfterDeadline(t *testing.T) {
	w := newWorld(t)
	id := w.renew(0, ecs1)[0]
	w.advance(8 * 24 * time.Hour)
	wantError(t, w.pay(id), 400, "CBC.99003110")
	if got := fmt.Sprint(w.details(id)["status"]); got != "4" {
		t.Fatalf("lapsed order status = %s, want 4", got)
	}
	// The lapsed order no longer locks the resources.
	w.renew(0, ecs1)
}

func TestListOrdersFilters(t *testing.T) {
	w := newWorld(t)
	pending := w.renew(0, ecs1)[0]
	w.advance(time.Hour)
	w.renew(1, ecs2)
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"", 5}, // 3 seeded purchases for alice + 2 renewals
		{"?order_type=2", 2},
		{"?status=6", 1},
		{"?order_id=" + pending, 1},
		{"?create_time_begin=2025-03-10T02:30:00Z&create_time_end=2025-03-10T04:00:00Z", 1},
		{"?limit=2&offset=4", 5},
	} {
		r := w.do("GET", "/v2/orders/customer-orders"+tc.query, nil)
		wantStatus(t, r, 200)
		if got := fmt.Sprint(r.body["total_count"]); got != fmt.Sprint(tc.want) {
			t.Errorf("%q: total_count = %s, want %d", tc.query, got, tc.want)
		}
	}
	r := w.do("GET", "/v2/orders/customer-orders?limit=2&offset=4", nil)
	if n := len(r.list("order_infos")); n != 1 {
		t.Errorf("page size = %d, want 1", n)
	}
	first := w.do("GET", "/v2/orders/customer-orders?limit=1", nil).list("order_infos")[0].(map[string]any)
	if first["order_type"].(fmt.Stringer).String() != "2" || first["status"].(fmt.Stringer).String() != "5" {
		t.Errorf("newest first: got %v", first)
	}
	wantError(t, w.do("GET", "/v2/orders/customer-orders?create_time_begin=2024-01-01T00:00:00Z&create_time_end=2025-03-01T00:00:00Z", nil), 400, "CBC.0100")
	wantError(t, w.do("GET", "/v2/orders/customer-orders?limit=101", nil), 400, "CBC.0100")
	wantError(t, w.do("GET", "/v2/orders/customer-orders/details/CS000", nil), 400, "CBC.30000010")
}
