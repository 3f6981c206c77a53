package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// periodToBSS maps a renewal period onto 6.3.2's period_type and period_num.
func periodToBSS(p billingv1alpha1.RenewalPeriod) (bss.PeriodType, int) {
	if p.Unit == billingv1alpha1.PeriodUnitYear {
		return bss.PeriodYear, int(p.Count)
	}
	return bss.PeriodMonth, int(p.Count)
}

// quoteRenewal asks BSS for the renewal price of a primary resource (4.2.3).
// The quote for a primary includes its attached resources (digest §7.2 rule 20).
func quoteRenewal(ctx context.Context, cl bss.Client, resourceID string, period billingv1alpha1.RenewalPeriod, now time.Time) (*billingv1alpha1.PriceQuote, error) {
	pt, pn := periodToBSS(period)
	q, err := cl.RenewalPrice(ctx, bss.RenewalPriceRequest{ResourceIDs: []string{resourceID}, PeriodType: pt, PeriodNum: pn})
	if err != nil {
		return nil, fmt.Errorf("quote renewal of %s: %w", resourceID, err)
	}
	total := q.Total()
	if len(q.Items) == 0 {
		return nil, fmt.Errorf("quote renewal of %s: BSS returned no price", resourceID)
	}
	price := toMoney(total.Amount, total.Currency)
	if price == nil {
		return nil, fmt.Errorf("quote renewal of %s: BSS quoted %s without a currency", resourceID, total.Amount.StringFixed(2))
	}
	out := &billingv1alpha1.PriceQuote{
		Price:    *price,
		Period:   period.DeepCopy(),
		QuotedAt: &metav1.Time{Time: now},
	}
	if q.OfficialAmount != nil {
		out.OfficialPrice = toMoney(q.OfficialAmount.Amount, total.Currency)
		out.Discount = toMoney(q.OfficialAmount.Amount.Sub(total.Amount), total.Currency)
	}
	return out, nil
}

// toMoney is an amount in its status form, rounded to cents. It is nil
// without a currency or with one the API's schema refuses (USD and CNY
// only): an amount in an unknown currency cannot be compared with anything,
// and writing it would have the whole status write refused.
func toMoney(d decimal.Decimal, currency string) *billingv1alpha1.Money {
	if currency != billingv1alpha1.CurrencyUSD && currency != billingv1alpha1.CurrencyCNY {
		// The schema takes only these: a status write carrying another
		// would be refused whole, and with it what the pass recorded.
		return nil
	}
	return &billingv1alpha1.Money{Amount: d.StringFixed(2), Currency: currency}
}

// amountOf is a Money's amount, or "" for none.
func amountOf(m *billingv1alpha1.Money) string {
	if m == nil {
		return ""
	}
	return m.Amount
}

// formatMoney renders an amount for messages: "129.90 USD", or "-" for none.
func formatMoney(m *billingv1alpha1.Money) string {
	if m == nil {
		return "-"
	}
	return m.Amount + " " + m.Currency
}
