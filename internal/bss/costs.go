package bss

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
)

type costTimeCondition struct {
	TimeMeasureID int    `json:"time_measure_id"`
	BeginTime     string `json:"begin_time"`
	EndTime       string `json:"end_time"`
}

type costFilterBody struct {
	Operator     int `json:"operator"`
	FilterFactor struct {
		Key   string   `json:"key"`
		Value []string `json:"value"`
	} `json:"filter_factor"`
}

type costDataBody struct {
	TimeCondition costTimeCondition `json:"time_condition"`
	GroupBy       []struct {
		Type string `json:"type"`
		Key  string `json:"key"`
	} `json:"groupby"`
	CostType   string           `json:"cost_type"`
	AmountType string           `json:"amount_type"`
	Filters    []costFilterBody `json:"filters,omitempty"`
	Offset     int              `json:"offset"`
	Limit      int              `json:"limit,omitempty"`
}

type costDataResponse struct {
	Currency   string  `json:"currency"`
	TotalCount wireInt `json:"total_count"`
	CostData   []struct {
		Dimensions []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"dimensions"`
		Costs []struct {
			TimeDimensionValue string      `json:"time_dimension_value"`
			TimeMeasureID      wireInt     `json:"time_measure_id"`
			Amount             wireDecimal `json:"amount"`
			OfficialAmount     wireDecimal `json:"official_amount"`
		} `json:"costs"`
		AmountByCosts         wireDecimal `json:"amount_by_costs"`
		OfficialAmountByCosts wireDecimal `json:"official_amount_by_costs"`
	} `json:"cost_data"`
}

var (
	dayRE   = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)
	monthRE = cycleRE
)

func validateCostData(op string, req CostDataRequest) error {
	var re *regexp.Regexp
	switch req.TimeMeasure {
	case TimeMeasureDay:
		re = dayRE
	case TimeMeasureMonth:
		re = monthRE
	default:
		return invalid(op, "time measure %d, want 1 (day) or 2 (month)", req.TimeMeasure)
	}
	if !re.MatchString(req.Begin) || !re.MatchString(req.End) || req.End < req.Begin {
		return invalid(op, "time range %q..%q does not match the time measure", req.Begin, req.End)
	}
	if len(req.GroupBy) == 0 || len(req.GroupBy) > maxCostGroupBy {
		return invalid(op, "%d groupings, want 1 or 2", len(req.GroupBy))
	}
	for _, g := range req.GroupBy {
		switch g.Type {
		case GroupByTypeDimension, GroupByTypeTag, GroupByTypeCostUnit:
		default:
			return invalid(op, "grouping type %q", g.Type)
		}
		if g.Key == "" || len(g.Key) > 128 {
			return invalid(op, "grouping key must have 1..128 characters")
		}
	}
	if req.CostType != CostTypeOriginal && req.CostType != CostTypeAmortized {
		return invalid(op, "cost type %q", req.CostType)
	}
	if req.AmountType != AmountTypePayment && req.AmountType != AmountTypeNet {
		return invalid(op, "amount type %q", req.AmountType)
	}
	if len(req.Filters) > maxCostFilters {
		return invalid(op, "%d filters, at most %d", len(req.Filters), maxCostFilters)
	}
	for _, f := range req.Filters {
		if f.Key == "" || len(f.Key) > 256 || len(f.Values) == 0 || len(f.Values) > maxCostFilterValues {
			return invalid(op, "filter %q needs a key and 1..%d values", f.Key, maxCostFilterValues)
		}
	}
	return checkPage(op, req.Offset, req.Limit, maxCostDataOffset, maxCostDataLimit)
}

// CostData implements Client. Cost amounts are strings in major units.
func (c *httpClient) CostData(ctx context.Context, req CostDataRequest) (*CostPage, error) {
	if err := validateCostData(opCostData.name, req); err != nil {
		return nil, err
	}
	body := costDataBody{
		TimeCondition: costTimeCondition{TimeMeasureID: req.TimeMeasure, BeginTime: req.Begin, EndTime: req.End},
		CostType:      req.CostType,
		AmountType:    req.AmountType,
		Offset:        req.Offset,
		Limit:         req.Limit,
	}
	for _, g := range req.GroupBy {
		body.GroupBy = append(body.GroupBy, struct {
			Type string `json:"type"`
			Key  string `json:"key"`
		}{g.Type, g.Key})
	}
	for _, f := range req.Filters {
		var fb costFilterBody
		if f.Exclude {
			fb.Operator = 1
		}
		fb.FilterFactor.Key = f.Key
		fb.FilterFactor.Value = f.Values
		body.Filters = append(body.Filters, fb)
	}
	var out costDataResponse
	cl := call{op: opCostData, method: http.MethodPost, segments: []string{"v4", "costs", "cost-analysed-bills", "query"},
		body: body, language: true}
	if err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	page, err := c.toCostPage(out)
	if err != nil {
		return nil, c.decodeError(opCostData, http.StatusOK, fmt.Errorf("decode response: %w", err))
	}
	return page, nil
}

func (c *httpClient) toCostPage(out costDataResponse) (*CostPage, error) {
	cur := c.orCurrency(out.Currency)
	page := &CostPage{Currency: cur, TotalCount: out.TotalCount.Int(0)}
	for _, d := range out.CostData {
		var rec CostRecord
		for _, dim := range d.Dimensions {
			rec.Dimensions = append(rec.Dimensions, CostDimension{Key: dim.Key, Value: dim.Value})
		}
		var err error
		if rec.Amount, err = moneyFrom(d.AmountByCosts, wireInt{}, cur); err != nil {
			return nil, err
		}
		if rec.OfficialAmount, err = moneyFrom(d.OfficialAmountByCosts, wireInt{}, cur); err != nil {
			return nil, err
		}
		for _, cst := range d.Costs {
			ca := CostAmount{Period: cst.TimeDimensionValue, TimeMeasure: cst.TimeMeasureID.Int(0)}
			if ca.Amount, err = moneyFrom(cst.Amount, wireInt{}, cur); err != nil {
				return nil, err
			}
			if ca.OfficialAmount, err = moneyFrom(cst.OfficialAmount, wireInt{}, cur); err != nil {
				return nil, err
			}
			rec.Costs = append(rec.Costs, ca)
		}
		page.Records = append(page.Records, rec)
	}
	return page, nil
}
