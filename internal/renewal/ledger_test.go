package renewal

import (
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// ledgerView is everything the ledger answers about attempt "a" and the
// intent at t0.
type ledgerView struct {
	fresh   bool
	orders  []string
	started time.Time
	settled bool
	knows   bool
	ended   bool
}

func viewOf(l *Ledger, uid types.UID, intent time.Time) ledgerView {
	var v ledgerView
	v.fresh, v.orders = l.Lookup(uid, intent)
	v.started, v.settled = l.LastCall(uid, intent)
	v.knows, v.ended = l.Knows(uid), l.Ended(uid)
	return v
}

// TestLedger: what this process did about an intent, step by step, and
// what it answers afterwards. The cases are the reconciler's uses: a fresh
// intent orders without a lookup, a call with an answer is not waited out,
// a call without one is, an intent the ledger does not hold (another
// process's, or an older one) is known to nobody, and an ended attempt is
// kept until the cache shows its end (Forget) or the retention passes.
func TestLedger(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	call := t0.Add(2 * time.Second)
	tests := []struct {
		name   string
		steps  func(l *Ledger)
		intent time.Time
		want   ledgerView
	}{
		{name: "nothing recorded: not fresh, unknown", steps: func(*Ledger) {}, intent: t0},
		{name: "intent recorded, no call: fresh", steps: func(l *Ledger) { l.Recorded("a", t0) }, intent: t0,
			want: ledgerView{fresh: true, knows: true}},
		{name: "intent recorded with sub-second time: same second", steps: func(l *Ledger) { l.Recorded("a", t0.Add(400*time.Millisecond)) }, intent: t0,
			want: ledgerView{fresh: true, knows: true}},
		{name: "another intent of the attempt: not this one's", steps: func(l *Ledger) { l.Recorded("a", t0) }, intent: t0.Add(time.Minute),
			want: ledgerView{knows: true}},
		{name: "call under way: not fresh, not settled", steps: func(l *Ledger) {
			l.Recorded("a", t0)
			l.Calling("a", t0, call)
		}, intent: t0, want: ledgerView{started: call, knows: true}},
		{name: "call answered with orders: settled, orders known", steps: func(l *Ledger) {
			l.Recorded("a", t0)
			l.Calling("a", t0, call)
			l.Answered("a", t0, []string{"CS1"})
		}, intent: t0, want: ledgerView{orders: []string{"CS1"}, started: call, settled: true, knows: true}},
		{name: "call refused, nothing applied: settled, no orders", steps: func(l *Ledger) {
			l.Recorded("a", t0)
			l.Calling("a", t0, call)
			l.NotApplied("a", t0)
		}, intent: t0, want: ledgerView{started: call, settled: true, knows: true}},
		{name: "a second call after a refused one is under way again", steps: func(l *Ledger) {
			l.Calling("a", t0, call)
			l.NotApplied("a", t0)
			l.Calling("a", t0, call.Add(time.Minute))
		}, intent: t0, want: ledgerView{started: call.Add(time.Minute), knows: true}},
		{name: "ended: known and ended", steps: func(l *Ledger) {
			l.Recorded("a", t0)
			l.End("a", t0, time.Hour)
		}, intent: t0, want: ledgerView{fresh: true, knows: true, ended: true}},
		{name: "ended, then another ends within the retention: kept", steps: func(l *Ledger) {
			l.End("a", t0, time.Hour)
			l.End("b", t0.Add(time.Hour), time.Hour)
		}, intent: t0, want: ledgerView{knows: true, ended: true}},
		{name: "ended, then another ends past the retention: dropped", steps: func(l *Ledger) {
			l.End("a", t0, time.Hour)
			l.End("b", t0.Add(61*time.Minute), time.Hour)
		}, intent: t0},
		{name: "forgotten once the cache shows the end", steps: func(l *Ledger) {
			l.Recorded("a", t0)
			l.Calling("a", t0, call)
			l.End("a", t0, time.Hour)
			l.Forget("a")
		}, intent: t0},
		{name: "another attempt's entries do not answer for this one", steps: func(l *Ledger) {
			l.Recorded("b", t0)
			l.Calling("b", t0, call)
			l.End("b", t0, time.Hour)
		}, intent: t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLedger()
			tt.steps(l)
			got := viewOf(l, "a", tt.intent)
			if got.fresh != tt.want.fresh || !slices.Equal(got.orders, tt.want.orders) || !got.started.Equal(tt.want.started) ||
				got.settled != tt.want.settled || got.knows != tt.want.knows || got.ended != tt.want.ended {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestLedgerAnswerIsACopy: the orders the ledger returns are its own copy,
// so that a caller changing the slice it passed does not change what the
// ledger remembers.
func TestLedgerAnswerIsACopy(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	l := NewLedger()
	ids := []string{"CS1"}
	l.Answered("a", t0, ids)
	ids[0] = "CS2"
	if _, got := l.Lookup("a", t0); !slices.Equal(got, []string{"CS1"}) {
		t.Fatalf("ledger holds %v, want [CS1]", got)
	}
}
