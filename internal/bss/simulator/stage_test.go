package simulator_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// The operator's own IAM user of alice's account, next to alice's default
// credential; console users are played through Server.Console.
const (
	opAK      = "OPERATORAK0000000001"
	opSK      = "operatorSecret0000000000000000000000001"
	opUser    = "bss-operator"
	console   = "carol"
	renewPath = "/v2/orders/subscriptions/resources/renew"
	payPath   = "/v3/orders/customer-orders/pay"
	ratePath  = "/v2/bills/ratings/period-resources/renew-rate"
)

func newStage(t *testing.T, opts ...simulator.Option) *world {
	t.Helper()
	w := newWorld(t, opts...)
	// Release any request still waiting on the fake real clock before the
	// test server closes (a failed test would otherwise hang in Close).
	t.Cleanup(func() { w.real.Step(24 * time.Hour) })
	if err := w.srv.AddCredential(domainID, simulator.Credential{AccessKey: opAK, SecretKey: opSK, User: opUser}); err != nil {
		t.Fatal(err)
	}
	return w
}

// doOp sends a request signed with the operator's credential.
func (w *world) doOp(method, path string, body any) resp {
	w.t.Helper()
	return w.doWith(method, path, body, func(req *http.Request, b []byte) {
		signRequest(req, b, opAK, opSK, w.real.Now())
	})
}

// renewals returns the renewal orders (the seeded purchases left out).
func renewals(w *world) []simulator.Order {
	var out []simulator.Order
	for _, o := range w.srv.Orders() {
		if o.Type == 2 {
			out = append(out, o)
		}
	}
	return out
}

func renewBody(ids ...string) map[string]any {
	return map[string]any{"resource_ids": ids, "period_type": 2, "period_num": 1}
}

func orderIDs(t *testing.T, r resp) []string {
	t.Helper()
	var out []string
	for _, id := range r.list("order_ids") {
		out = append(out, id.(string))
	}
	if len(out) == 0 {
		t.Fatalf("no order_ids in %s", r.raw)
	}
	return out
}

func mustOrder(t *testing.T, w *world, id string) simulator.Order {
	t.Helper()
	o, found := w.srv.Order(id)
	if !found {
		t.Fatalf("order %s not found", id)
	}
	return o
}

// consoleOK fails the test unless a console action succeeded.
func consoleOK(t *testing.T) func(simulator.ConsoleResult, error) simulator.ConsoleResult {
	return func(res simulator.ConsoleResult, err error) simulator.ConsoleResult {
		t.Helper()
		if err == nil {
			err = res.Err()
		}
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
}

func TestWritesAttributedToCredential(t *testing.T) {
	for _, tc := range []struct {
		name     string
		send     func(w *world, method, path string, body any) resp
		wantUser string
		wantVia  string
		wantAK   string
	}{
		{"account AK", func(w *world, m, p string, b any) resp { return w.do(m, p, b) }, "alice", simulator.ViaAKSK, testAK},
		{"operator AK", func(w *world, m, p string, b any) resp { return w.doOp(m, p, b) }, opUser, simulator.ViaAKSK, opAK},
		{"token of an IAM user", func(w *world, m, p string, b any) resp {
			tok, err := w.srv.IssueUserToken(domainID, "dave", 0)
			if err != nil {
				w.t.Fatal(err)
			}
			return w.doToken(m, p, b, tok)
		}, "dave", simulator.ViaToken, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newStage(t)
			r := tc.send(w, "POST", renewPath, renewBody(ecs1))
			wantStatus(t, r, 200)
			id := orderIDs(t, r)[0]
			wantStatus(t, tc.send(w, "POST", payPath, map[string]any{"order_id": id, "use_coupon": "NO", "use_discount": "NO"}), 204)
			o := mustOrder(t, w, id)
			want := simulator.Caller{DomainID: domainID, User: tc.wantUser, Via: tc.wantVia, AccessKey: tc.wantAK}
			if o.PlacedBy != want || o.PaidBy == nil || *o.PaidBy != want || o.UserName != tc.wantUser {
				t.Fatalf("order placed by %+v paid by %+v user_name %q, want %+v", o.PlacedBy, o.PaidBy, o.UserName, want)
			}
			if got := w.details(id)["user_name"]; got != tc.wantUser {
				t.Fatalf("6.2.2 user_name = %v, want %s", got, tc.wantUser)
			}
			pays := w.srv.Payments()
			if len(pays) != 1 || pays[0].OrderID != id || pays[0].By != want {
				t.Fatalf("payments = %+v", pays)
			}
			writes := w.srv.Writes()
			if len(writes) != 2 || writes[0].Op != simulator.OpRenew || writes[1].Op != simulator.OpPayOrder {
				t.Fatalf("write log = %+v", writes)
			}
			for _, e := range writes {
				if e.Caller != want || !e.Applied || !e.Delivered {
					t.Fatalf("write %+v, want caller %+v, applied and delivered", e, want)
				}
			}
		})
	}
}

func TestConsoleRenewAttributedToConsoleUser(t *testing.T) {
	w := newStage(t)
	before := w.srv.Counters()
	res := consoleOK(t)(w.srv.Console(domainID, console).Renew(simulator.ConsoleRenew{
		ResourceIDs: []string{ecs1}, PeriodType: "month", PeriodNum: 2, Pay: true, Discount: true}))
	if len(res.OrderIDs) != 1 || len(res.Payments) != 1 {
		t.Fatalf("result = %+v", res)
	}
	o := mustOrder(t, w, res.OrderIDs[0])
	want := simulator.Caller{DomainID: domainID, User: console, Via: simulator.ViaConsole}
	if o.PlacedBy != want || o.PaidBy == nil || *o.PaidBy != want || o.UserName != console {
		t.Fatalf("order placed by %+v paid by %+v, want %s", o.PlacedBy, o.PaidBy, console)
	}
	// Same business logic as the API: two months of ecs-1 (100, 0.9
	// commercial discount) and evs-1 (10, none), expiry extended by two
	// months.
	if o.Status != 5 || o.PeriodNum != 2 || !o.AfterDiscount.Equal(decimal.RequireFromString("200")) {
		t.Fatalf("order status %d period %d amount %s", o.Status, o.PeriodNum, o.AfterDiscount)
	}
	if got := w.resource(ecs1)["expire_time"]; got != "2025-05-30T15:59:59Z" {
		t.Fatalf("expire_time = %v", got)
	}
	if got := w.details(o.ID)["user_name"]; got != console {
		t.Fatalf("user_name = %v", got)
	}
	if got := w.srv.OrdersWhere(simulator.OrderFilter{PlacedBy: console}); len(got) != 1 {
		t.Fatalf("orders placed by %s = %d", console, len(got))
	}
	if got := w.srv.OrdersWhere(simulator.OrderFilter{PlacedBy: opUser}); len(got) != 0 {
		t.Fatalf("orders placed by the operator = %d", len(got))
	}
	writes := w.srv.Writes()
	if len(writes) != 2 || writes[0].Op != simulator.OpRenew || writes[1].Op != simulator.OpPayOrder ||
		writes[0].Caller != want || writes[1].Caller != want {
		t.Fatalf("write log = %+v", writes)
	}
	// Console actions are not API calls: the operator's counters stay put.
	if after := w.srv.Counters(); after.Writes[simulator.OpRenew] != before.Writes[simulator.OpRenew] {
		t.Fatalf("console renew counted as an API write: %+v", after.Writes)
	}
}

func TestConsoleActions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		act   func(c *simulator.Console, w *world) (simulator.ConsoleResult, error)
		op    string
		code  string // expected refusal, "" for success
		check func(t *testing.T, w *world, res simulator.ConsoleResult)
	}{
		{"renew left unpaid", func(c *simulator.Console, _ *world) (simulator.ConsoleResult, error) {
			return c.Renew(simulator.ConsoleRenew{ResourceIDs: []string{ecs2}})
		}, simulator.OpRenew, "", func(t *testing.T, w *world, res simulator.ConsoleResult) {
			if o := mustOrder(t, w, res.OrderIDs[0]); o.Status != 6 || o.PaidBy != nil {
				t.Fatalf("order %+v, want pending payment", o)
			}
			// The person's unpaid order blocks the operator's renewal.
			wantError(t, w.doOp("POST", renewPath, renewBody(ecs2)), 400, "CBC.99003100")
		}},
		{"pay without discount", func(c *simulator.Console, w *world) (simulator.ConsoleResult, error) {
			return c.Pay(w.renew(0, ecs1)[0], false)
		}, simulator.OpPayOrder, "", func(t *testing.T, w *world, _ simulator.ConsoleResult) {
			p := w.srv.Payments()
			if len(p) != 1 || p[0].Discounted || p[0].Amount != "110" || p[0].By.User != console || p[0].PlacedBy.User != "alice" {
				t.Fatalf("payments = %+v", p)
			}
		}},
		{"pay with discount", func(c *simulator.Console, w *world) (simulator.ConsoleResult, error) {
			return c.Pay(w.renew(0, ecs1)[0], true)
		}, simulator.OpPayOrder, "", func(t *testing.T, w *world, _ simulator.ConsoleResult) {
			if p := w.srv.Payments(); len(p) != 1 || !p[0].Discounted || p[0].Amount != "100" {
				t.Fatalf("payments = %+v", p)
			}
		}},
		{"cancel", func(c *simulator.Console, w *world) (simulator.ConsoleResult, error) {
			return c.Cancel(w.renew(0, ecs1)[0])
		}, simulator.OpCancelOrder, "", func(t *testing.T, w *world, _ simulator.ConsoleResult) {
			o := renewals(w)[0]
			if o.Status != 4 || o.CanceledBy == nil || o.CanceledBy.User != console {
				t.Fatalf("order %+v", o)
			}
		}},
		{"auto-renew on", func(c *simulator.Console, _ *world) (simulator.ConsoleResult, error) {
			return c.AutoRenew(ecs1, true)
		}, simulator.OpEnableAuto, "", func(t *testing.T, w *world, _ simulator.ConsoleResult) {
			if got := w.resource(ecs1)["expire_policy"]; got != json.Number("3") {
				t.Fatalf("expire_policy = %v", got)
			}
		}},
		{"auto-renew off when off is refused like the API", func(c *simulator.Console, _ *world) (simulator.ConsoleResult, error) {
			return c.AutoRenew(ecs1, false)
		}, simulator.OpDisableAuto, "CBC.99003605", nil},
		{"to pay-per-use", func(c *simulator.Console, _ *world) (simulator.ConsoleResult, error) {
			return c.ToOnDemand(ecs1, true)
		}, simulator.OpToOnDemand, "", func(t *testing.T, w *world, _ simulator.ConsoleResult) {
			if got := w.resource(ecs1)["expire_policy"]; got != json.Number("1") {
				t.Fatalf("expire_policy = %v", got)
			}
		}},
		{"unsubscribe", func(c *simulator.Console, _ *world) (simulator.ConsoleResult, error) {
			return c.Unsubscribe(ecs2, 1)
		}, simulator.OpUnsubscribe, "", func(t *testing.T, w *world, res simulator.ConsoleResult) {
			if r, _ := w.srv.Resource(ecs2); !r.Closed {
				t.Fatal("ecs-2 not closed")
			}
			if o := mustOrder(t, w, res.OrderIDs[0]); o.Type != 4 || o.PlacedBy.User != console {
				t.Fatalf("unsubscription order %+v", o)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newStage(t)
			res, err := tc.act(w.srv.Console(domainID, console), w)
			if err != nil {
				t.Fatal(err)
			}
			if res.ErrorCode != tc.code {
				t.Fatalf("result %+v, want error code %q", res, tc.code)
			}
			var last simulator.WriteEntry
			for _, e := range w.srv.Writes() {
				if e.Caller.Via == simulator.ViaConsole {
					last = e
				}
			}
			if last.Op != tc.op || last.Caller.User != console || last.ErrorCode != tc.code || !last.Applied {
				t.Fatalf("console write entry %+v, want op %s", last, tc.op)
			}
			if tc.check != nil {
				tc.check(t, w, res)
			}
		})
	}
}

func TestConsoleUnknownAccount(t *testing.T) {
	w := newStage(t)
	if _, err := w.srv.Console("nobody", console).AutoRenew(ecs1, true); err == nil {
		t.Fatal("console action on an unknown account succeeded")
	}
}

func TestWriteLogOrderAndFile(t *testing.T) {
	var file bytes.Buffer
	w := newStage(t, simulator.WithWriteLog(&file))
	consoleOK(t)(w.srv.Console(domainID, console).AutoRenew(ecs1, true))
	id := orderIDs(t, w.doOp("POST", renewPath, renewBody(ecs1)))[0]
	wantError(t, w.doOp("DELETE", "/v2/orders/subscriptions/resources/autorenew/"+ecs2, nil), 400, "CBC.99003605")
	w.srv.SetFault(simulator.OpPayOrder, simulator.Fault{DropNext: 1})
	req, b := w.newRequest("POST", payPath, map[string]any{"order_id": id, "use_coupon": "NO", "use_discount": "NO"})
	signRequest(req, b, opAK, opSK, w.real.Now())
	if res, err := w.ts.Client().Do(req); err == nil {
		_ = res.Body.Close()
		t.Fatal("dropped answer arrived")
	}
	// Reads are not logged.
	w.do("GET", "/v2/orders/customer-orders", nil)

	writes := w.srv.Writes()
	want := []struct {
		op, user, code string
		delivered      bool
	}{
		{simulator.OpEnableAuto, console, "", true},
		{simulator.OpRenew, opUser, "", true},
		{simulator.OpDisableAuto, opUser, "CBC.99003605", true},
		{simulator.OpPayOrder, opUser, "", false},
	}
	if len(writes) != len(want) {
		t.Fatalf("write log has %d entries, want %d: %+v", len(writes), len(want), writes)
	}
	for i, wnt := range want {
		e := writes[i]
		if e.Seq != int64(i+1) || e.Op != wnt.op || e.Caller.User != wnt.user || e.ErrorCode != wnt.code || e.Delivered != wnt.delivered {
			t.Fatalf("entry %d = %+v, want %+v", i, e, wnt)
		}
	}
	if got := writes[1].Resources; len(got) != 1 || got[0] != ecs1 {
		t.Fatalf("renew resources = %v", got)
	}
	if got := writes[3].OrderIDs; len(got) != 1 || got[0] != id || writes[3].Faults[0] != "drop" {
		t.Fatalf("pay entry = %+v", writes[3])
	}
	// The file holds the same entries as JSON lines (written once each
	// entry's delivery is known).
	var fromFile []simulator.WriteEntry
	sc := bufio.NewScanner(&file)
	for sc.Scan() {
		var e simulator.WriteEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		fromFile = append(fromFile, e)
	}
	if len(fromFile) != len(writes) {
		t.Fatalf("file has %d lines, want %d", len(fromFile), len(writes))
	}
	for i := range fromFile {
		if fromFile[i].Seq != writes[i].Seq || fromFile[i].Op != writes[i].Op || fromFile[i].Delivered != writes[i].Delivered {
			t.Fatalf("file line %d = %+v, want %+v", i, fromFile[i], writes[i])
		}
	}
}

func TestWriteLogRecordsTheCloudsOwnEvents(t *testing.T) {
	w := newStage(t)
	consoleOK(t)(w.srv.Console(domainID, console).AutoRenew(ecs1, true))
	// ecs-1 expires 2025-03-30 23:59:59 GMT+08:00: the deduction is at
	// 03:00 on 23 March.
	w.advance(14 * 24 * time.Hour)
	var deduction *simulator.WriteEntry
	for _, e := range w.srv.Writes() {
		if e.Op == simulator.OpAutoRenewDeduction && e.ErrorCode == "" {
			deduction = &e
			break
		}
	}
	if deduction == nil || deduction.Caller.Via != simulator.ViaSystem || len(deduction.OrderIDs) != 1 {
		t.Fatalf("no successful deduction in %+v", w.srv.Writes())
	}
	if want := time.Date(2025, 3, 22, 19, 0, 0, 0, time.UTC); !deduction.Time.Equal(want) {
		t.Fatalf("deduction at %v, want %v", deduction.Time, want)
	}
	if o := mustOrder(t, w, deduction.OrderIDs[0]); o.PlacedBy.Via != simulator.ViaSystem || o.UserName != "Operation system" {
		t.Fatalf("deduction order %+v", o)
	}
}

// waitFor polls cond (real time) until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestCallerScopedFaultSlowsOnlyThatCaller(t *testing.T) {
	w := newStage(t)
	w.burst = true // the fake real clock moves only when the test says so
	w.srv.SetFault(simulator.OpRenew, simulator.Fault{Latency: time.Hour, Caller: opUser})
	done := make(chan resp, 1)
	go func() {
		req, b := w.newRequest("POST", renewPath, renewBody(ecs1))
		signRequest(req, b, opAK, opSK, w.real.Now())
		res, err := w.ts.Client().Do(req)
		if err != nil {
			done <- resp{status: -1, raw: err.Error()}
			return
		}
		defer res.Body.Close()
		done <- resp{status: res.StatusCode}
	}()
	waitFor(t, "the operator's renewal to wait on its latency", w.real.HasWaiters)
	// The person's call (another credential of the same account) goes
	// through while the operator's is held back, and wins the race.
	personal := orderIDs(t, w.do("POST", renewPath, renewBody(ecs1)))[0]
	select {
	case r := <-done:
		t.Fatalf("the operator's renewal answered during its latency: %+v", r)
	default:
	}
	if n := len(renewals(w)); n != 1 {
		t.Fatalf("%d orders before the latency elapsed, want 1", n)
	}
	w.real.Step(time.Hour)
	if r := <-done; r.status != 400 {
		t.Fatalf("operator's renewal after the person's = %+v, want 400 CBC.99003100", r)
	}
	writes := w.srv.Writes()
	if len(writes) != 2 || writes[0].Caller.User != "alice" || writes[1].Caller.User != opUser ||
		writes[1].ErrorCode != "CBC.99003100" || writes[1].Faults[0] != "latency" || len(writes[0].Faults) != 0 {
		t.Fatalf("write log = %+v", writes)
	}
	if o := mustOrder(t, w, personal); o.PlacedBy.User != "alice" {
		t.Fatalf("order placed by %+v", o.PlacedBy)
	}
}

func TestScopedFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		op    string
		fault simulator.Fault
		// Which of the three renewals fail: alice ecs-1, operator ecs-1,
		// alice ecs-2.
		want [3]int
	}{
		{"unscoped", simulator.OpRenew, simulator.Fault{ErrorRate: 1}, [3]int{500, 500, 500}},
		{"caller by user", simulator.OpRenew, simulator.Fault{ErrorRate: 1, Caller: opUser}, [3]int{200, 500, 200}},
		{"caller by access key", simulator.OpRenew, simulator.Fault{ErrorRate: 1, Caller: opAK}, [3]int{200, 500, 200}},
		{"resource", simulator.OpRenew, simulator.Fault{ErrorRate: 1, Resource: ecs2}, [3]int{200, 200, 500}},
		{"caller and resource", simulator.OpRenew, simulator.Fault{ErrorRate: 1, Caller: "alice", Resource: ecs2}, [3]int{200, 200, 500}},
		{"any operation, one caller", simulator.AnyOp, simulator.Fault{ErrorRate: 1, Caller: opUser}, [3]int{200, 500, 200}},
		{"other operation", simulator.OpPayOrder, simulator.Fault{ErrorRate: 1}, [3]int{200, 200, 200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i, send := range []func() resp{
				func() resp { return newStageWithFault(t, tc.op, tc.fault).do("POST", renewPath, renewBody(ecs1)) },
				func() resp { return newStageWithFault(t, tc.op, tc.fault).doOp("POST", renewPath, renewBody(ecs1)) },
				func() resp { return newStageWithFault(t, tc.op, tc.fault).do("POST", renewPath, renewBody(ecs2)) },
			} {
				if r := send(); r.status != tc.want[i] {
					t.Fatalf("call %d: got %d %s, want %d", i, r.status, r.raw, tc.want[i])
				}
			}
		})
	}
}

func newStageWithFault(t *testing.T, op string, f simulator.Fault) *world {
	t.Helper()
	w := newStage(t)
	w.srv.SetFault(op, f)
	return w
}

func TestMostSpecificFaultWins(t *testing.T) {
	w := newStage(t)
	w.srv.SetFault(simulator.OpRenew, simulator.Fault{ErrorRate: 1, ErrorStatus: 503})
	w.srv.SetFault(simulator.OpRenew, simulator.Fault{ErrorRate: 1, ErrorStatus: 502, Caller: opUser})
	wantStatus(t, w.do("POST", renewPath, renewBody(ecs1)), 503)
	wantStatus(t, w.doOp("POST", renewPath, renewBody(ecs1)), 502)
}

func TestAnswerDelayAppliesFirst(t *testing.T) {
	w := newStage(t)
	w.burst = true
	w.srv.SetFault(simulator.OpRenew, simulator.Fault{AnswerDelay: time.Minute, Caller: opUser})

	// A caller that waits gets the answer after the delay; the write had
	// happened long before.
	done := make(chan int, 1)
	go func() {
		req, b := w.newRequest("POST", renewPath, renewBody(ecs1))
		signRequest(req, b, opAK, opSK, w.real.Now())
		res, err := w.ts.Client().Do(req)
		if err != nil {
			done <- -1
			return
		}
		_ = res.Body.Close()
		done <- res.StatusCode
	}()
	waitFor(t, "the renewal to be applied", func() bool { return len(renewals(w)) == 1 })
	waitFor(t, "the answer to wait", w.real.HasWaiters)
	select {
	case st := <-done:
		t.Fatalf("answered (%d) before the delay", st)
	default:
	}
	w.real.Step(time.Minute)
	if st := <-done; st != 200 {
		t.Fatalf("status %d", st)
	}

	// A caller that gives up first never learns that its write was applied.
	ctx, cancel := context.WithCancel(context.Background())
	req, b := w.newRequest("POST", renewPath, renewBody(ecs2))
	req = req.WithContext(ctx)
	signRequest(req, b, opAK, opSK, w.real.Now())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if res, err := w.ts.Client().Do(req); err == nil {
			_ = res.Body.Close()
		}
	}()
	waitFor(t, "the second renewal to be applied", func() bool { return len(renewals(w)) == 2 })
	cancel()
	wg.Wait()
	waitFor(t, "the undelivered answer to be logged", func() bool {
		ws := w.srv.Writes()
		return len(ws) == 2 && len(ws[1].Faults) > 0
	})
	ws := w.srv.Writes()
	if !ws[0].Delivered || ws[1].Delivered || !ws[1].Applied || ws[1].Faults[0] != "delay-answer" {
		t.Fatalf("write log = %+v", ws)
	}
}

func TestMovingPrices(t *testing.T) {
	quote := func(w *world) string {
		r := w.do("POST", ratePath, map[string]any{"resource_ids": []string{ecs1}, "period_type": 2, "period_num": 1})
		wantStatus(t, r, 200)
		out := r.body["official_website_rating_result"].(map[string]any)["official_website_amount"].(string)
		for _, d := range r.list("optional_discount_rating_results") {
			out += "/" + d.(map[string]any)["amount"].(string)
		}
		return out
	}
	dec := decimal.RequireFromString
	ptr := func(s string) *decimal.Decimal { d := dec(s); return &d }
	for _, tc := range []struct {
		name      string
		resource  string
		change    simulator.PriceChange
		before    string // quote: list/discounted
		after     string
		wantOrder string // amount the order placed after the change pays (auto-pay, with discount)
	}{
		{"list price up", ecs1, simulator.PriceChange{MonthlyPrice: ptr("150")}, "110.0/100.0", "160.0/145.0", "145"},
		{"discount withdrawn", ecs1, simulator.PriceChange{DiscountRatio: ptr("1")}, "110.0/100.0", "110.0", "110"},
		{"attached resource price", evs1, simulator.PriceChange{MonthlyPrice: ptr("20")}, "110.0/100.0", "120.0/110.0", "110"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newStage(t)
			tc.change.At = w.srv.Now().Add(time.Hour)
			if err := w.srv.SetPrice(tc.resource, tc.change); err != nil {
				t.Fatal(err)
			}
			if got := quote(w); got != tc.before {
				t.Fatalf("quote before the change = %s, want %s", got, tc.before)
			}
			// An order placed before the change keeps its price.
			early := w.renew(0, ecs1)[0]
			w.advance(time.Hour)
			wantStatus(t, w.pay(early), 204)
			if o := mustOrder(t, w, early); !o.AfterDiscount.Equal(dec("110")) {
				t.Fatalf("early order paid %s, want 110", o.AfterDiscount)
			}
			if got := quote(w); got != tc.after {
				t.Fatalf("quote after the change = %s, want %s", got, tc.after)
			}
			id := w.renew(1, ecs1)[0]
			if o := mustOrder(t, w, id); !o.AfterDiscount.Equal(dec(tc.wantOrder)) {
				t.Fatalf("order after the change paid %s, want %s", o.AfterDiscount, tc.wantOrder)
			}
			var logged bool
			for _, e := range w.srv.Writes() {
				logged = logged || (e.Op == simulator.OpPriceChange && e.Resources[0] == tc.resource && e.Time.Equal(tc.change.At.UTC().Truncate(time.Second)))
			}
			if !logged {
				t.Fatalf("price change not in the write log: %+v", w.srv.Writes())
			}
		})
	}
}

func TestSetPriceValidation(t *testing.T) {
	w := newStage(t)
	neg, zero := decimal.RequireFromString("-1"), decimal.Zero
	for _, pc := range []simulator.PriceChange{{}, {MonthlyPrice: &neg}, {DiscountRatio: &zero}} {
		if err := w.srv.SetPrice(ecs1, pc); err == nil {
			t.Fatalf("SetPrice(%+v) accepted", pc)
		}
	}
	one := decimal.NewFromInt(1)
	if err := w.srv.SetPrice("nope", simulator.PriceChange{MonthlyPrice: &one}); err == nil {
		t.Fatal("SetPrice of an unknown resource accepted")
	}
}
