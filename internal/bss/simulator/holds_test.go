package simulator_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

func TestOrderHolds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hold    simulator.OrderHold
		autoPay int
		pay     bool   // pay the order by API after placing it
		payCode string // expected refusal of that payment ("" for 204)
		// Second renewal of the same resource while held.
		renewCode string
		held      int // status while held
		after     int // status after the hold
	}{
		{"pending approval", simulator.OrderHold{Status: 1, For: 2 * time.Hour}, 0, true, "CBC.99003106", "CBC.99003144", 1, 6},
		{"to be confirmed", simulator.OrderHold{Status: 9, For: 2 * time.Hour}, 0, true, "CBC.99003106", "CBC.99003144", 9, 6},
		{"pending approval, auto-pay", simulator.OrderHold{Status: 1, For: 2 * time.Hour}, 1, false, "", "CBC.99003144", 1, 5},
		{"pending payment, auto-pay deferred", simulator.OrderHold{Status: 6, For: 2 * time.Hour}, 1, false, "", "CBC.99003100", 6, 5},
		{"pending payment without auto-pay changes nothing", simulator.OrderHold{Status: 6, For: 2 * time.Hour}, 0, false, "", "CBC.99003100", 6, 6},
		{"processing after payment", simulator.OrderHold{Status: 3, For: 2 * time.Hour}, 0, true, "", "CBC.99003144", 3, 5},
		{"processing, auto-pay", simulator.OrderHold{Status: 3, For: 2 * time.Hour}, 1, false, "", "CBC.99003144", 3, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newStage(t)
			if err := w.srv.HoldOrders(tc.hold); err != nil {
				t.Fatal(err)
			}
			id := w.renew(tc.autoPay, ecs1)[0]
			if tc.pay {
				r := w.pay(id)
				if tc.payCode == "" {
					wantStatus(t, r, 204)
				} else {
					wantError(t, r, 400, tc.payCode)
				}
			}
			if got := w.details(id)["status"]; got != json.Number(itoa(tc.held)) {
				t.Fatalf("status while held = %v, want %d", got, tc.held)
			}
			if tc.held == 3 {
				wantError(t, w.pay(id), 400, "CBC.99000088")
			}
			wantError(t, w.doOp("POST", renewPath, renewBody(ecs1)), 400, tc.renewCode)
			if got := w.resource(ecs1)["expire_time"]; got != "2025-03-30T15:59:59Z" {
				t.Fatalf("expiry moved while held: %v", got)
			}
			w.advance(2 * time.Hour)
			o := mustOrder(t, w, id)
			if o.Status != tc.after || !o.HeldUntil.IsZero() {
				t.Fatalf("after the hold: status %d heldUntil %v, want %d", o.Status, o.HeldUntil, tc.after)
			}
			wantExpiry := "2025-03-30T15:59:59Z"
			if tc.after == 5 {
				wantExpiry = "2025-04-30T15:59:59Z"
				if o.PaidBy == nil || o.PaidBy.User != "alice" {
					t.Fatalf("paid by %+v, want alice", o.PaidBy)
				}
			}
			if got := w.resource(ecs1)["expire_time"]; got != wantExpiry {
				t.Fatalf("expiry after the hold = %v, want %s", got, wantExpiry)
			}
			if tc.after == 6 {
				wantStatus(t, w.pay(id), 204)
			}
			var ended bool
			for _, e := range w.srv.Writes() {
				ended = ended || (e.Op == simulator.OpHoldEnd && e.OrderIDs[0] == id)
			}
			if !ended {
				t.Fatalf("the end of the hold is not in the write log: %+v", w.srv.Writes())
			}
		})
	}
}

func itoa(n int) string { return decimal.NewFromInt(int64(n)).String() }

func TestHoldScopedToResourceAndCount(t *testing.T) {
	w := newStage(t)
	if err := w.srv.HoldOrders(simulator.OrderHold{Status: 9, For: time.Hour, Resource: ecs2, Count: 1}); err != nil {
		t.Fatal(err)
	}
	a := w.renew(0, ecs1)[0]
	b := w.renew(0, ecs2)[0]
	if mustOrder(t, w, a).Status != 6 || mustOrder(t, w, b).Status != 9 {
		t.Fatalf("statuses %d %d, want 6 9", mustOrder(t, w, a).Status, mustOrder(t, w, b).Status)
	}
	wantError(t, w.do("PUT", "/v2/orders/customer-orders/cancel", map[string]any{"order_id": b}), 400, "CBC.99005010")
	w.advance(time.Hour)
	wantStatus(t, w.do("PUT", "/v2/orders/customer-orders/cancel", map[string]any{"order_id": b}), 204)
	// The hold was used up.
	if c := w.renew(0, ecs2)[0]; mustOrder(t, w, c).Status != 6 {
		t.Fatal("a used-up hold held another order")
	}
}

func TestHoldExistingOrder(t *testing.T) {
	w := newStage(t)
	id := w.renew(0, ecs1)[0]
	if err := w.srv.HoldOrder(id, 6, time.Hour); err == nil {
		t.Fatal("HoldOrder accepted status 6")
	}
	if err := w.srv.HoldOrder(id, 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	wantError(t, w.pay(id), 400, "CBC.99003106")
	w.advance(time.Hour)
	wantStatus(t, w.pay(id), 204)
	if err := w.srv.HoldOrder(id, 1, time.Hour); err == nil {
		t.Fatal("HoldOrder accepted a completed order")
	}
	for _, h := range []simulator.OrderHold{{Status: 5, For: time.Hour}, {Status: 1}} {
		if err := w.srv.HoldOrders(h); err == nil {
			t.Fatalf("HoldOrders(%+v) accepted", h)
		}
	}
}

// TestAdminClient drives every stage feature through the HTTP admin API, as
// a test against the bss-simulator binary would.
func TestAdminClient(t *testing.T) {
	w := newStage(t)
	ctx := context.Background()
	admin := simulator.NewAdminClient(w.ts.URL, w.ts.Client())

	if err := admin.AddCredential(ctx, domainID, simulator.Credential{AccessKey: "ERINAK", SecretKey: "erin", User: "erin"}); err != nil {
		t.Fatal(err)
	}
	if err := admin.AddCredential(ctx, domainID, simulator.Credential{AccessKey: "ERINAK", SecretKey: "x"}); err == nil {
		t.Fatal("duplicate access key accepted")
	}
	tok, err := admin.IssueToken(ctx, domainID, "frank", time.Hour)
	if err != nil || tok == "" {
		t.Fatalf("token %q %v", tok, err)
	}
	if err := admin.SetFault(ctx, simulator.OpRenew, simulator.Fault{ErrorRate: 1, Caller: "frank"}); err != nil {
		t.Fatal(err)
	}
	wantError(t, w.doToken("POST", renewPath, renewBody(ecs1), tok), 500, "CBC.0999")
	if err := admin.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}

	con := admin.Console(domainID, console)
	res, err := con.Renew(ctx, simulator.ConsoleRenew{ResourceIDs: []string{ecs1}})
	if err != nil || res.Err() != nil || len(res.OrderIDs) != 1 {
		t.Fatalf("console renew: %+v %v", res, err)
	}
	if res, err := con.Pay(ctx, res.OrderIDs[0], true); err != nil || res.Status != 204 {
		t.Fatalf("console pay: %+v %v", res, err)
	}
	for _, act := range []func() (simulator.ConsoleResult, error){
		func() (simulator.ConsoleResult, error) { return con.AutoRenew(ctx, ecs1, true) },
		func() (simulator.ConsoleResult, error) { return con.AutoRenew(ctx, ecs1, false) },
		func() (simulator.ConsoleResult, error) { return con.ToOnDemand(ctx, ecs1, true) },
		func() (simulator.ConsoleResult, error) { return con.ToOnDemand(ctx, ecs1, false) },
		func() (simulator.ConsoleResult, error) { return con.Unsubscribe(ctx, ecs2, 1) },
	} {
		if res, err := act(); err != nil || res.Err() != nil {
			t.Fatalf("console action: %+v %v", res, err)
		}
	}
	res, err = con.Cancel(ctx, "CSNOSUCHORDER")
	if err != nil || res.Status != 400 || res.ErrorCode != "CBC.0100" {
		t.Fatalf("cancel of an unknown order: %+v %v", res, err)
	}

	if err := admin.SetPrice(ctx, ecs1, simulator.PriceChange{MonthlyPrice: ptrDec("200")}); err != nil {
		t.Fatal(err)
	}
	if r, _ := w.srv.Resource(ecs1); !r.MonthlyPrice.Equal(decimal.NewFromInt(200)) {
		t.Fatalf("monthly price %s", r.MonthlyPrice)
	}
	if err := admin.HoldOrders(ctx, simulator.OrderHold{Status: 1, For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	held := w.renew(0, ecs1)[0]
	if mustOrder(t, w, held).Status != 1 {
		t.Fatal("hold through the admin API not applied")
	}
	if _, err := admin.Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := admin.HoldOrder(ctx, held, 9, time.Hour); err != nil {
		t.Fatal(err)
	}
	if mustOrder(t, w, held).Status != 9 {
		t.Fatal("HoldOrder through the admin API not applied")
	}

	orders, err := admin.Orders(ctx, simulator.OrderFilter{PlacedBy: console})
	if err != nil || len(orders) != 2 { // the renewal and the unsubscription
		t.Fatalf("orders placed by %s: %d %v", console, len(orders), err)
	}
	pays, err := admin.Payments(ctx)
	if err != nil || len(pays) != 1 || pays[0].By.User != console || !pays[0].Discounted {
		t.Fatalf("payments %+v %v", pays, err)
	}
	writes, err := admin.Writes(ctx, 0)
	if err != nil || len(writes) == 0 {
		t.Fatalf("writes %d %v", len(writes), err)
	}
	later, err := admin.Writes(ctx, writes[len(writes)-2].Seq)
	if err != nil || len(later) != 1 || later[0].Seq != writes[len(writes)-1].Seq {
		t.Fatalf("writes since: %+v %v", later, err)
	}
	if err := admin.ResetWrites(ctx); err != nil {
		t.Fatal(err)
	}
	if len(w.srv.Writes()) != 0 {
		t.Fatal("write log not reset")
	}
	if now, err := admin.Now(ctx); err != nil || !now.Equal(w.srv.Now()) {
		t.Fatalf("now %v %v", now, err)
	}
	// The admin API is loopback-only, like the rest of /_sim/.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/_sim/writes", nil)
	req.RemoteAddr = "192.0.2.1:1234"
	w.srv.ServeHTTP(rec, req)
	if rec.Code != 403 {
		t.Fatalf("remote admin call answered %d", rec.Code)
	}
}

func ptrDec(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}
