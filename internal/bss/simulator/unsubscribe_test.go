package simulator_test

import (
	"fmt"
	"testing"
	"time"
)

func unsubscribe(w *world, typ int, ids ...string) resp {
	return w.do("POST", "/v2/orders/subscriptions/resources/unsubscribe", map[string]any{
		"resource_ids": ids, "unsubscribe_type": typ, "unsubscribe_reason_type": 5, "unsubscribe_reason": "test"})
}

func refunds(w *world, orderID string) []map[string]any {
	w.t.Helper()
	r := w.do("GET", "/v2/orders/customer-orders/refund-orders?order_id="+orderID, nil)
	wantStatus(w.t, r, 200)
	var out []map[string]any
	for _, it := range r.list("refund_infos") {
		out = append(out, it.(map[string]any))
	}
	return out
}

func TestUnsubscribeRenewalPeriodsOnly(t *testing.T) {
	w := newWorld(t)
	wantError(t, unsubscribe(w, 2, ecs1), 400, "CBC.99003128")
	renewal := w.renew(0, ecs1)[0]
	wantStatus(t, w.pay(renewal), 204)
	r := unsubscribe(w, 2, ecs1)
	wantStatus(t, r, 200)
	oid := r.list("order_ids")[0].(string)
	oi := w.details(oid)
	if fmt.Sprint(oi["order_type"]) != "4" || fmt.Sprint(oi["status"]) != "5" ||
		fmt.Sprint(oi["official_amount"]) != "-110" || fmt.Sprint(oi["amount_after_discount"]) != "-110" {
		t.Fatalf("refund order = %v", oi)
	}
	recs := refunds(w, oid)
	if len(recs) != 2 {
		t.Fatalf("refund records = %v", recs)
	}
	for _, rec := range recs {
		if rec["base_order_id"] != renewal || rec["measure_id"] != "1" {
			t.Errorf("record = %v", rec)
		}
	}
	for _, id := range []string{ecs1, evs1} {
		if got := w.resource(id)["expire_time"]; got != "2025-03-30T15:59:59Z" {
			t.Errorf("%s expire_time = %v after removing the renewal", id, got)
		}
	}
	if got := w.cash(); got != "1000" {
		t.Errorf("cash = %s, want 1000 (full refund)", got)
	}
	wantError(t, unsubscribe(w, 2, ecs1), 400, "CBC.99003128")
}

func TestUnsubscribeResource(t *testing.T) {
	w := newWorld(t)
	// ecs-1 term: 2025-02-28T16:00:00Z .. 2025-03-30T15:59:59Z, paid 90 + 10.
	w.advance(-2 * time.Hour) // now = 2025-03-10T00:00:00Z
	r := unsubscribe(w, 1, ecs1)
	wantStatus(t, r, 200)
	oid := r.list("order_ids")[0].(string)
	lines := w.do("GET", "/v2/orders/customer-orders/details/"+oid, nil)
	items := lines.list("order_line_items")
	if len(items) != 2 {
		t.Fatalf("lines = %s", lines.raw)
	}
	first := items[0].(map[string]any)
	if first["period_num"] != nil {
		t.Errorf("period_num = %v, want null", first["period_num"])
	}
	oi := lines.body["order_info"].(map[string]any)
	ai := oi["amount_info"].(map[string]any)
	// Unused share of the ECS term: 90 × 1785599/2591999 = 62.00, fee 6.20;
	// EVS: 10 × … = 6.89, fee 0.69. Net refund 55.80 + 6.20 = 62.00.
	if fmt.Sprint(oi["amount_after_discount"]) != "-62" || fmt.Sprint(ai["commission_amount"]) != "6.89" {
		t.Fatalf("order_info = %v", oi)
	}
	recs := refunds(w, oid)
	sum := 0.0
	fees := 0
	for _, rec := range recs {
		var f float64
		if _, err := fmt.Sscan(fmt.Sprint(rec["amount"]), &f); err != nil {
			t.Fatalf("refund amount %v: %v", rec["amount"], err)
		}
		sum += f
		if f > 0 {
			fees++
		}
	}
	if fees != 2 || fmt.Sprintf("%.2f", sum) != "-62.00" {
		t.Errorf("refund records %v: sum %.2f, %d fee records", recs, sum, fees)
	}
	if w.resource(ecs1) != nil || w.resource(evs1) != nil {
		t.Error("unsubscribed resources still listed")
	}
	if got := w.cash(); got != "1062" {
		t.Errorf("cash = %s, want 1062", got)
	}
	wantError(t, unsubscribe(w, 1, ecs1), 400, "CBC.30000067")
	wantError(t, unsubscribe(w, 1, "nope"), 400, "CBC.99003012")
	wantError(t, unsubscribe(w, 3, ecs2), 400, "CBC.0100")
	wantError(t, w.do("GET", "/v2/orders/customer-orders/refund-orders?order_id="+w.srv.Orders()[0].ID, nil), 400, "CBC.99005026")
}
