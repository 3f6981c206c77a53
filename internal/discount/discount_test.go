package discount

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/bss-operator/bss-operator/internal/bss"
)

const refOrder = "CS2011091132EMKL9"

// referenceDiscounts decodes the reference's own 6.2.3 example (DIGEST
// §4.9, fixture internal/bss/testdata/order_discounts.json) with the client,
// as the operator sees it: one promotion discount (type 0) of ratio 0.9 with
// a null discount_amount on lines -000001 and -000002 of CS2011091132EMKL9.
func referenceDiscounts(t *testing.T) []bss.Discount {
	t.Helper()
	data, err := os.ReadFile("../bss/testdata/order_discounts.json")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = w.Write(data)
	}))
	t.Cleanup(ts.Close)
	c, err := bss.New(bss.Config{Endpoint: ts.URL, HTTPClient: ts.Client(), Credentials: bss.Credentials{Token: "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := c.ListOrderDiscounts(context.Background(), refOrder)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Type != bss.DiscountPromotion || ds[0].Orders[0].LineItems[0].Amount != nil {
		t.Fatalf("fixture is not the reference's ratio example: %+v", ds)
	}
	return ds
}

func dec(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}

func line(id, amount string) bss.OrderLineItem {
	return bss.OrderLineItem{ID: id, AmountAfterDiscount: bss.Money{Amount: decimal.RequireFromString(amount), Currency: "USD"}}
}

// flat is a discount of the given type taking amount off line -000001.
func flat(id string, t bss.DiscountType, mode int, amount, ratio *decimal.Decimal) bss.Discount {
	return bss.Discount{ID: id, Type: t, Orders: []bss.DiscountOrder{{OrderID: refOrder, LineItems: []bss.DiscountLineItem{{
		LineItemIDs: []string{refOrder + "-000001"}, Mode: mode, Amount: amount, Ratio: ratio}}}}}
}

func TestBest(t *testing.T) {
	ref := referenceDiscounts(t)
	promo := ref[0].ID
	// The order: 100 + 50 = 150 USD after its own discounts.
	lines := []bss.OrderLineItem{line(refOrder+"-000001", "100"), line(refOrder+"-000002", "50")}
	orderAmount := decimal.RequireFromString("150")
	for _, tc := range []struct {
		name      string
		discounts []bss.Discount
		lines     []bss.OrderLineItem
		wantID    string // "" = no discount
		wantSaved string
	}{
		{
			// A ratio of 0.9 with a null amount is 10 % off both lines.
			name: "reference example: ratio without amount", discounts: ref, lines: lines,
			wantID: promo, wantSaved: "15",
		},
		{
			name: "a larger contract discount is refused by the pay API", lines: lines,
			discounts: append([]bss.Discount{flat("contract", bss.DiscountContract, 2, dec("40"), nil)}, ref...),
			wantID:    promo, wantSaved: "15",
		},
		{
			name: "only refused types: contract and order price adjustment", lines: lines,
			discounts: []bss.Discount{flat("contract", bss.DiscountContract, 2, dec("40"), nil),
				flat("adjust", bss.DiscountOrderAdjust, 2, dec("30"), nil)},
		},
		{
			name: "a commercial amount beats the promotion ratio", lines: lines,
			discounts: append(append([]bss.Discount{}, ref...), flat("commercial", bss.DiscountCommercial, 2, dec("20"), nil)),
			wantID:    "commercial", wantSaved: "20",
		},
		{
			name: "a partner ratio on one line loses to the promotion on both", lines: lines,
			discounts: append([]bss.Discount{flat("partner", bss.DiscountPartner, 0, nil, dec("0.88"))}, ref...),
			wantID:    promo, wantSaved: "15",
		},
		{
			name: "an amount is capped at its lines' amount", lines: lines,
			discounts: []bss.Discount{flat("partner", bss.DiscountPartner, 2, dec("500"), nil)},
			wantID:    "partner", wantSaved: "100",
		},
		{
			name: "buy-it-now without amount, ratio of 1 or more: nothing to value", lines: lines,
			discounts: []bss.Discount{flat("bin", bss.DiscountPromotion, 1, nil, nil),
				flat("one", bss.DiscountPromotion, 0, nil, dec("1")), flat("pct", bss.DiscountPromotion, 0, nil, dec("90"))},
		},
		{
			name: "another order's discount", lines: lines,
			discounts: []bss.Discount{{ID: "other", Type: bss.DiscountPromotion, Orders: []bss.DiscountOrder{{OrderID: "CSOTHER",
				LineItems: []bss.DiscountLineItem{{LineItemIDs: []string{"CSOTHER-000001"}, Amount: dec("5")}}}}}},
		},
		{
			name: "ratio with unknown lines takes nothing off", discounts: ref, lines: nil,
		},
		{
			name: "ratio rounds to cents", discounts: ref,
			lines:  []bss.OrderLineItem{line(refOrder+"-000001", "33.33"), line(refOrder+"-000002", "0.01")},
			wantID: promo, wantSaved: "3.33",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Best(tc.discounts, refOrder, tc.lines, orderAmount)
			if tc.wantID == "" {
				if ok {
					t.Fatalf("chose %s saving %s, want none", got.Discount.ID, got.Saved)
				}
				return
			}
			if !ok || got.Discount.ID != tc.wantID || !got.Saved.Equal(decimal.RequireFromString(tc.wantSaved)) {
				t.Fatalf("chose %q saving %s (ok %v), want %q saving %s", got.Discount.ID, got.Saved, ok, tc.wantID, tc.wantSaved)
			}
			if !Payable(got.Discount.Type) {
				t.Fatalf("chose type %d, which 6.2.4 refuses", got.Discount.Type)
			}
		})
	}
}

func TestBestCappedAtOrderAmount(t *testing.T) {
	lines := []bss.OrderLineItem{line(refOrder+"-000001", "100")}
	got, ok := Best([]bss.Discount{flat("p", bss.DiscountPartner, 2, dec("80"), nil)}, refOrder, lines, decimal.RequireFromString("60"))
	if !ok || !got.Saved.Equal(decimal.RequireFromString("60")) {
		t.Fatalf("saved %s, want the order amount 60", got.Saved)
	}
}
