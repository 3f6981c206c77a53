package bss

import (
	"context"
	"errors"
)

// ErrReadOnly is returned by a read-only client for every write operation.
// It is terminal: Observe mode must never spend or change anything.
var ErrReadOnly = errors.New("bss: write refused: the client is read-only (Observe mode)")

// ReadOnly wraps a Client so that every write operation (renew, unsubscribe,
// auto-renew on and off, to-on-demand, pay, cancel) fails with ErrReadOnly
// before anything is sent. Controllers use it for Observe-mode objects, as a
// second guard behind their own mode checks.
func ReadOnly(c Client) Client { return readOnlyClient{Client: c} }

type readOnlyClient struct{ Client }

func (readOnlyClient) Renew(context.Context, RenewRequest) (*RenewResult, error) {
	return nil, ErrReadOnly
}

func (readOnlyClient) Unsubscribe(context.Context, UnsubscribeRequest) (*UnsubscribeResult, error) {
	return nil, ErrReadOnly
}

func (readOnlyClient) EnableAutoRenew(context.Context, string, ...AutoRenewSettings) error {
	return ErrReadOnly
}
func (readOnlyClient) DisableAutoRenew(context.Context, string) error { return ErrReadOnly }

func (readOnlyClient) SetToOnDemand(context.Context, ToOnDemandRequest) (*ToOnDemandResult, error) {
	return nil, ErrReadOnly
}

func (readOnlyClient) PayOrder(context.Context, PayOrderRequest) error { return ErrReadOnly }
func (readOnlyClient) CancelOrder(context.Context, string) error       { return ErrReadOnly }
