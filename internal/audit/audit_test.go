package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

func TestContextValues(t *testing.T) {
	ctx := context.Background()
	if _, ok := SubjectFrom(ctx); ok {
		t.Error("a subject without one attached")
	}
	if _, ok := AmountFrom(ctx); ok {
		t.Error("an amount without one attached")
	}
	ctx = WithSubject(ctx, func() Subject { return Subject{Kind: "Subscription", Name: "db"} })
	ctx = WithAmount(ctx, Amount{Amount: "1.00", Currency: "USD"})
	if s, ok := SubjectFrom(ctx); !ok || s.Name != "db" {
		t.Errorf("subject %+v %v", s, ok)
	}
	if a, ok := AmountFrom(ctx); !ok || a.Amount != "1.00" {
		t.Errorf("amount %+v %v", a, ok)
	}
}

// TestNewLoggerShape: one JSON line per record with the keys log
// pipelines select on.
func TestNewLoggerShape(t *testing.T) {
	var buf bytes.Buffer
	NewLogger(&buf).Info("BSS write", "operation", "Renew", "quote", Amount{Amount: "9.90", Currency: "USD"})
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("not one JSON line: %v: %q", err, buf.String())
	}
	for k, want := range map[string]any{"logger": LoggerName, "level": "info", "msg": "BSS write", "operation": "Renew"} {
		if rec[k] != want {
			t.Errorf("%s = %v, want %v", k, rec[k], want)
		}
	}
	if q, _ := rec["quote"].(map[string]any); q["amount"] != "9.90" || q["currency"] != "USD" {
		t.Errorf("quote = %v", rec["quote"])
	}
	if _, ok := rec["ts"].(string); !ok {
		t.Errorf("ts = %v, want an RFC 3339 time", rec["ts"])
	}
}

// TestMemoryRecords: Memory reads back what the audit logger wrote, one
// record per line in order, forgets them only when asked, and refuses a
// line that is not JSON instead of skipping it.
func TestMemoryRecords(t *testing.T) {
	var m Memory
	m.Logger().Info("BSS write", "operation", "Renew")
	m.Logger().Info("BSS write", "operation", "PayOrder")
	for _, reset := range []bool{false, true} {
		recs, err := m.Records(reset)
		if err != nil || len(recs) != 2 || recs[0]["operation"] != "Renew" || recs[1]["operation"] != "PayOrder" || recs[0]["logger"] != LoggerName {
			t.Fatalf("Records(%v) = %v, %v; want Renew then PayOrder from the %q logger", reset, recs, err, LoggerName)
		}
	}
	if recs, err := m.Records(false); err != nil || len(recs) != 0 {
		t.Fatalf("after a reset: %v, %v; want none", recs, err)
	}
	if _, err := m.Write([]byte("not json\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Records(false); err == nil {
		t.Fatal("a line that is not JSON was accepted")
	}
}
