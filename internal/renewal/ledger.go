package renewal

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Ledger remembers, in this process only, what this process did about
// each recorded intent to order: nothing yet, a renew call with a known
// result, or a call whose outcome is unknown.
//
// It makes the normal path cheap: right after recording an intent this
// process knows that no renew call was made for it, so it orders without
// searching the order list; and a stale cache that does not yet show the
// order IDs this process wrote is answered from memory. The durable record
// is still the RenewalRequest: a new process (restart, new leader) starts
// with an empty ledger and searches BSS before ordering, as does any pass
// after a call whose outcome is unknown.
type Ledger struct {
	mu      sync.Mutex
	entries map[types.UID]ledgerEntry
}

// ledgerEntry is what this process knows about one intent.
type ledgerEntry struct {
	// intent is the recorded intent time (seconds, as the apiserver keeps it).
	intent int64
	// called is true once a renew call was sent for the intent.
	called bool
	// orderIDs are the orders the call returned; empty if the outcome is unknown.
	orderIDs []string
	// callStarted is when (business time) the latest renew call was
	// marked as started, zero if none was sent.
	callStarted time.Time
	// settled is true when this process got the latest call's answer:
	// orders, or a refusal that ordered nothing. The quiet time after the
	// call (issue 16, path 1) then does not apply to this process.
	settled bool
	// ended is when this process wrote the attempt's final phase; zero
	// while the attempt is under way.
	ended time.Time
}

// EndedRetention is how long (in real time) an ended attempt is remembered
// when no cached copy showing its final phase is read (the request was
// deleted at once): far longer than any cache lag.
const EndedRetention = time.Hour

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{entries: map[types.UID]ledgerEntry{}}
}

// Recorded notes a freshly recorded intent.
func (l *Ledger) Recorded(uid types.UID, intent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries[uid] = ledgerEntry{intent: intent.Unix()}
}

// Calling notes that a renew call marked as started at started is about
// to be sent.
func (l *Ledger) Calling(uid types.UID, intent, started time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries[uid] = ledgerEntry{intent: intent.Unix(), called: true, callStarted: started}
}

// Answered notes the orders a renew call returned.
func (l *Ledger) Answered(uid types.UID, intent time.Time, orderIDs []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[uid]
	l.entries[uid] = ledgerEntry{intent: intent.Unix(), called: true, orderIDs: append([]string(nil), orderIDs...),
		callStarted: e.callStarted, settled: true}
}

// NotApplied notes that BSS answered the latest renew call with a refusal
// that ordered nothing (throttled, unavailable before processing, rejected
// credentials).
func (l *Ledger) NotApplied(uid types.UID, intent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[uid]
	l.entries[uid] = ledgerEntry{intent: intent.Unix(), called: true, callStarted: e.callStarted, settled: true}
}

// LastCall returns when this process marked the latest renew call for the
// intent as started (zero if it sent none), and whether it got the answer.
func (l *Ledger) LastCall(uid types.UID, intent time.Time) (started time.Time, settled bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[uid]
	if !ok || e.intent != intent.Unix() {
		return time.Time{}, false
	}
	return e.callStarted, e.settled
}

// Knows reports whether this process recorded an intent for the attempt
// (and has not forgotten it). A cached copy without an intent is then
// older than this process's own write.
func (l *Ledger) Knows(uid types.UID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.entries[uid]
	return ok
}

// End notes that this process wrote the attempt's final phase at business
// time now, and drops the attempts that ended more than keep before now.
func (l *Ledger) End(uid types.UID, now time.Time, keep time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[uid]
	e.ended = now
	l.entries[uid] = e
	for id, other := range l.entries {
		if !other.ended.IsZero() && now.Sub(other.ended) > keep {
			delete(l.entries, id)
		}
	}
}

// Ended reports whether this process ended the attempt. A copy that shows
// it under way is then older than this process's own final write.
func (l *Ledger) Ended(uid types.UID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.entries[uid].ended.IsZero()
}

// Forget drops an attempt whose final phase the cache shows.
func (l *Ledger) Forget(uid types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, uid)
}

// Lookup returns what this process knows about the intent: fresh (recorded
// here, no call sent), or the orders of a call made here.
func (l *Ledger) Lookup(uid types.UID, intent time.Time) (fresh bool, orderIDs []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[uid]
	if !ok || e.intent != intent.Unix() {
		return false, nil
	}
	return !e.called, e.orderIDs
}
