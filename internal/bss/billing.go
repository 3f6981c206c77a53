package bss

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
)

// Operations on balances, bills and costs (§5.1, §7.1, §8.1).
var (
	opBalances     = operation{name: "Balances", api: apiBalances}
	opSummaryBills = operation{name: "SummaryBills", api: apiMonthlySum}
	opCostData     = operation{name: "CostData", api: apiCosts}
)

type wireAccountBalance struct {
	AccountID        string      `json:"account_id"`
	AccountType      wireInt     `json:"account_type"`
	Amount           wireDecimal `json:"amount"`
	Currency         string      `json:"currency"`
	DesignatedAmount wireDecimal `json:"designated_amount"`
	CreditAmount     wireDecimal `json:"credit_amount"`
	MeasureID        wireInt     `json:"measure_id"`
}

type balancesResponse struct {
	AccountBalances []wireAccountBalance `json:"account_balances"`
	DebtAmount      wireDecimal          `json:"debt_amount"`
	MeasureID       wireInt              `json:"measure_id"`
	Currency        string               `json:"currency"`
}

// Balances implements Client.
func (c *httpClient) Balances(ctx context.Context) (*Balances, error) {
	var out balancesResponse
	cl := call{op: opBalances, method: http.MethodGet, segments: []string{"v2", "accounts", "customer-accounts", "balances"}}
	if err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	b, err := c.toBalances(out)
	if err != nil {
		return nil, c.decodeError(opBalances, http.StatusOK, fmt.Errorf("decode response: %w", err))
	}
	return b, nil
}

func (c *httpClient) toBalances(out balancesResponse) (*Balances, error) {
	cur := c.orCurrency(out.Currency)
	b := &Balances{}
	var err error
	if b.Debt, err = moneyFrom(out.DebtAmount, out.MeasureID, measureUnit, cur); err != nil {
		return nil, err
	}
	for _, a := range out.AccountBalances {
		if !a.AccountType.Valid || !a.Amount.Valid {
			return nil, fmt.Errorf("account %s without type or amount", a.AccountID)
		}
		acur := cur
		if a.Currency != "" {
			acur = a.Currency
		}
		ab := AccountBalance{ID: a.AccountID, Type: AccountType(a.AccountType.V)}
		if ab.Amount, err = moneyFrom(a.Amount, a.MeasureID, measureUnit, acur); err != nil {
			return nil, err
		}
		if ab.Designated, err = moneyFrom(a.DesignatedAmount, a.MeasureID, measureUnit, acur); err != nil {
			return nil, err
		}
		if ab.Credit, err = moneyFrom(a.CreditAmount, a.MeasureID, measureUnit, acur); err != nil {
			return nil, err
		}
		b.Accounts = append(b.Accounts, ab)
	}
	return b, nil
}

var cycleRE = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

type wireBillSum struct {
	CustomerID           string      `json:"customer_id"`
	ResourceTypeCode     string      `json:"resource_type_code"`
	RegionCode           string      `json:"region_code"`
	CloudServiceTypeCode string      `json:"cloud_service_type_code"`
	ConsumeTime          string      `json:"consume_time"`
	PayMethod            string      `json:"pay_method"`
	ConsumeAmount        wireDecimal `json:"consume_amount"`
	Debt                 wireDecimal `json:"debt"`
	Discount             wireDecimal `json:"discount"`
	MeasureID            wireInt     `json:"measure_id"`
	BillType             wireInt     `json:"bill_type"`
	AccountDetails       []struct {
		BalanceTypeID string      `json:"balance_type_id"`
		DeductAmount  wireDecimal `json:"deduct_amount"`
	} `json:"account_details"`
	DiscountDetailInfos []struct {
		PromotionType  string      `json:"promotion_type"`
		DiscountAmount wireDecimal `json:"discount_amount"`
		PromotionID    string      `json:"promotion_id"`
		MeasureID      wireInt     `json:"measure_id"`
	} `json:"discount_detail_infos"`
	EnterpriseProjectID string `json:"enterpriseProjectId"`
}

type summaryBillsResponse struct {
	Currency         string        `json:"currency"`
	TotalCount       wireInt       `json:"total_count"`
	BillSums         []wireBillSum `json:"bill_sums"`
	TotalAmount      wireDecimal   `json:"total_amount"`
	DebtAmount       wireDecimal   `json:"debt_amount"`
	CouponAmount     wireDecimal   `json:"coupon_amount"`
	CashcouponAmount wireDecimal   `json:"cashcoupon_amount"`
	StoredcardAmount wireDecimal   `json:"storedcard_amount"`
	DebitAmount      wireDecimal   `json:"debit_amount"`
	CreditAmount     wireDecimal   `json:"credit_amount"`
	MeasureID        wireInt       `json:"measure_id"`
}

// SummaryBills implements Client. Summary bills default to cents
// (measure_id 3); amounts are converted to major units.
func (c *httpClient) SummaryBills(ctx context.Context, req SummaryBillsRequest) (*SummaryBills, error) {
	op := opSummaryBills.name
	if err := checkID(op, "domain id (Config.DomainID)", c.domainID); err != nil {
		return nil, err
	}
	if !cycleRE.MatchString(req.Cycle) {
		return nil, invalid(op, "cycle %q is not YYYY-MM", req.Cycle)
	}
	if len(req.ServiceTypeCode) > 256 {
		return nil, invalid(op, "service type code longer than 256 characters")
	}
	q := map[string][]string{"cycle": {req.Cycle}}
	if req.ServiceTypeCode != "" {
		q["cloud_service_type_code"] = []string{req.ServiceTypeCode}
	}
	if req.PartnerBudgetAccount {
		q["type"] = []string{"1"}
	}
	if req.EnterpriseProjectID != "" {
		q["enterpriseProjectId"] = []string{req.EnterpriseProjectID}
	}
	var out summaryBillsResponse
	cl := call{op: opSummaryBills, method: http.MethodGet, query: q,
		segments: []string{"v1.0", c.domainID, "customer", "account-mgr", "bill", "monthly-sum"}}
	if err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	s, err := c.toSummaryBills(out)
	if err != nil {
		return nil, c.decodeError(opSummaryBills, http.StatusOK, fmt.Errorf("decode response: %w", err))
	}
	return s, nil
}

func (c *httpClient) toSummaryBills(out summaryBillsResponse) (*SummaryBills, error) {
	cur := c.orCurrency(out.Currency)
	s := &SummaryBills{Currency: cur, TotalCount: out.TotalCount.Int(0)}
	for _, f := range []struct {
		dst *Money
		src wireDecimal
	}{
		{&s.Total, out.TotalAmount}, {&s.Debt, out.DebtAmount}, {&s.Coupon, out.CouponAmount},
		{&s.CashCoupon, out.CashcouponAmount}, {&s.StoredCard, out.StoredcardAmount},
		{&s.Debit, out.DebitAmount}, {&s.Credit, out.CreditAmount},
	} {
		m, err := moneyFrom(f.src, out.MeasureID, measureCent, cur)
		if err != nil {
			return nil, err
		}
		*f.dst = m
	}
	for _, w := range out.BillSums {
		measure := w.MeasureID
		if !measure.Valid {
			measure = out.MeasureID
		}
		b := BillSummary{CustomerID: w.CustomerID, ServiceTypeCode: w.CloudServiceTypeCode, ResourceTypeCode: w.ResourceTypeCode,
			RegionCode: w.RegionCode, ConsumeTime: w.ConsumeTime, PayMethod: w.PayMethod, BillType: w.BillType.Int(0),
			EnterpriseProjectID: w.EnterpriseProjectID}
		var err error
		if b.ConsumeAmount, err = moneyFrom(w.ConsumeAmount, measure, measureCent, cur); err != nil {
			return nil, err
		}
		if b.Debt, err = moneyFrom(w.Debt, measure, measureCent, cur); err != nil {
			return nil, err
		}
		if b.Discount, err = moneyFrom(w.Discount, measure, measureCent, cur); err != nil {
			return nil, err
		}
		for _, a := range w.AccountDetails {
			m, err := moneyFrom(a.DeductAmount, measure, measureCent, cur)
			if err != nil {
				return nil, err
			}
			b.Deductions = append(b.Deductions, BalanceDeduction{BalanceTypeID: a.BalanceTypeID, Amount: m})
		}
		for _, d := range w.DiscountDetailInfos {
			m, err := moneyFrom(d.DiscountAmount, d.MeasureID, measureCent, cur)
			if err != nil {
				return nil, err
			}
			b.Discounts = append(b.Discounts, BillDiscount{PromotionType: d.PromotionType, PromotionID: d.PromotionID, Amount: m})
		}
		s.Bills = append(s.Bills, b)
	}
	return s, nil
}
