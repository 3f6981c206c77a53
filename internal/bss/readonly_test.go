package bss

import (
	"context"
	"errors"
	"testing"
)

// countingClient records which operations reached it.
type countingClient struct {
	Client
	calls []string
}

func (c *countingClient) Balances(context.Context) (*Balances, error) {
	c.calls = append(c.calls, "Balances")
	return &Balances{}, nil
}

func TestReadOnlyRefusesEveryWrite(t *testing.T) {
	inner := &countingClient{}
	ro := ReadOnly(inner)
	ctx := context.Background()
	writes := map[string]func() error{
		"Renew": func() error { _, err := ro.Renew(ctx, RenewRequest{}); return err },
		"Unsubscribe": func() error {
			_, err := ro.Unsubscribe(ctx, UnsubscribeRequest{})
			return err
		},
		"EnableAutoRenew":  func() error { return ro.EnableAutoRenew(ctx, "r") },
		"DisableAutoRenew": func() error { return ro.DisableAutoRenew(ctx, "r") },
		"SetToOnDemand": func() error {
			_, err := ro.SetToOnDemand(ctx, ToOnDemandRequest{})
			return err
		},
		"PayOrder":    func() error { return ro.PayOrder(ctx, PayOrderRequest{}) },
		"CancelOrder": func() error { return ro.CancelOrder(ctx, "o") },
	}
	for name, call := range writes {
		if err := call(); !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s: got %v, want ErrReadOnly", name, err)
		}
	}
	if len(inner.calls) != 0 {
		t.Fatalf("writes reached the wrapped client: %v", inner.calls)
	}
	if _, err := ro.Balances(ctx); err != nil {
		t.Fatalf("read through read-only client: %v", err)
	}
	if len(inner.calls) != 1 {
		t.Fatalf("read did not reach the wrapped client: %v", inner.calls)
	}
}
