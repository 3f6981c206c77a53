package controller

import (
	"testing"
	"time"
)

// TestLedgerKeepsEndedAttempts: an ended attempt is remembered as ended
// until the cache shows it (forget), and dropped when another attempt ends
// more than the retention later, so that requests deleted before the cache
// showed their end do not pile up.
func TestLedgerKeepsEndedAttempts(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	l := newOrderLedger()
	l.recorded("a", t0)
	if l.ended("a") {
		t.Fatal("an attempt under way reported ended")
	}
	l.end("a", t0, time.Hour)
	if !l.ended("a") || !l.knows("a") {
		t.Fatal("an ended attempt was not remembered as ended")
	}
	l.recorded("b", t0)
	l.end("b", t0.Add(30*time.Minute), time.Hour)
	if !l.ended("a") {
		t.Fatal("an attempt ended within the retention was dropped")
	}
	l.recorded("c", t0)
	l.end("c", t0.Add(61*time.Minute), time.Hour)
	if l.knows("a") || !l.ended("b") || !l.ended("c") {
		t.Fatalf("after the retention: a known %v, b ended %v, c ended %v; want false, true, true", l.knows("a"), l.ended("b"), l.ended("c"))
	}
	l.forget("b")
	if l.knows("b") || l.ended("b") {
		t.Fatal("a forgotten attempt is still known")
	}
}
