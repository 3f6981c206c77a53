package simulator_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// systemOrders returns the orders the cloud placed itself.
func systemOrders(w *world) []simulator.Order {
	var out []simulator.Order
	for _, o := range w.srv.Orders() {
		if o.UserName == "Operation system" {
			out = append(out, o)
		}
	}
	return out
}

func TestCloudAutoRenewDeduction(t *testing.T) {
	w := newWorld(t)
	wantStatus(t, w.do("POST", "/v2/orders/subscriptions/resources/autorenew/"+ecs1, nil), 204)
	// ecs-1 expires 2025-03-30 23:59:59 GMT+8: the first deduction is at
	// 2025-03-23 03:00 GMT+8 = 2025-03-22T19:00:00Z. Make it fail first.
	if err := w.srv.UpdateAccount(domainID, jsonBalance(t, `{"cash":"1"}`)); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.SetTime(time.Date(2025, 3, 22, 18, 59, 59, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if n := len(systemOrders(w)); n != 0 {
		t.Fatalf("%d system orders before 03:00 GMT+8", n)
	}
	w.advance(time.Second)
	r, _ := w.srv.Resource(ecs1)
	if len(systemOrders(w)) != 0 || r.LastAutoRenewAt != time.Date(2025, 3, 22, 19, 0, 0, 0, time.UTC) || r.LastAutoRenewErr == "" {
		t.Fatalf("failed attempt not recorded: %+v", r)
	}
	// Top up; the retry happens at 03:00 GMT+8 the next day, not before.
	if err := w.srv.UpdateAccount(domainID, jsonBalance(t, `{"cash":"1000"}`)); err != nil {
		t.Fatal(err)
	}
	w.advance(24*time.Hour - time.Second)
	if len(systemOrders(w)) != 0 {
		t.Fatal("retried before the next 03:00")
	}
	w.advance(time.Second)
	orders := systemOrders(w)
	if len(orders) != 1 {
		t.Fatalf("system orders = %d, want 1", len(orders))
	}
	oi := w.details(orders[0].ID)
	if oi["user_name"] != "Operation system" || oi["create_time"] != "2025-03-23T19:00:00Z" ||
		fmt.Sprint(oi["status"]) != "5" || fmt.Sprint(oi["order_type"]) != "2" || fmt.Sprint(oi["amount_after_discount"]) != "100" {
		t.Fatalf("auto-renew order = %v", oi)
	}
	for _, id := range []string{ecs1, evs1} {
		res := w.resource(id)
		if res["expire_time"] != "2025-04-30T15:59:59Z" || fmt.Sprint(res["expire_policy"]) != "3" {
			t.Errorf("%s: expire_time %v policy %v", id, res["expire_time"], res["expire_policy"])
		}
	}
	if got := w.cash(); got != "900" {
		t.Errorf("cash = %s, want 900", got)
	}
	// Next deduction: 7 days before the new expiry, one order only until then.
	w.advance(30 * 24 * time.Hour)
	if n := len(systemOrders(w)); n != 2 {
		t.Errorf("system orders after another month = %d, want 2", n)
	}
}

func TestExpiryGraceRetentionDeletion(t *testing.T) {
	w := newWorld(t)
	status := func() string { return fmt.Sprint(w.resource(ecs2)["status"]) }
	if got := status(); got != "2" {
		t.Fatalf("status = %s, want 2", got)
	}
	// ecs-2 expires 2025-03-13T15:59:59Z.
	if err := w.srv.SetTime(time.Date(2025, 3, 13, 15, 59, 59, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != "5" {
		t.Fatalf("status at expire_time = %s, want 5", got)
	}
	r := w.do("POST", "/v2/orders/suscriptions/resources/query", map[string]any{"status_list": []int{5}})
	if got := fmt.Sprint(r.body["total_count"]); got != "2" { // ecs-2 and exp-1
		t.Fatalf("status_list [5] total_count = %s: %s", got, r.raw)
	}
	w.advance(15 * 24 * time.Hour)
	if got := status(); got != "4" {
		t.Fatalf("status after grace = %s, want 4 (retention)", got)
	}
	w.advance(15 * 24 * time.Hour)
	if w.resource(ecs2) != nil {
		t.Fatal("resource still listed after retention")
	}
	r = w.do("POST", "/v2/orders/subscriptions/resources/renew", map[string]any{"resource_ids": []string{ecs2}, "period_type": 2, "period_num": 1})
	wantError(t, r, 400, "CBC.99003016")
}

func TestRenewInGraceRestoresProvisioned(t *testing.T) {
	w := newWorld(t)
	w.renew(1, expired1)
	res := w.resource(expired1)
	if res["expire_time"] != "2025-04-08T15:59:59Z" || fmt.Sprint(res["status"]) != "2" {
		t.Fatalf("renewed in grace: %v", res)
	}
}

func TestToOnDemandConvertsAtExpiry(t *testing.T) {
	w := newWorld(t)
	r := w.do("POST", "/v2/orders/subscriptions/resources/to-on-demand", map[string]any{"operation": "SET_UP", "resource_ids": []string{ecs2}})
	wantStatus(t, r, 200)
	w.advance(4 * 24 * time.Hour)
	if w.resource(ecs2) != nil {
		t.Fatal("converted resource still listed as yearly/monthly")
	}
	var conv []simulator.Order
	for _, o := range systemOrders(w) {
		if o.Type == 10 {
			conv = append(conv, o)
		}
	}
	if len(conv) != 1 || conv[0].CreateTime != time.Date(2025, 3, 13, 15, 59, 59, 0, time.UTC) {
		t.Fatalf("conversion orders = %+v", conv)
	}
}

func TestRenameResource(t *testing.T) {
	w := newWorld(t)
	if err := w.srv.RenameResource("nope", "x"); err == nil {
		t.Fatal("renaming an unknown resource succeeded")
	}
	id := w.srv.Resources()[0].ID
	if err := w.srv.RenameResource(id, "renamed"); err != nil {
		t.Fatal(err)
	}
	if r, _ := w.srv.Resource(id); r.Name != "renamed" {
		t.Fatalf("name %q, want renamed", r.Name)
	}
}

// TestAutoRenewSettings: 6.3.4's optional body (as the SDK sends it) sets
// how many automatic renewals the cloud makes and their period unit; the
// last allowed renewal switches auto-renew off, and a bad value is refused.
func TestAutoRenewSettings(t *testing.T) {
	w := newWorld(t)
	path := "/v2/orders/subscriptions/resources/autorenew/" + ecs1
	wantError(t, w.do("POST", path, map[string]any{"auto_renew_times": 100}), 400, "CBC.0100")
	wantError(t, w.do("POST", path, map[string]any{"period_type": "WEEK"}), 400, "CBC.0100")
	if r, _ := w.srv.Resource(ecs1); r.AutoRenew {
		t.Fatal("a refused request switched auto-renew on")
	}
	wantStatus(t, w.do("POST", path, map[string]any{"auto_renew_times": 2, "period_type": "YEAR"}), 204)
	// Enabling again without the times leaves them as they are.
	wantStatus(t, w.do("POST", path, nil), 204)
	if r, _ := w.srv.Resource(ecs1); r.AutoRenewTimes != 2 || r.AutoRenewLeft != 2 {
		t.Fatalf("settings after a second enable without a body: times %d left %d, want 2 and 2", r.AutoRenewTimes, r.AutoRenewLeft)
	}
	// ecs-1 expires 2025-03-30: yearly renewals on 2025-03-23 and 2026-03-23,
	// then no more, however much money there is.
	if err := w.srv.UpdateAccount(domainID, jsonBalance(t, `{"cash":"1000000"}`)); err != nil {
		t.Fatal(err)
	}
	w.advance(3 * 366 * 24 * time.Hour)
	orders := systemOrders(w)
	if len(orders) != 2 {
		t.Fatalf("%d automatic renewals, want the 2 allowed", len(orders))
	}
	r, _ := w.srv.Resource(ecs1)
	if want := time.Date(2027, 3, 30, 15, 59, 59, 0, time.UTC); !r.ExpireTime.Equal(want) {
		t.Errorf("expiry %s after two yearly renewals, want %s", r.ExpireTime, want)
	}
	if r.AutoRenew {
		t.Error("auto-renew still on after the last allowed renewal")
	}
}
