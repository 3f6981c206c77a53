package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// Pay-per-use pricing (4.2.1). The simulator has no product catalogue: a
// product is priced from a seeded resource of the same service type,
// resource type, spec and region (any account's; the caller's own first, so
// its discount ratio applies).
const (
	// payPerUsePremium is how much more an hour on pay-per-use costs than
	// the same hour of the monthly price. **Choice** (docs/simulator.md):
	// hourly list price = monthlyPrice × 1.5 / 730, near the ratio of
	// Huawei Cloud's published ECS prices.
	payPerUsePremium = "1.5"
	// hoursPerMonth is the month the hourly price is derived from.
	hoursPerMonth = 730
	// usageMeasureHour is usage_measure_id 4 (hour), the only usage unit
	// the simulator prices.
	usageMeasureHour = 4
)

// Rating errors of 4.2.1 (HTTP 400).
const (
	msg99006006 = "Product not found."
	msg99006050 = "Incorrect usage measurement unit."
	msg99006074 = "The billing item does not exist."
)

// flexDecimal is a BigDecimal request field: the reference's example sends
// a JSON number, the official SDK a quoted string (shopspring/decimal).
type flexDecimal struct {
	d     decimal.Decimal
	valid bool
}

// UnmarshalJSON accepts a number or a quoted number; null leaves it unset.
func (f *flexDecimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = flexDecimal{}
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode decimal: %w", err)
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil || len(s) > 40 {
		return fmt.Errorf("decode decimal %q: not a number", s)
	}
	*f = flexDecimal{d: d, valid: true}
	return nil
}

type demandProductInfo struct {
	ID               string      `json:"id"`
	CloudServiceType string      `json:"cloud_service_type"`
	ResourceType     string      `json:"resource_type"`
	ResourceSpec     string      `json:"resource_spec"`
	Region           string      `json:"region"`
	AvailableZone    *string     `json:"available_zone"`
	ResourceSize     *int        `json:"resource_size"`
	SizeMeasureID    *int        `json:"size_measure_id"`
	UsageFactor      string      `json:"usage_factor"`
	UsageValue       flexDecimal `json:"usage_value"`
	UsageMeasureID   *int        `json:"usage_measure_id"`
	SubscriptionNum  *int        `json:"subscription_num"`
}

type rateOnDemandRequest struct {
	ProjectID        string              `json:"project_id"`
	InquiryPrecision *int                `json:"inquiry_precision"`
	ProductInfos     []demandProductInfo `json:"product_infos"`
}

type demandDiscountResult struct {
	DiscountID   string `json:"discount_id"`
	DiscountType int    `json:"discount_type"`
	Amount       num    `json:"amount"`
	MeasureID    int    `json:"measure_id"`
	DiscountName string `json:"discount_name"`
}

type demandProductResult struct {
	ID                    string                 `json:"id"`
	ProductID             string                 `json:"product_id"`
	Amount                num                    `json:"amount"`
	DiscountAmount        num                    `json:"discount_amount"`
	OfficialWebsiteAmount num                    `json:"official_website_amount"`
	MeasureID             int                    `json:"measure_id"`
	DiscountRatingResults []demandDiscountResult `json:"discount_rating_results"`
}

type rateOnDemandResponse struct {
	Amount                num                   `json:"amount"`
	DiscountAmount        num                   `json:"discount_amount"`
	OfficialWebsiteAmount num                   `json:"official_website_amount"`
	MeasureID             int                   `json:"measure_id"`
	Currency              string                `json:"currency"`
	ProductRatingResults  []demandProductResult `json:"product_rating_results"`
}

// checkDemandProduct validates one DemandProductInfo (Table 4-18).
func checkDemandProduct(p demandProductInfo, seen map[string]bool) error {
	if p.ID == "" || len(p.ID) > 64 || seen[p.ID] {
		return fmt.Errorf("product_infos id %q must be 1 to 64 characters and unique", p.ID)
	}
	seen[p.ID] = true
	for what, v := range map[string]string{"cloud_service_type": p.CloudServiceType, "resource_type": p.ResourceType,
		"resource_spec": p.ResourceSpec, "region": p.Region, "usage_factor": p.UsageFactor} {
		if v == "" || len(v) > 400 {
			return fmt.Errorf("%s of product %s is mandatory", what, p.ID)
		}
	}
	switch {
	case !p.UsageValue.valid || !p.UsageValue.d.IsPositive():
		return fmt.Errorf("usage_value of product %s must be a positive number", p.ID)
	case p.UsageMeasureID == nil:
		return fmt.Errorf("usage_measure_id of product %s is mandatory", p.ID)
	case p.SubscriptionNum == nil || *p.SubscriptionNum < 1 || *p.SubscriptionNum > 10000:
		return fmt.Errorf("subscription_num of product %s must be 1 to 10000", p.ID)
	case p.ResourceSize != nil && (*p.ResourceSize < 1 || *p.ResourceSize > 214783647):
		return fmt.Errorf("resource_size of product %s out of range", p.ID)
	}
	return nil
}

// productPrice finds the resource a product is priced from: same service
// type, resource type, spec and region; the caller's own first, then by ID.
// Called with s.mu held.
func (s *Server) productPrice(p demandProductInfo, account string) *Resource {
	var best *Resource
	ids := make([]string, 0, len(s.st.resources))
	for id := range s.st.resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := s.st.resources[id]
		if r.ServiceTypeCode != p.CloudServiceType || r.ResourceTypeCode != p.ResourceType ||
			r.SpecCode != p.ResourceSpec || r.Region != p.Region {
			continue
		}
		if r.AccountID == account {
			return r
		}
		if best == nil {
			best = r
		}
	}
	return best
}

// hourlyListPrice is the list price of one hour of r on pay-per-use, per
// unit of size for a linear product (r has a spec size).
func hourlyListPrice(r *Resource) decimal.Decimal {
	h := r.MonthlyPrice.Mul(decimal.RequireFromString(payPerUsePremium)).Div(decimal.NewFromInt(hoursPerMonth))
	if r.SpecSize != nil && r.SpecSize.IsPositive() {
		h = h.Div(*r.SpecSize)
	}
	return h
}

// rateOnDemand serves 4.2.1. It is all-or-nothing: a product that cannot
// be priced fails the whole inquiry with HTTP 400.
func (s *Server) rateOnDemand(c *call) reply {
	var req rateOnDemandRequest
	if err := decodeBody(c.body, &req); err != nil {
		return badParam(err.Error())
	}
	if req.ProjectID == "" || len(req.ProjectID) > 64 {
		return badParam("project_id is mandatory (at most 64 characters).")
	}
	if len(req.ProductInfos) < 1 || len(req.ProductInfos) > 100 {
		return badParam("product_infos must hold 1 to 100 products.")
	}
	places := int32(6)
	if req.InquiryPrecision != nil {
		switch *req.InquiryPrecision {
		case 0:
		case 1:
			places = 10
		default:
			return badParam("inquiry_precision must be 0 or 1.")
		}
	}
	seen := map[string]bool{}
	for _, p := range req.ProductInfos {
		if err := checkDemandProduct(p, seen); err != nil {
			return badParam(err.Error() + ".")
		}
	}
	resp := rateOnDemandResponse{MeasureID: 1, Currency: s.st.accounts[c.account.DomainID].Currency}
	total, totalOfficial := decimal.Zero, decimal.Zero
	for _, p := range req.ProductInfos {
		r := s.productPrice(p, c.account.DomainID)
		switch {
		case r == nil:
			return fail(http.StatusBadRequest, "CBC.99006006", msg99006006)
		case !strings.EqualFold(p.UsageFactor, "Duration"):
			return fail(http.StatusBadRequest, "CBC.99006074", msg99006074)
		case *p.UsageMeasureID != usageMeasureHour:
			return fail(http.StatusBadRequest, "CBC.99006050", msg99006050)
		case r.SpecSize != nil && r.SpecSize.IsPositive() && p.ResourceSize == nil:
			return badParam(fmt.Sprintf("resource_size of product %s is mandatory for a linear product.", p.ID))
		}
		qty := p.UsageValue.d.Mul(decimal.NewFromInt(int64(*p.SubscriptionNum)))
		if r.SpecSize != nil && r.SpecSize.IsPositive() {
			qty = qty.Mul(decimal.NewFromInt(int64(*p.ResourceSize)))
		}
		official := hourlyListPrice(r).Mul(qty).Round(places)
		amount := official
		if r.AccountID == c.account.DomainID {
			// Only the caller's own commercial discount applies.
			amount = official.Mul(discountRatio(r)).Round(places)
		}
		res := demandProductResult{ID: p.ID, ProductID: "SIM-PPU-" + r.ID, Amount: num{amount},
			DiscountAmount: num{official.Sub(amount)}, OfficialWebsiteAmount: num{official}, MeasureID: 1,
			DiscountRatingResults: []demandDiscountResult{}}
		if amount.LessThan(official) {
			res.DiscountRatingResults = append(res.DiscountRatingResults, demandDiscountResult{
				DiscountID: "SIM-COMMERCIAL-" + c.account.DomainID, DiscountType: 605, Amount: num{official.Sub(amount)},
				MeasureID: 1, DiscountName: "Commercial discount"})
		}
		resp.ProductRatingResults = append(resp.ProductRatingResults, res)
		total, totalOfficial = total.Add(amount), totalOfficial.Add(official)
	}
	resp.Amount, resp.OfficialWebsiteAmount, resp.DiscountAmount = num{total}, num{totalOfficial}, num{totalOfficial.Sub(total)}
	return ok(resp)
}
