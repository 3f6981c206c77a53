package bss

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
)

// TestWireIntDecode covers integers as BSS sends them, and numbers that
// must be refused: fractions, huge exponents, and integers outside int64,
// which would otherwise wrap to a wrong value.
func TestWireIntDecode(t *testing.T) {
	cases := []struct {
		in    string
		want  int64
		valid bool
		err   bool
	}{
		{in: `3`, want: 3, valid: true},
		{in: `"3"`, want: 3, valid: true},
		{in: `-12`, want: -12, valid: true},
		{in: `2.0`, want: 2, valid: true},
		{in: `"1e3"`, want: 1000, valid: true},
		{in: `null`},
		{in: `""`},
		{in: `2.5`, err: true},
		{in: `"abc"`, err: true},
		{in: `1e999999999`, err: true},
		{in: `"1e999999999"`, err: true},
		{in: `0e-999999999`, err: true},
		{in: `1.5e-999999999`, err: true},
		{in: `1e19`, err: true},
		{in: `-1e19`, err: true},
		{in: `9223372036854775807`, want: 9223372036854775807, valid: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			var w wireInt
			err := json.Unmarshal([]byte(tc.in), &w)
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %v", err, tc.err)
			}
			if err == nil && (w.Valid != tc.valid || w.V != tc.want) {
				t.Fatalf("got %+v, want %d (valid %v)", w, tc.want, tc.valid)
			}
		})
	}
}

// TestTransportErrorClass: a write whose transport failed is ambiguous
// unless the connection was never made, whatever the WroteRequest trace
// said by then (it can lag behind the error of a connection the server
// closed after applying the request); a read is always retryable.
func TestTransportErrorClass(t *testing.T) {
	write := operation{name: "Renew", write: true}
	read := operation{name: "QueryResources"}
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	dns := &net.DNSError{Err: "no such host", Name: "bss-intl.myhuaweicloud.com"}
	closed := fmt.Errorf("read: %w", io.EOF)
	reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	for _, tc := range []struct {
		name  string
		op    operation
		err   error
		wrote bool
		want  Class
	}{
		{"write, closed after it was written", write, closed, true, ClassAmbiguous},
		{"write, closed before the trace saw it written", write, closed, false, ClassAmbiguous},
		{"write, reset before the trace saw it written", write, reset, false, ClassAmbiguous},
		{"write, dial refused", write, dial, false, ClassRetryable},
		{"write, name not resolved", write, fmt.Errorf("dial: %w", dns), false, ClassRetryable},
		{"read, closed", read, closed, true, ClassRetryable},
		{"read, dial refused", read, dial, false, ClassRetryable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := transportError(context.Background(), tc.op, tc.err, tc.wrote)
			if got.Class != tc.want {
				t.Fatalf("class %v, want %v", got.Class, tc.want)
			}
		})
	}
}
