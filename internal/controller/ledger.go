package controller

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// orderLedger remembers, in this process only, what this process did about
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
type orderLedger struct {
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
	// ended is when this process wrote the attempt's final phase; zero
	// while the attempt is under way.
	ended time.Time
}

// endedRetention is how long (in real time) an ended attempt is remembered
// when no cached copy showing its final phase is read (the request was
// deleted at once): far longer than any cache lag.
const endedRetention = time.Hour

func newOrderLedger() *orderLedger {
	return &orderLedger{entries: map[types.UID]ledgerEntry{}}
}

// recorded notes a freshly recorded intent.
func (l *orderLedger) recorded(uid types.UID, intent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries[uid] = ledgerEntry{intent: intent.Unix()}
}

// calling notes that a renew call is about to be sent.
func (l *orderLedger) calling(uid types.UID, intent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries[uid] = ledgerEntry{intent: intent.Unix(), called: true}
}

// answered notes the orders a renew call returned.
func (l *orderLedger) answered(uid types.UID, intent time.Time, orderIDs []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries[uid] = ledgerEntry{intent: intent.Unix(), called: true, orderIDs: append([]string(nil), orderIDs...)}
}

// knows reports whether this process recorded an intent for the attempt
// (and has not forgotten it). A cached copy without an intent is then
// older than this process's own write.
func (l *orderLedger) knows(uid types.UID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.entries[uid]
	return ok
}

// end notes that this process wrote the attempt's final phase at business
// time now, and drops the attempts that ended more than keep before now.
func (l *orderLedger) end(uid types.UID, now time.Time, keep time.Duration) {
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

// ended reports whether this process ended the attempt. A copy that shows
// it under way is then older than this process's own final write.
func (l *orderLedger) ended(uid types.UID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.entries[uid].ended.IsZero()
}

// forget drops an attempt whose final phase the cache shows.
func (l *orderLedger) forget(uid types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, uid)
}

// lookup returns what this process knows about the intent: fresh (recorded
// here, no call sent), or the orders of a call made here.
func (l *orderLedger) lookup(uid types.UID, intent time.Time) (fresh bool, orderIDs []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[uid]
	if !ok || e.intent != intent.Unix() {
		return false, nil
	}
	return !e.called, e.orderIDs
}
