package bss

import (
	"context"
	"fmt"
	"net/http"
)

var opRenewalPrice = operation{name: "RenewalPrice", api: apiRenewRate}

type renewRateBody struct {
	ResourceIDs              []string `json:"resource_ids"`
	PeriodType               int      `json:"period_type"`
	PeriodNum                int      `json:"period_num"`
	IncludeRelativeResources bool     `json:"include_relative_resources"`
}

type wireRatingDiscount struct {
	DiscountID            string      `json:"discount_id"`
	Amount                wireDecimal `json:"amount"`
	OfficialWebsiteAmount wireDecimal `json:"official_website_amount"`
	DiscountAmount        wireDecimal `json:"discount_amount"`
	MeasureID             wireInt     `json:"measure_id"`
	DiscountType          wireInt     `json:"discount_type"`
	DiscountName          string      `json:"discount_name"`
	BestOffer             wireInt     `json:"best_offer"`
}

type renewRateResponse struct {
	Currency            string `json:"currency"`
	RenewInquiryResults []struct {
		ResourceID string      `json:"resource_id"`
		Amount     wireDecimal `json:"amount"`
	} `json:"renew_inquiry_results"`
	OfficialWebsiteRatingResult *struct {
		OfficialWebsiteAmount wireDecimal `json:"official_website_amount"`
		MeasureID             wireInt     `json:"measure_id"`
	} `json:"official_website_rating_result"`
	OptionalDiscountRatingResults []wireRatingDiscount `json:"optional_discount_rating_results"`
	FailResourceInfos             []wireFailure        `json:"fail_resource_infos"`
}

// RenewalPrice implements Client. Amounts of 4.2.3 are strings in major
// units ("Unit: USD"). Resources that could not be priced are listed in
// Failures and also returned as an error with the partial quote.
func (c *httpClient) RenewalPrice(ctx context.Context, req RenewalPriceRequest) (*RenewalQuote, error) {
	op := opRenewalPrice.name
	if err := checkIDs(op, req.ResourceIDs, maxRenewIDs); err != nil {
		return nil, err
	}
	if err := checkPeriod(op, req.PeriodType, req.PeriodNum); err != nil {
		return nil, err
	}
	var out renewRateResponse
	cl := call{op: opRenewalPrice, method: http.MethodPost, segments: []string{"v2", "bills", "ratings", "period-resources", "renew-rate"},
		body: renewRateBody{ResourceIDs: req.ResourceIDs, PeriodType: int(req.PeriodType), PeriodNum: req.PeriodNum,
			IncludeRelativeResources: req.IncludeRelatedResources}}
	if err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	q, err := c.toQuote(out)
	if err != nil {
		return nil, c.decodeError(opRenewalPrice, http.StatusOK, fmt.Errorf("decode response: %w", err))
	}
	if len(q.Items) == 0 && len(q.Failures) == 0 {
		return nil, c.decodeError(opRenewalPrice, http.StatusOK, fmt.Errorf("decode response: no prices and no failures"))
	}
	return q, partialFailure(opRenewalPrice, q.Failures, nil)
}

func (c *httpClient) toQuote(out renewRateResponse) (*RenewalQuote, error) {
	cur := c.orCurrency(out.Currency)
	q := &RenewalQuote{Currency: cur, Failures: itemFailures(out.FailResourceInfos)}
	for _, r := range out.RenewInquiryResults {
		if r.ResourceID == "" || !r.Amount.Valid {
			return nil, fmt.Errorf("renewal price without resource id or amount")
		}
		m, err := moneyFrom(r.Amount, wireInt{}, cur)
		if err != nil {
			return nil, err
		}
		q.Items = append(q.Items, RenewalQuoteItem{ResourceID: r.ResourceID, Amount: m})
	}
	if o := out.OfficialWebsiteRatingResult; o != nil {
		m, err := optMoney(o.OfficialWebsiteAmount, o.MeasureID, cur)
		if err != nil {
			return nil, err
		}
		q.OfficialAmount = m
	}
	for _, d := range out.OptionalDiscountRatingResults {
		rd := RatingDiscount{ID: d.DiscountID, Type: d.DiscountType.Int(0), Name: d.DiscountName, BestOffer: d.BestOffer.Int(0) == 1}
		var err error
		if rd.Amount, err = moneyFrom(d.Amount, d.MeasureID, cur); err != nil {
			return nil, err
		}
		if rd.OfficialAmount, err = moneyFrom(d.OfficialWebsiteAmount, d.MeasureID, cur); err != nil {
			return nil, err
		}
		if rd.DiscountAmount, err = moneyFrom(d.DiscountAmount, d.MeasureID, cur); err != nil {
			return nil, err
		}
		q.Discounts = append(q.Discounts, rd)
	}
	return q, nil
}
