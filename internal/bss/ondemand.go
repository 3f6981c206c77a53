package bss

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"
)

var opOnDemandPrice = operation{name: "OnDemandPrice", api: apiOnDemandRate}

// Limits of 4.2.1 (Table 4-18).
const (
	maxOnDemandProducts   = 100
	maxOnDemandCodeLength = 400
	maxSubscriptionNum    = 10000
	// UsageFactorDuration is the usage factor of time-billed products
	// (servers, disks, EIPs, bandwidth billed by size).
	UsageFactorDuration = "Duration"
	// UsageMeasureHour is usage_measure_id 4, one hour (digest §2.8).
	UsageMeasureHour = 4
)

// OnDemandPriceRequest asks what products cost on pay-per-use (4.2.1).
type OnDemandPriceRequest struct {
	// ProjectID is the project the products would run in (project_id).
	ProjectID string
	// Products are the products to price: 1 to 100, with distinct IDs.
	Products []OnDemandProduct
}

// OnDemandProduct is one product to price on pay-per-use (4.2.1
// DemandProductInfo): what it is and how much of it is used.
type OnDemandProduct struct {
	// ID maps the price back to the product; unique within a request.
	ID string
	// ServiceTypeCode is the cloud service type, e.g. hws.service.type.ec2.
	ServiceTypeCode string
	// ResourceTypeCode is the resource type, e.g. hws.resource.type.vm.
	ResourceTypeCode string
	// ResourceSpec is the specification, e.g. s6.small.1.linux or SSD.
	ResourceSpec string
	// Region is the region code, e.g. ap-southeast-1.
	Region string
	// AvailableZone narrows the price to an availability zone; "" does not.
	AvailableZone string
	// ResourceSize is the size of a linear product (disk GB, bandwidth
	// Mbit/s); 0 for other products.
	ResourceSize int
	// SizeMeasureID is the unit of ResourceSize (15 Mbit/s, 17 GB, 14
	// amount); 0 with ResourceSize 0.
	SizeMeasureID int
	// UsageFactor is the billing factor, usually UsageFactorDuration.
	UsageFactor string
	// UsageValue is how much is used, in UsageMeasureID units.
	UsageValue decimal.Decimal
	// UsageMeasureID is the usage unit, e.g. UsageMeasureHour.
	UsageMeasureID int
	// SubscriptionNum is how many of the product; 1 to 10000.
	SubscriptionNum int
}

// HourlyProduct is the product of one hour of r's pay-per-use equivalent:
// r's service, resource type, spec, region and (for a linear product) size,
// used for one hour (usage Duration, measure 4), one unit.
func HourlyProduct(id string, r Resource) OnDemandProduct {
	p := OnDemandProduct{
		ID: id, ServiceTypeCode: r.ServiceTypeCode, ResourceTypeCode: r.ResourceTypeCode,
		ResourceSpec: r.SpecCode, Region: r.Region, UsageFactor: UsageFactorDuration,
		UsageValue: decimal.NewFromInt(1), UsageMeasureID: UsageMeasureHour, SubscriptionNum: 1,
	}
	if r.SpecSize != nil && r.SpecSize.IsPositive() && r.SpecSize.IsInteger() && r.SpecSizeMeasureID != 0 {
		p.ResourceSize = int(r.SpecSize.IntPart())
		p.SizeMeasureID = r.SpecSizeMeasureID
	}
	return p
}

// OnDemandQuote is a pay-per-use price (4.2.1) for the usage asked, in major
// units of Amount.Currency.
type OnDemandQuote struct {
	// Amount is the total after discounts.
	Amount Money
	// OfficialAmount is the total list price, when BSS gave it.
	OfficialAmount *Money
	// DiscountAmount is the total discount, when BSS gave it.
	DiscountAmount *Money
	// Items are the prices of the products, by request ID.
	Items []OnDemandQuoteItem
}

// OnDemandQuoteItem is the price of one product (DemandProductRatingResult).
type OnDemandQuoteItem struct {
	// ID is the product's request ID.
	ID string
	// ProductID is BSS's pay-per-use product ID.
	ProductID string
	// Amount is the price after discounts.
	Amount Money
	// OfficialAmount is the list price, when BSS gave it.
	OfficialAmount *Money
	// DiscountAmount is the discount, when BSS gave it.
	DiscountAmount *Money
}

// Item returns the price of the product with request ID id.
func (q *OnDemandQuote) Item(id string) (OnDemandQuoteItem, bool) {
	for _, it := range q.Items {
		if it.ID == id {
			return it, true
		}
	}
	return OnDemandQuoteItem{}, false
}

// onDemandRateBody is RateOnDemandReq. Field names follow the official SDK
// (size_measure_id, not the table's size_measurement_id; docs/simulator.md).
type onDemandRateBody struct {
	ProjectID    string                `json:"project_id"`
	ProductInfos []onDemandProductInfo `json:"product_infos"`
}

type onDemandProductInfo struct {
	ID               string      `json:"id"`
	CloudServiceType string      `json:"cloud_service_type"`
	ResourceType     string      `json:"resource_type"`
	ResourceSpec     string      `json:"resource_spec"`
	Region           string      `json:"region"`
	AvailableZone    string      `json:"available_zone,omitempty"`
	ResourceSize     *int        `json:"resource_size,omitempty"`
	SizeMeasureID    *int        `json:"size_measure_id,omitempty"`
	UsageFactor      string      `json:"usage_factor"`
	UsageValue       json.Number `json:"usage_value"`
	UsageMeasureID   int         `json:"usage_measure_id"`
	SubscriptionNum  int         `json:"subscription_num"`
}

type onDemandRatingItem struct {
	ID                    string      `json:"id"`
	ProductID             string      `json:"product_id"`
	Amount                wireDecimal `json:"amount"`
	DiscountAmount        wireDecimal `json:"discount_amount"`
	OfficialWebsiteAmount wireDecimal `json:"official_website_amount"`
	MeasureID             wireInt     `json:"measure_id"`
}

type onDemandRateResponse struct {
	Amount                wireDecimal          `json:"amount"`
	DiscountAmount        wireDecimal          `json:"discount_amount"`
	OfficialWebsiteAmount wireDecimal          `json:"official_website_amount"`
	MeasureID             wireInt              `json:"measure_id"`
	Currency              string               `json:"currency"`
	ProductRatingResults  []onDemandRatingItem `json:"product_rating_results"`
}

// checkOnDemand validates a 4.2.1 request against Table 4-18.
func checkOnDemand(op string, req OnDemandPriceRequest) error {
	if req.ProjectID == "" || len(req.ProjectID) > maxIDLength {
		return invalid(op, "project_id must hold 1 to %d characters", maxIDLength)
	}
	if len(req.Products) == 0 || len(req.Products) > maxOnDemandProducts {
		return invalid(op, "%d products, want 1 to %d", len(req.Products), maxOnDemandProducts)
	}
	seen := map[string]bool{}
	for _, p := range req.Products {
		if err := checkID(op, "product id", p.ID); err != nil {
			return err
		}
		if seen[p.ID] {
			return invalid(op, "duplicate product id %q", p.ID)
		}
		seen[p.ID] = true
		for what, v := range map[string]string{"cloud_service_type": p.ServiceTypeCode, "resource_type": p.ResourceTypeCode,
			"resource_spec": p.ResourceSpec, "region": p.Region, "usage_factor": p.UsageFactor} {
			if v == "" || len(v) > maxOnDemandCodeLength {
				return invalid(op, "product %s: %s must hold 1 to %d characters", p.ID, what, maxOnDemandCodeLength)
			}
		}
		switch {
		case !p.UsageValue.IsPositive():
			return invalid(op, "product %s: usage_value %s must be positive", p.ID, p.UsageValue)
		case p.UsageMeasureID <= 0 || p.UsageMeasureID > 9999:
			return invalid(op, "product %s: usage_measure_id %d out of range", p.ID, p.UsageMeasureID)
		case p.SubscriptionNum < 1 || p.SubscriptionNum > maxSubscriptionNum:
			return invalid(op, "product %s: subscription_num %d out of range 1..%d", p.ID, p.SubscriptionNum, maxSubscriptionNum)
		case p.ResourceSize < 0 || (p.ResourceSize == 0) != (p.SizeMeasureID == 0):
			return invalid(op, "product %s: resource_size and size_measure_id go together", p.ID)
		}
	}
	return nil
}

// OnDemandPrice implements Client. Amounts of 4.2.1 are BigDecimal in major
// units (measure_id 1).
func (c *httpClient) OnDemandPrice(ctx context.Context, req OnDemandPriceRequest) (*OnDemandQuote, error) {
	if err := checkOnDemand(opOnDemandPrice.name, req); err != nil {
		return nil, err
	}
	body := onDemandRateBody{ProjectID: req.ProjectID}
	for _, p := range req.Products {
		info := onDemandProductInfo{ID: p.ID, CloudServiceType: p.ServiceTypeCode, ResourceType: p.ResourceTypeCode,
			ResourceSpec: p.ResourceSpec, Region: p.Region, AvailableZone: p.AvailableZone, UsageFactor: p.UsageFactor,
			UsageValue: json.Number(p.UsageValue.String()), UsageMeasureID: p.UsageMeasureID, SubscriptionNum: p.SubscriptionNum}
		if p.ResourceSize > 0 {
			size, unit := p.ResourceSize, p.SizeMeasureID
			info.ResourceSize, info.SizeMeasureID = &size, &unit
		}
		body.ProductInfos = append(body.ProductInfos, info)
	}
	var out onDemandRateResponse
	cl := call{op: opOnDemandPrice, method: http.MethodPost, segments: []string{"v2", "bills", "ratings", "on-demand-resources"}, body: body}
	if err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	q, err := c.toOnDemandQuote(out, req)
	if err != nil {
		return nil, c.decodeError(opOnDemandPrice, http.StatusOK, fmt.Errorf("decode response: %w", err))
	}
	return q, nil
}

// toOnDemandQuote converts the response; every product asked must be
// priced, and nothing else.
func (c *httpClient) toOnDemandQuote(out onDemandRateResponse, req OnDemandPriceRequest) (*OnDemandQuote, error) {
	cur := c.orCurrency(out.Currency)
	if !out.Amount.Valid {
		return nil, fmt.Errorf("no amount")
	}
	q := &OnDemandQuote{}
	var err error
	if q.Amount, err = moneyFrom(out.Amount, out.MeasureID, cur); err != nil {
		return nil, err
	}
	if q.OfficialAmount, err = optMoney(out.OfficialWebsiteAmount, out.MeasureID, cur); err != nil {
		return nil, err
	}
	if q.DiscountAmount, err = optMoney(out.DiscountAmount, out.MeasureID, cur); err != nil {
		return nil, err
	}
	asked := map[string]bool{}
	for _, p := range req.Products {
		asked[p.ID] = true
	}
	for _, r := range out.ProductRatingResults {
		if !asked[r.ID] || !r.Amount.Valid {
			return nil, fmt.Errorf("price %s: not asked for, repeated or without amount", strconv.Quote(r.ID))
		}
		delete(asked, r.ID)
		it := OnDemandQuoteItem{ID: r.ID, ProductID: r.ProductID}
		if it.Amount, err = moneyFrom(r.Amount, r.MeasureID, cur); err != nil {
			return nil, err
		}
		if it.OfficialAmount, err = optMoney(r.OfficialWebsiteAmount, r.MeasureID, cur); err != nil {
			return nil, err
		}
		if it.DiscountAmount, err = optMoney(r.DiscountAmount, r.MeasureID, cur); err != nil {
			return nil, err
		}
		q.Items = append(q.Items, it)
	}
	if len(asked) > 0 {
		return nil, fmt.Errorf("%d products asked for were not priced", len(asked))
	}
	return q, nil
}
