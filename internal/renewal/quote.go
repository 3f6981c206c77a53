package renewal

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// MaxQuoteAge bounds how old a quote may be when a gate decides on it
// (issue 16, path 8). An attempt can wait weeks for approval or a budget;
// a quote older than this is fetched again (4.2.3) before anything is
// decided on it, and the reconciler quotes once more just before it
// records the intent to order. A day keeps a waiting attempt's price as
// current as BSS's daily price changes, at one quote call per waiting
// attempt per day.
const MaxQuoteAge = 24 * time.Hour

// QuoteStale reports whether a quote fetched at quotedAt is too old to
// decide on at now. A quote without a time is stale.
func QuoteStale(quotedAt, now time.Time) bool {
	return quotedAt.IsZero() || now.Sub(quotedAt) >= MaxQuoteAge
}

// QuoteExpiry is when a quote fetched at quotedAt becomes stale.
func QuoteExpiry(quotedAt time.Time) time.Time {
	return quotedAt.Add(MaxQuoteAge)
}

// Exceeds reports whether amount is above limit (nil: no limit). A limit
// in another currency is never converted: it is reported as exceeded, with
// an error saying why, so that the renewal goes to a person.
func Exceeds(amount billingv1alpha1.Money, limit *billingv1alpha1.Money) (bool, error) {
	if limit == nil {
		return false, nil
	}
	if limit.Currency != amount.Currency {
		return true, fmt.Errorf("the amount is in %s but the limit is in %s; currencies are never converted", amount.Currency, limit.Currency)
	}
	a, err := decimal.NewFromString(amount.Amount)
	if err != nil {
		return true, fmt.Errorf("amount %q: %w", amount.Amount, err)
	}
	l, err := decimal.NewFromString(limit.Amount)
	if err != nil {
		return true, fmt.Errorf("limit %q: %w", limit.Amount, err)
	}
	return a.GreaterThan(l), nil
}

// FormatMoney renders an amount for messages: "129.90 USD", or "-" for none.
func FormatMoney(m *billingv1alpha1.Money) string {
	if m == nil {
		return "-"
	}
	return m.Amount + " " + m.Currency
}
