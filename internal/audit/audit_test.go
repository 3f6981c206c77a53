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
