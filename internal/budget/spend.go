package budget

import (
	"context"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

// maxCostPages bounds the pages of one 8.1 query (1000 groups a page).
const maxCostPages = 20

// Summary bills are read SummaryBillsPageLimit records a page, at most
// maxSummaryBillPages pages a month. No maximum is documented for limit;
// 100 is the smallest maximum of the other paged BSS lists (6.2.1), so a
// real account accepts it.
const (
	maxSummaryBillPages   = 50
	SummaryBillsPageLimit = 100
)

// Spend is money spent in a stretch of time, as BSS reports it.
type Spend struct {
	// Actual is all of it.
	Actual decimal.Decimal
	// Usage is the part of Actual that is not yearly/monthly (what a
	// forecast extrapolates).
	Usage decimal.Decimal
	// Currency of both figures; "" while nothing was read.
	Currency string
}

// Add adds another measurement; currencies are never converted.
func (s *Spend) Add(o Spend) error {
	if o.Currency != "" && s.Currency != "" && o.Currency != s.Currency {
		return &CurrencyError{Got: o.Currency, Want: s.Currency}
	}
	if s.Currency == "" {
		s.Currency = o.Currency
	}
	s.Actual = s.Actual.Add(o.Actual)
	s.Usage = s.Usage.Add(o.Usage)
	return nil
}

// CurrencyError is BSS data in a currency other than expected.
type CurrencyError struct{ Got, Want string }

func (e *CurrencyError) Error() string {
	return fmt.Sprintf("BSS reports amounts in %s but the budget is in %s; currencies are never converted", e.Got, e.Want)
}

// ChargingModeCode maps a charging mode onto its 8.1 CHARGING_MODE value
// (7.3 charge_mode: 1 yearly/monthly, 3 pay-per-use, 10 reserved
// instances, 11 savings plans); "" for none.
func ChargingModeCode(m billingv1alpha1.ChargingMode) string {
	switch m {
	case billingv1alpha1.ChargingModeYearlyMonthly:
		return "1"
	case billingv1alpha1.ChargingModePayPerUse:
		return "3"
	case billingv1alpha1.ChargingModeReservedInstance:
		return "10"
	case billingv1alpha1.ChargingModeSavingsPlan:
		return "11"
	}
	return ""
}

// CostFilters maps a budget's filters onto 8.1 filters.
func CostFilters(f billingv1alpha1.BudgetFilters) []bss.CostFilter {
	var out []bss.CostFilter
	add := func(key string, values []string) {
		if len(values) > 0 {
			out = append(out, bss.CostFilter{Key: key, Values: values})
		}
	}
	add("CLOUD_SERVICE_TYPE", f.ServiceTypeCodes)
	add("REGION_CODE", f.RegionCodes)
	add("ENTERPRISE_PROJECT_ID", f.EnterpriseProjectIDs)
	var modes []string
	for _, m := range f.ChargingModes {
		if code := ChargingModeCode(m); code != "" {
			modes = append(modes, code)
		}
	}
	add("CHARGING_MODE", modes)
	return out
}

// CostData sums the cost data (8.1, original cost, payment amount) of a
// range of days, grouped by charging mode so that yearly/monthly payments
// can be told from usage. It reads every page.
func CostData(ctx context.Context, cl bss.Client, f billingv1alpha1.BudgetFilters, days DayRange) (Spend, error) {
	req := bss.CostDataRequest{
		TimeMeasure: bss.TimeMeasureDay, Begin: days.First, End: days.Last,
		GroupBy:  []bss.CostGroupBy{{Type: bss.GroupByTypeDimension, Key: "CHARGING_MODE"}},
		CostType: bss.CostTypeOriginal, AmountType: bss.AmountTypePayment,
		Filters: CostFilters(f), Limit: 1000,
	}
	var out Spend
	for page := 0; page < maxCostPages; page++ {
		p, err := cl.CostData(ctx, req)
		if err != nil {
			return Spend{}, fmt.Errorf("cost data %s..%s: %w", days.First, days.Last, err)
		}
		if out.Currency == "" {
			out.Currency = p.Currency
		} else if p.Currency != out.Currency {
			return Spend{}, &CurrencyError{Got: p.Currency, Want: out.Currency}
		}
		for _, rec := range p.Records {
			out.Actual = out.Actual.Add(rec.Amount.Amount)
			if len(rec.Dimensions) == 0 || rec.Dimensions[0].Value != ChargingModeCode(billingv1alpha1.ChargingModeYearlyMonthly) {
				out.Usage = out.Usage.Add(rec.Amount.Amount)
			}
		}
		req.Offset += len(p.Records)
		if len(p.Records) == 0 || req.Offset >= p.TotalCount {
			return out, nil
		}
	}
	return Spend{}, fmt.Errorf("cost data %s..%s: more than %d pages", days.First, days.Last, maxCostPages)
}

// ClosedMonth is a closed month's spend from the v2 monthly summary bills
// (the SDK's ShowCustomerMonthlySum; §7.1 documents a v1.0 path). The v2
// records carry no enterprise project, so that filter goes into the
// request, one query per project; the service type and charging mode
// filters apply to the records. The bills cannot filter by region: a
// caller with a region filter reads those months from cost data instead
// (see Plan).
func ClosedMonth(ctx context.Context, cl bss.Client, month string, f billingv1alpha1.BudgetFilters) (Spend, error) {
	projects := f.EnterpriseProjectIDs
	if len(projects) == 0 {
		projects = []string{""} // every project
	}
	var out Spend
	for _, ep := range projects {
		if err := summaryBills(ctx, cl, month, ep, f, &out); err != nil {
			return Spend{}, err
		}
	}
	return out, nil
}

// summaryBills adds one enterprise project's (or, for "", every project's)
// spend of month to out, reading every page.
func summaryBills(ctx context.Context, cl bss.Client, month, project string, f billingv1alpha1.BudgetFilters, out *Spend) error {
	req := bss.SummaryBillsRequest{Cycle: month, EnterpriseProjectID: project, Limit: SummaryBillsPageLimit}
	for page := 0; page < maxSummaryBillPages; page++ {
		bills, err := cl.SummaryBills(ctx, req)
		if err != nil {
			return fmt.Errorf("summary bills of %s: %w", month, err)
		}
		if out.Currency == "" {
			out.Currency = bills.Currency
		} else if bills.Currency != out.Currency {
			return &CurrencyError{Got: bills.Currency, Want: out.Currency}
		}
		for _, bill := range bills.Bills {
			mode := BillChargingMode(bill.ChargingMode)
			if (len(f.ServiceTypeCodes) > 0 && !slices.Contains(f.ServiceTypeCodes, bill.ServiceTypeCode)) ||
				(len(f.ChargingModes) > 0 && !slices.Contains(f.ChargingModes, mode)) {
				continue
			}
			amount := bill.Consume.Amount
			if bill.BillType == bss.BillTypeRefund {
				// A refund, whichever sign BSS gives it.
				amount = amount.Abs().Neg()
			}
			out.Actual = out.Actual.Add(amount)
			if mode != billingv1alpha1.ChargingModeYearlyMonthly {
				out.Usage = out.Usage.Add(amount)
			}
		}
		req.Offset += len(bills.Bills)
		if len(bills.Bills) == 0 || req.Offset >= bills.TotalCount {
			return nil
		}
	}
	return fmt.Errorf("summary bills of %s: more than %d pages", month, maxSummaryBillPages)
}

// BillChargingMode maps a v2 summary bill's charging_mode onto a charging
// mode; "" is other.
func BillChargingMode(mode int) billingv1alpha1.ChargingMode {
	switch mode {
	case bss.BillChargingYearlyMonthly:
		return billingv1alpha1.ChargingModeYearlyMonthly
	case bss.BillChargingPayPerUse:
		return billingv1alpha1.ChargingModePayPerUse
	case bss.BillChargingReservedInstance:
		return billingv1alpha1.ChargingModeReservedInstance
	case bss.BillChargingSavingsPlan:
		return billingv1alpha1.ChargingModeSavingsPlan
	}
	return ""
}
