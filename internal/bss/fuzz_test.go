package bss

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
)

// fuzzClient decodes without a network: the fuzz targets call the decoding
// and conversion steps the HTTP path uses.
func fuzzClient() *httpClient { return &httpClient{currency: "USD", clock: newSteppingClock()} }

func seed(f *testing.F, names ...string) {
	for _, n := range names {
		f.Add(fixture(f, n))
	}
	f.Add([]byte(`{"amount":"1e99999999"}`))
	f.Add([]byte(`{"data":[{"resource_id":"x","expire_policy":"3","spec_size":"NaN"}]}`))
	f.Add([]byte(`null`))
}

func FuzzDecodeResources(f *testing.F) {
	seed(f, "resources_query.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		var out resourceQueryResponse
		if json.Unmarshal(data, &out) != nil {
			return
		}
		for _, w := range out.Data {
			r, err := w.toResource()
			if err == nil && (r.ID == "" || r.ExpirePolicy < 0 || r.ExpirePolicy > 5) {
				t.Fatalf("accepted invalid resource %+v", r)
			}
		}
	})
}

func FuzzDecodeOrders(f *testing.F) {
	seed(f, "orders_list.json", "order_details.json")
	c := fuzzClient()
	f.Fuzz(func(t *testing.T, data []byte) {
		var list listOrdersResponse
		if json.Unmarshal(data, &list) == nil {
			for _, w := range list.OrderInfos {
				_, _ = c.toOrder(w, 0)
			}
		}
		var det orderDetailResponse
		if json.Unmarshal(data, &det) == nil {
			if det.OrderInfo != nil {
				_, _ = c.toOrder(*det.OrderInfo, 0)
			}
			for _, w := range det.OrderLineItems {
				_, _ = c.toLineItem(w, wireInt{})
			}
		}
	})
}

func FuzzDecodeBilling(f *testing.F) {
	seed(f, "balances.json", "monthly_sum.json", "cost_data.json", "renew_rate.json", "refund_orders.json", "order_discounts.json")
	c := fuzzClient()
	f.Fuzz(func(t *testing.T, data []byte) {
		var b balancesResponse
		if json.Unmarshal(data, &b) == nil {
			_, _ = c.toBalances(b)
		}
		var s summaryBillsResponse
		if json.Unmarshal(data, &s) == nil {
			_, _ = c.toSummaryBills(s)
		}
		var cd costDataResponse
		if json.Unmarshal(data, &cd) == nil {
			_, _ = c.toCostPage(cd)
		}
		var q renewRateResponse
		if json.Unmarshal(data, &q) == nil {
			_, _ = c.toQuote(q)
		}
		var d discountsResponse
		_ = json.Unmarshal(data, &d)
		var r refundsResponse
		_ = json.Unmarshal(data, &r)
	})
}

func FuzzDecodeErrorBody(f *testing.F) {
	seed(f, "throttled_429.json", "error_wrapped.json", "monthly_sum.json")
	f.Add([]byte(`{"error_code":"CBC.99003141","quota_infos":[{"auth_result":"x"}]}`))
	c := fuzzClient()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, status := range []int{200, 204, 400, 429, 500} {
			for _, op := range []operation{opRenew, opBalances} {
				resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"5"}}, Body: io.NopCloser(bytes.NewReader(data))}
				e := c.errorFromResponse(op, resp, data)
				if status >= 300 && e == nil {
					t.Fatalf("status %d returned no error", status)
				}
				if e != nil {
					_ = e.Error()
				}
			}
		}
	})
}

func FuzzWireDecimal(f *testing.F) {
	for _, s := range []string{`1`, `-277.92`, `"800.0"`, `null`, `""`, `1e3`, `"abc"`, `0.1`, `12345678901234567890.123456789`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var w wireDecimal
		if err := json.Unmarshal(data, &w); err != nil || !w.Valid {
			return
		}
		// A decoded amount must round-trip exactly through its string form.
		back, err := decimal.NewFromString(w.D.String())
		if err != nil || !back.Equal(w.D) {
			t.Fatalf("%s does not round-trip: %v", w.D, err)
		}
		if e := w.D.Exponent(); e < -maxDecimalExponent || e > maxDecimalExponent {
			t.Fatalf("exponent %d accepted", e)
		}
	})
}
