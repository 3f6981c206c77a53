package simulator

import (
	"net/http"

	"github.com/shopspring/decimal"
)

// yearlyMonths is the default yearly price in months of the monthly price (a
// year costs 10 months, the usual Huawei Cloud yearly discount).
const yearlyMonths = 10

// listPrice returns the list (official) price of renewing r for n periods.
func listPrice(r *Resource, periodType, n int) decimal.Decimal {
	if periodType == periodYear {
		y := r.MonthlyPrice.Mul(decimal.NewFromInt(yearlyMonths))
		if r.YearlyPrice != nil {
			y = *r.YearlyPrice
		}
		return y.Mul(decimal.NewFromInt(int64(n)))
	}
	return r.MonthlyPrice.Mul(decimal.NewFromInt(int64(n)))
}

// discountRatio returns r's commercial discount ratio (1: no discount).
func discountRatio(r *Resource) decimal.Decimal {
	if r.DiscountRatio == nil {
		return decimal.NewFromInt(1)
	}
	return *r.DiscountRatio
}

// validPeriod reports whether a renewal period is allowed: month 1-11,
// year 1-3.
func validPeriod(periodType, n int) bool {
	switch periodType {
	case periodMonth:
		return n >= 1 && n <= 11
	case periodYear:
		return n >= 1 && n <= 3
	}
	return false
}

type renewRateRequest struct {
	ResourceIDs              []string `json:"resource_ids"`
	PeriodType               *int     `json:"period_type"`
	PeriodNum                *int     `json:"period_num"`
	IncludeRelativeResources *bool    `json:"include_relative_resources"`
}

type failResourceInfo struct {
	ErrorCode  string `json:"error_code"`
	ErrorMsg   string `json:"error_msg"`
	ResourceID string `json:"resource_id"`
}

type renewInquiryResult struct {
	ResourceID string `json:"resource_id"`
	Amount     string `json:"amount"`
}

type renewOfficialResult struct {
	OfficialWebsiteAmount            string  `json:"official_website_amount"`
	InstallmentOfficialWebsiteAmount *string `json:"installment_official_website_amount"`
	InstallmentPeriodType            *int    `json:"installment_period_type"`
}

type renewDiscountResult struct {
	DiscountID            string `json:"discount_id"`
	Amount                string `json:"amount"`
	OfficialWebsiteAmount string `json:"official_website_amount"`
	DiscountAmount        string `json:"discount_amount"`
	DiscountType          int    `json:"discount_type"`
	DiscountName          string `json:"discount_name"`
	BestOffer             int    `json:"best_offer"`
}

type renewRateResponse struct {
	ErrorCode                     string                `json:"error_code,omitempty"`
	ErrorMsg                      string                `json:"error_msg,omitempty"`
	Currency                      string                `json:"currency"`
	RenewInquiryResults           []renewInquiryResult  `json:"renew_inquiry_results"`
	OfficialWebsiteRatingResult   *renewOfficialResult  `json:"official_website_rating_result"`
	OptionalDiscountRatingResults []renewDiscountResult `json:"optional_discount_rating_results"`
	FailResourceInfos             []failResourceInfo    `json:"fail_resource_infos"`
}

// Renewal-price business errors, answered with HTTP 200 (4.2.3).
const (
	msg30050007 = "It is not a primary resource, and the renewal quotation is not allowed."
	msg30050008 = "The period type or number of periods for the resource does not exist."
	msg30050009 = "The resources do not exist or has been deleted due to expiration."
	msg30050010 = "This operation is not allowed because some resources are included in the unpaid orders."
)

// renewRate serves 4.2.3. Business errors are all-or-nothing: HTTP 200 with a
// top-level error_code/error_msg (the first failure) and one
// fail_resource_infos entry per failing resource, and no prices.
func (s *Server) renewRate(c *call) reply {
	var req renewRateRequest
	if err := decodeBody(c.body, &req); err != nil {
		return badParam(err.Error())
	}
	if len(req.ResourceIDs) < 1 || len(req.ResourceIDs) > 10 {
		return badParam("resource_ids must hold 1 to 10 IDs.")
	}
	seen := map[string]bool{}
	for _, id := range req.ResourceIDs {
		if seen[id] {
			return fail(http.StatusBadRequest, "CBC.30050012", "Duplicate resource ID.")
		}
		seen[id] = true
	}
	cur := s.st.accounts[c.account.DomainID].Currency
	resp := renewRateResponse{Currency: cur, RenewInquiryResults: []renewInquiryResult{},
		OptionalDiscountRatingResults: []renewDiscountResult{}, FailResourceInfos: []failResourceInfo{}}
	var fails []failResourceInfo
	addFail := func(id, code, msg string) {
		fails = append(fails, failResourceInfo{ErrorCode: code, ErrorMsg: msg, ResourceID: id})
	}
	include := req.IncludeRelativeResources != nil && *req.IncludeRelativeResources
	var primaries []*Resource
	for _, id := range req.ResourceIDs {
		r := s.st.resources[id]
		switch {
		case req.PeriodType == nil || req.PeriodNum == nil || !validPeriod(*req.PeriodType, *req.PeriodNum):
			addFail(id, "CBC.30050008", msg30050008)
		case r == nil || r.Closed || r.AccountID != c.account.DomainID:
			addFail(id, "CBC.30050009", msg30050009)
		case !r.IsMain && !include:
			addFail(id, "CBC.30050007", msg30050007)
		default:
			p := s.st.primaryOf(r)
			pending := false
			for _, g := range s.st.group(p) {
				if s.st.pendingOrderFor(g.ID) != nil {
					pending = true
				}
			}
			if pending {
				addFail(id, "CBC.30050010", msg30050010)
				continue
			}
			primaries = append(primaries, p)
		}
	}
	if len(fails) > 0 {
		resp.ErrorCode, resp.ErrorMsg = fails[0].ErrorCode, fails[0].ErrorMsg
		resp.FailResourceInfos = fails
		return ok(resp)
	}
	official, discounted := decimal.Zero, decimal.Zero
	for _, p := range primaries {
		amt := decimal.Zero
		for _, g := range s.st.group(p) {
			lp := listPrice(g, *req.PeriodType, *req.PeriodNum)
			amt = amt.Add(lp)
			discounted = discounted.Add(round2(lp.Mul(discountRatio(g))))
		}
		official = official.Add(amt)
		resp.RenewInquiryResults = append(resp.RenewInquiryResults, renewInquiryResult{ResourceID: p.ID, Amount: javaDecimal(amt)})
	}
	resp.OfficialWebsiteRatingResult = &renewOfficialResult{OfficialWebsiteAmount: javaDecimal(official)}
	if discounted.LessThan(official) {
		resp.OptionalDiscountRatingResults = append(resp.OptionalDiscountRatingResults, renewDiscountResult{
			DiscountID:            "SIM-COMMERCIAL-" + c.account.DomainID,
			Amount:                javaDecimal(discounted),
			OfficialWebsiteAmount: javaDecimal(official),
			DiscountAmount:        javaDecimal(official.Sub(discounted)),
			DiscountType:          605,
			DiscountName:          "Commercial discount",
			BestOffer:             1,
		})
	}
	return ok(resp)
}
