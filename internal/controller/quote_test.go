package controller

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestToMoneyOnlySchemaCurrencies: a status amount is written only in a
// currency the CRD accepts, so an unexpected BSS currency leaves the field
// unset instead of getting the whole status write refused.
func TestToMoneyOnlySchemaCurrencies(t *testing.T) {
	amount := decimal.RequireFromString("12.345")
	for _, tc := range []struct {
		currency string
		want     string // "" for nil
	}{
		{"USD", "12.35"},
		{"CNY", "12.35"},
		{"", ""},
		{"EUR", ""},
		{"usd", ""},
	} {
		got := toMoney(amount, tc.currency)
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("toMoney(%s) = %+v, want nil", tc.currency, got)
		case tc.want != "" && (got == nil || got.Amount != tc.want || got.Currency != tc.currency):
			t.Errorf("toMoney(%s) = %+v, want %s %s", tc.currency, got, tc.want, tc.currency)
		}
	}
}
