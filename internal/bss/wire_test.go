package bss

import (
	"encoding/json"
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
