package simulator

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

type accountBalanceJSON struct {
	AccountID        string `json:"account_id"`
	AccountType      int    `json:"account_type"`
	Amount           num    `json:"amount"`
	Currency         string `json:"currency"`
	DesignatedAmount num    `json:"designated_amount"`
	CreditAmount     num    `json:"credit_amount"`
	MeasureID        int    `json:"measure_id"`
}

type balancesResponse struct {
	AccountBalances []accountBalanceJSON `json:"account_balances"`
	DebtAmount      num                  `json:"debt_amount"`
	MeasureID       int                  `json:"measure_id"`
	Currency        string               `json:"currency"`
}

// balances serves 5.1: the cash account (type 1) and, when the account has a
// credit limit, the credit account (type 2, amount = the total limit).
func (s *Server) balances(c *call) reply {
	a := c.account
	zero := numOf(decimal.Zero)
	resp := balancesResponse{DebtAmount: numOf(a.Debt), MeasureID: 1, Currency: a.Currency,
		AccountBalances: []accountBalanceJSON{{
			AccountID: "AT" + strings.ToUpper(shortID(a.DomainID)) + "01", AccountType: 1, Amount: numOf(a.Cash),
			Currency: a.Currency, DesignatedAmount: zero, CreditAmount: zero, MeasureID: 1,
		}}}
	if a.CreditLimit.IsPositive() {
		resp.AccountBalances = append(resp.AccountBalances, accountBalanceJSON{
			AccountID: "AT" + strings.ToUpper(shortID(a.DomainID)) + "02", AccountType: 2,
			Amount: numOf(a.CreditLimit), Currency: a.Currency, DesignatedAmount: zero,
			CreditAmount: numOf(a.CreditLimit), MeasureID: 1,
		})
	}
	return ok(resp)
}

func shortID(id string) string {
	if len(id) > 14 {
		return id[:14]
	}
	return id
}

// billSumV2JSON is the SDK's BillSumRecordInfoV2 (bssintl
// ShowCustomerMonthlySum): amounts in currency units.
type billSumV2JSON struct {
	BillCycle                 string `json:"bill_cycle"`
	ResourceTypeCode          string `json:"resource_type_code"`
	ServiceTypeCode           string `json:"service_type_code"`
	ServiceTypeName           string `json:"service_type_name"`
	ResourceTypeName          string `json:"resource_type_name"`
	ChargingMode              int    `json:"charging_mode"`
	OfficialAmount            num    `json:"official_amount"`
	OfficialDiscountAmount    num    `json:"official_discount_amount"`
	TruncatedAmount           num    `json:"truncated_amount"`
	ConsumeAmount             num    `json:"consume_amount"`
	CouponAmount              num    `json:"coupon_amount"`
	FlexipurchaseCouponAmount num    `json:"flexipurchase_coupon_amount"`
	StoredValueCardAmount     num    `json:"stored_value_card_amount"`
	DebtAmount                num    `json:"debt_amount"`
	WriteoffAmount            num    `json:"writeoff_amount"`
	CashAmount                num    `json:"cash_amount"`
	CreditAmount              num    `json:"credit_amount"`
	MeasureID                 int    `json:"measure_id"`
	BillType                  int    `json:"bill_type"`
	CustomerID                string `json:"customer_id"`
	AccountName               string `json:"account_name"`
}

// monthlySumResponse is the SDK's ShowCustomerMonthlySumResponse. Unlike
// the v1.0 API of §7.1 it has no error_code on success.
type monthlySumResponse struct {
	TotalCount                int             `json:"total_count"`
	BillSums                  []billSumV2JSON `json:"bill_sums"`
	ConsumeAmount             num             `json:"consume_amount"`
	DebtAmount                num             `json:"debt_amount"`
	CouponAmount              num             `json:"coupon_amount"`
	FlexipurchaseCouponAmount num             `json:"flexipurchase_coupon_amount"`
	StoredValueCardAmount     num             `json:"stored_value_card_amount"`
	CashAmount                num             `json:"cash_amount"`
	CreditAmount              num             `json:"credit_amount"`
	WriteoffAmount            num             `json:"writeoff_amount"`
	MeasureID                 int             `json:"measure_id"`
	Currency                  string          `json:"currency"`
}

// Bill types of the v2 monthly sum (BillSumRecordInfoV2.bill_type).
const (
	billSumConsumption = 1
	billSumRefund      = 2
)

// monthlySumMaxLimit is the page-size bound of the v2 monthly sum. The
// reference documents only v1.0 (no paging); 1000 follows 7.3 and 8.1.
const monthlySumMaxLimit = 1000

// monthlySum serves the v2 monthly summary bills,
// GET /v2/bills/customer-bills/monthly-sum, in the shape of the official
// SDK's models (the reference documents only the v1.0 path, §7.1, which
// the simulator does not serve; see docs/simulator.md): the cost records of
// the GMT+08:00 bill_cycle summed by service type, resource type, charging
// mode and bill type (1 consumption, 2 refund), in currency units
// (measure_id 1), paged by offset/limit.
func (s *Server) monthlySum(c *call) reply {
	q := c.r.URL.Query()
	cycle := q.Get("bill_cycle")
	if _, err := time.Parse("2006-01", cycle); err != nil || len(cycle) != 7 {
		return badParam("bill_cycle must be YYYY-MM.")
	}
	offset, limit := 0, 10
	if q.Has("offset") {
		n, err := strconv.Atoi(q.Get("offset"))
		if err != nil || n < 0 {
			return badParam("offset must be a non-negative integer.")
		}
		offset = n
	}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > monthlySumMaxLimit {
			return badParam("limit must be 1 to 1000.")
		}
		limit = n
	}
	if m := q.Get("method"); q.Has("method") && m != "" && m != "oneself" && m != "sub_customer" && m != "all" {
		return badParam("method must be oneself, sub_customer or all.")
	}
	svc := q.Get("service_type_code")
	ep := q.Get("enterprise_project_id")
	if q.Has("enterprise_project_id") && ep == "" {
		return badParam("enterprise_project_id cannot be an empty string.")
	}
	type key struct {
		svc, res     string
		charge, bill int
	}
	type agg struct{ official, amount, cash, credit, coupon, debt decimal.Decimal }
	sums := map[key]*agg{}
	var keys []key
	totals := agg{}
	for _, cr := range s.st.costs {
		if cr.AccountID != c.account.DomainID || cr.Time.In(bssZone()).Format("2006-01") != cycle ||
			(svc != "" && cr.ServiceTypeCode != svc) || (ep != "" && cr.EnterpriseProjectID != ep) {
			continue
		}
		k := key{svc: cr.ServiceTypeCode, res: cr.ResourceTypeCode, charge: cr.ChargingMode, bill: billSumConsumption}
		if cr.BillType == billTypeRefund {
			k.bill = billSumRefund
		}
		a := sums[k]
		if a == nil {
			a = &agg{}
			sums[k] = a
			keys = append(keys, k)
		}
		for _, p := range []struct {
			dst *decimal.Decimal
			v   decimal.Decimal
		}{{&a.official, cr.Official}, {&a.amount, cr.Amount}, {&a.cash, cr.Cash}, {&a.credit, cr.Credit},
			{&a.coupon, cr.Coupon}, {&a.debt, cr.Debt},
			{&totals.amount, cr.Amount}, {&totals.cash, cr.Cash}, {&totals.credit, cr.Credit},
			{&totals.coupon, cr.Coupon}, {&totals.debt, cr.Debt}} {
			*p.dst = p.dst.Add(p.v)
		}
	}
	zero := numOf(decimal.Zero)
	resp := monthlySumResponse{TotalCount: len(keys), BillSums: []billSumV2JSON{},
		ConsumeAmount: numOf(totals.amount), DebtAmount: numOf(totals.debt), CouponAmount: numOf(totals.coupon),
		FlexipurchaseCouponAmount: zero, StoredValueCardAmount: zero, CashAmount: numOf(totals.cash),
		CreditAmount: numOf(totals.credit), WriteoffAmount: zero, MeasureID: 1, Currency: c.account.Currency}
	for i, k := range keys {
		if i < offset || i >= offset+limit {
			continue
		}
		a := sums[k]
		resp.BillSums = append(resp.BillSums, billSumV2JSON{BillCycle: cycle, ResourceTypeCode: k.res,
			ServiceTypeCode: k.svc, ServiceTypeName: k.svc, ResourceTypeName: k.res, ChargingMode: k.charge,
			OfficialAmount: numOf(a.official), OfficialDiscountAmount: numOf(a.official.Sub(a.amount)),
			TruncatedAmount: zero, ConsumeAmount: numOf(a.amount), CouponAmount: numOf(a.coupon),
			FlexipurchaseCouponAmount: zero, StoredValueCardAmount: zero, DebtAmount: numOf(a.debt),
			WriteoffAmount: zero, CashAmount: numOf(a.cash), CreditAmount: numOf(a.credit), MeasureID: 1,
			BillType: k.bill, CustomerID: c.account.DomainID, AccountName: c.account.Name})
	}
	return ok(resp)
}

type costQueryRequest struct {
	TimeCondition *struct {
		TimeMeasureID int    `json:"time_measure_id"`
		BeginTime     string `json:"begin_time"`
		EndTime       string `json:"end_time"`
	} `json:"time_condition"`
	GroupBy []struct {
		Type string `json:"type"`
		Key  string `json:"key"`
	} `json:"groupby"`
	CostType   string       `json:"cost_type"`
	AmountType string       `json:"amount_type"`
	Filters    []costFilter `json:"filters"`
	Offset     *int         `json:"offset"`
	Limit      *int         `json:"limit"`
}

type costFilter struct {
	Operator     *int `json:"operator"`
	FilterFactor struct {
		Key   string   `json:"key"`
		Value []string `json:"value"`
	} `json:"filter_factor"`
}

type dimensionJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type costJSON struct {
	TimeDimensionValue string `json:"time_dimension_value"`
	TimeMeasureID      int    `json:"time_measure_id"`
	Amount             string `json:"amount"`
	OfficialAmount     string `json:"official_amount"`
}

type costDataJSON struct {
	Dimensions            []dimensionJSON `json:"dimensions"`
	Costs                 []costJSON      `json:"costs"`
	AmountByCosts         string          `json:"amount_by_costs"`
	OfficialAmountByCosts string          `json:"official_amount_by_costs"`
}

// costGroup accumulates one cost_data entry.
type costGroup struct {
	dims             []dimensionJSON
	official, amount decimal.Decimal
	buckets          map[string]*[2]decimal.Decimal
	bucketOrder      []string
}

type costDataResponse struct {
	Currency   string         `json:"currency"`
	TotalCount int            `json:"total_count"`
	CostData   []costDataJSON `json:"cost_data"`
}

// dimensionValue returns the value of a cost dimension of record cr.
func dimensionValue(cr *CostRecord, key string) (string, bool) {
	switch key {
	case "CLOUD_SERVICE_TYPE":
		return cr.ServiceTypeCode, true
	case "RESOURCE_TYPE":
		return cr.ResourceTypeCode, true
	case "REGION_CODE":
		return cr.RegionCode, true
	case "RESOURCE_ID":
		return cr.ResourceID, true
	case "RES_SPEC_CODE":
		return cr.SpecCode, true
	case "ENTERPRISE_PROJECT_ID":
		return cr.EnterpriseProjectID, true
	case "CHARGING_MODE":
		return itoa(cr.ChargingMode), true
	case "BILL_TYPE":
		return itoa(cr.BillType), true
	case "ASSOCIATED_ACCOUNT", "PAYER_ACCOUNT_ID":
		return cr.AccountID, true
	}
	return "", false
}

// costData serves 8.1. Records are bucketed by GMT+08:00 day or month and
// grouped by up to two dimensions; tag and cost_unit groupings put
// everything in "Group:noTagKey" / "Group:noCostUnit" (no tags are modelled).
// AMORTIZED_COST returns the same figures as ORIGINAL_COST. PAYMENT_AMOUNT
// includes coupons; NET_AMOUNT excludes them.
func (s *Server) costData(c *call) reply {
	var req costQueryRequest
	if err := decodeBody(c.body, &req); err != nil {
		return badParam(err.Error())
	}
	tc := req.TimeCondition
	if tc == nil || (tc.TimeMeasureID != 1 && tc.TimeMeasureID != 2) {
		return badParam("time_condition with time_measure_id 1 or 2 is mandatory.")
	}
	layout := "2006-01-02"
	if tc.TimeMeasureID == 2 {
		layout = "2006-01"
	}
	begin, err1 := time.ParseInLocation(layout, tc.BeginTime, bssZone())
	end, err2 := time.ParseInLocation(layout, tc.EndTime, bssZone())
	if err1 != nil || err2 != nil || end.Before(begin) {
		return badParam("begin_time/end_time must match time_measure_id and begin <= end.")
	}
	if tc.TimeMeasureID == 2 {
		end = end.AddDate(0, 1, 0)
	} else {
		end = end.AddDate(0, 0, 1)
	}
	if begin.Before(c.now.In(bssZone()).AddDate(0, -18, 0).AddDate(0, 0, -1)) {
		return badParam("Only the cost data within 18 months can be queried.")
	}
	if req.CostType != "ORIGINAL_COST" && req.CostType != "AMORTIZED_COST" {
		return badParam("cost_type must be ORIGINAL_COST or AMORTIZED_COST.")
	}
	if req.AmountType != "PAYMENT_AMOUNT" && req.AmountType != "NET_AMOUNT" {
		return badParam("amount_type must be PAYMENT_AMOUNT or NET_AMOUNT.")
	}
	if len(req.GroupBy) == 0 || len(req.GroupBy) > 2 {
		return badParam("groupby must hold 1 or 2 values.")
	}
	for _, g := range req.GroupBy {
		if g.Type == "dimension" {
			if _, known := dimensionValue(&CostRecord{}, g.Key); !known {
				return badParam("unsupported dimension " + g.Key)
			}
		} else if g.Type != "tag" && g.Type != "cost_unit" {
			return badParam("groupby type must be tag, cost_unit or dimension.")
		}
	}
	for _, f := range req.Filters {
		if f.Operator == nil || (*f.Operator != 0 && *f.Operator != 1) || len(f.FilterFactor.Value) == 0 {
			return badParam("filters need operator 0/1 and at least one value.")
		}
		if _, known := dimensionValue(&CostRecord{}, f.FilterFactor.Key); !known {
			return badParam("unsupported filter key " + f.FilterFactor.Key)
		}
	}
	offset, limit := 0, 10
	if req.Offset != nil {
		offset = *req.Offset
	}
	if req.Limit != nil {
		limit = *req.Limit
	}
	if offset < 0 || offset > 200000 || limit < 1 || limit > 1000 {
		return badParam("offset must be 0-200000 and limit 1-1000.")
	}
	groups := map[string]*costGroup{}
	var order []string
	for _, cr := range s.st.costs {
		t := cr.Time.In(bssZone())
		if cr.AccountID != c.account.DomainID || t.Before(begin) || !t.Before(end) || !matchFilters(cr, req.Filters) {
			continue
		}
		var dims []dimensionJSON
		for _, g := range req.GroupBy {
			switch g.Type {
			case "tag":
				dims = append(dims, dimensionJSON{Key: "tag", Value: "Group:noTagKey"})
			case "cost_unit":
				dims = append(dims, dimensionJSON{Key: "cost_unit", Value: "Group:noCostUnit"})
			default:
				v, _ := dimensionValue(cr, g.Key)
				dims = append(dims, dimensionJSON{Key: g.Key, Value: v})
			}
		}
		gk := ""
		for _, d := range dims {
			gk += d.Key + "=" + d.Value + "\x00"
		}
		g := groups[gk]
		if g == nil {
			g = &costGroup{dims: dims, buckets: map[string]*[2]decimal.Decimal{}}
			groups[gk] = g
			order = append(order, gk)
		}
		bucket := t.Format(layout)
		b := g.buckets[bucket]
		if b == nil {
			b = &[2]decimal.Decimal{}
			g.buckets[bucket] = b
			g.bucketOrder = append(g.bucketOrder, bucket)
		}
		amt := cr.Amount
		if req.AmountType == "NET_AMOUNT" {
			amt = amt.Sub(cr.Coupon)
		}
		b[0], b[1] = b[0].Add(amt), b[1].Add(cr.Official)
		g.amount, g.official = g.amount.Add(amt), g.official.Add(cr.Official)
	}
	slices.Sort(order)
	resp := costDataResponse{Currency: c.account.Currency, TotalCount: len(order), CostData: []costDataJSON{}}
	for i := offset; i < len(order) && i < offset+limit; i++ {
		g := groups[order[i]]
		slices.Sort(g.bucketOrder)
		cd := costDataJSON{Dimensions: g.dims, Costs: []costJSON{},
			AmountByCosts: g.amount.StringFixed(2), OfficialAmountByCosts: g.official.StringFixed(2)}
		for _, bk := range g.bucketOrder {
			b := g.buckets[bk]
			cd.Costs = append(cd.Costs, costJSON{TimeDimensionValue: bk, TimeMeasureID: tc.TimeMeasureID,
				Amount: b[0].StringFixed(2), OfficialAmount: b[1].StringFixed(2)})
		}
		resp.CostData = append(resp.CostData, cd)
	}
	return ok(resp)
}

func matchFilters(cr *CostRecord, filters []costFilter) bool {
	for _, f := range filters {
		v, _ := dimensionValue(cr, f.FilterFactor.Key)
		in := slices.Contains(f.FilterFactor.Value, v)
		if (*f.Operator == 0) != in {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	return decimal.NewFromInt(int64(n)).String()
}
