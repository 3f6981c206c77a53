package budget_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/budget"
)

// spendAccount starts a simulator with cost records in May 2024 (a closed
// month) and June 2024 (the open one) and returns a client for it.
func spendAccount(t *testing.T, currency string) bss.Client {
	t.Helper()
	sim, _, c := simAccount(t, time.Date(2024, 6, 20, 0, 0, 0, 0, time.UTC), "domain-sp", "10", currency)
	may := time.Date(2024, 5, 10, 0, 0, 0, 0, time.UTC)
	june := time.Date(2024, 6, 10, 0, 0, 0, 0, time.UTC)
	rec := func(at *time.Time, service, region string, mode int, amount string) simulator.CostRecordSeed {
		return simulator.CostRecordSeed{Account: "domain-sp", Time: at, ServiceTypeCode: service, ResourceTypeCode: "hws.resource.type.x",
			RegionCode: region, ChargingMode: mode, Amount: decimal.RequireFromString(amount)}
	}
	inv := &simulator.Inventory{CostRecords: []simulator.CostRecordSeed{
		rec(&may, "hws.service.type.ec2", "ap-southeast-1", 1, "100.00"),
		rec(&may, "hws.service.type.ec2", "ap-southeast-1", 3, "7.50"),
		rec(&may, "hws.service.type.rds", "cn-north-4", 1, "40.00"),
		rec(&june, "hws.service.type.ec2", "ap-southeast-1", 1, "30.00"),
		rec(&june, "hws.service.type.ec2", "cn-north-4", 3, "2.25"),
		rec(&june, "hws.service.type.rds", "ap-southeast-1", 3, "1.00"),
	}}
	if err := sim.LoadInventory(inv); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClosedMonthAndCostData measures spend from the summary bills and the
// cost data a budget reads, under each filter, without a control plane.
func TestClosedMonthAndCostData(t *testing.T) {
	c := spendAccount(t, "")
	june := budget.DayRange{First: "2024-06-01", Last: "2024-06-19"}
	for _, tc := range []struct {
		name                  string
		filters               billingv1alpha1.BudgetFilters
		mayActual, mayUsage   string
		juneActual, juneUsage string
	}{
		{name: "everything", mayActual: "147.50", mayUsage: "7.50", juneActual: "33.25", juneUsage: "3.25"},
		{name: "one service type",
			filters:   billingv1alpha1.BudgetFilters{ResourceSelector: billingv1alpha1.ResourceSelector{ServiceTypeCodes: []string{"hws.service.type.ec2"}}},
			mayActual: "107.50", mayUsage: "7.50", juneActual: "32.25", juneUsage: "2.25"},
		{name: "yearly/monthly only",
			filters:   billingv1alpha1.BudgetFilters{ChargingModes: []billingv1alpha1.ChargingMode{billingv1alpha1.ChargingModeYearlyMonthly}},
			mayActual: "140.00", mayUsage: "0", juneActual: "30.00", juneUsage: "0"},
		{name: "one region (cost data only: summary bills cannot filter by region)",
			filters:    billingv1alpha1.BudgetFilters{ResourceSelector: billingv1alpha1.ResourceSelector{RegionCodes: []string{"cn-north-4"}}},
			juneActual: "2.25", juneUsage: "2.25"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.mayActual != "" {
				may, err := budget.ClosedMonth(context.Background(), c, "2024-05", tc.filters)
				if err != nil {
					t.Fatal(err)
				}
				if !may.Actual.Equal(decimal.RequireFromString(tc.mayActual)) || !may.Usage.Equal(decimal.RequireFromString(tc.mayUsage)) {
					t.Errorf("May: actual %s usage %s, want %s and %s", may.Actual, may.Usage, tc.mayActual, tc.mayUsage)
				}
			}
			got, err := budget.CostData(context.Background(), c, tc.filters, june)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Actual.Equal(decimal.RequireFromString(tc.juneActual)) || !got.Usage.Equal(decimal.RequireFromString(tc.juneUsage)) {
				t.Errorf("June: actual %s usage %s, want %s and %s", got.Actual, got.Usage, tc.juneActual, tc.juneUsage)
			}
			if got.Currency == "" {
				t.Error("no currency")
			}
		})
	}
}

// TestSpendNeverConvertsCurrencies: adding figures in another currency is
// refused with a CurrencyError instead of summed.
func TestSpendNeverConvertsCurrencies(t *testing.T) {
	total := budget.Spend{Actual: decimal.RequireFromString("10"), Currency: "USD"}
	err := total.Add(budget.Spend{Actual: decimal.RequireFromString("5"), Currency: "CNY"})
	var ce *budget.CurrencyError
	if !errors.As(err, &ce) || ce.Got != "CNY" || ce.Want != "USD" {
		t.Fatalf("Add in another currency: %v", err)
	}
	if !total.Actual.Equal(decimal.RequireFromString("10")) {
		t.Fatalf("refused figures were added: %s", total.Actual)
	}
	if err := total.Add(budget.Spend{Actual: decimal.RequireFromString("5"), Usage: decimal.RequireFromString("1"), Currency: "USD"}); err != nil ||
		!total.Actual.Equal(decimal.RequireFromString("15")) || !total.Usage.Equal(decimal.RequireFromString("1")) {
		t.Fatalf("Add in the same currency: %v, %+v", err, total)
	}
}

func TestCostFilters(t *testing.T) {
	f := billingv1alpha1.BudgetFilters{
		ResourceSelector: billingv1alpha1.ResourceSelector{ServiceTypeCodes: []string{"hws.service.type.ec2"}, EnterpriseProjectIDs: []string{"ep-1"}},
		ChargingModes:    []billingv1alpha1.ChargingMode{billingv1alpha1.ChargingModePayPerUse, billingv1alpha1.ChargingModeSavingsPlan},
	}
	got := budget.CostFilters(f)
	want := map[string][]string{"CLOUD_SERVICE_TYPE": {"hws.service.type.ec2"}, "ENTERPRISE_PROJECT_ID": {"ep-1"}, "CHARGING_MODE": {"3", "11"}}
	if len(got) != len(want) {
		t.Fatalf("filters %+v", got)
	}
	for _, cf := range got {
		w, ok := want[cf.Key]
		if !ok || len(w) != len(cf.Values) {
			t.Fatalf("filter %+v, want %v", cf, w)
		}
		for i := range w {
			if w[i] != cf.Values[i] {
				t.Fatalf("filter %+v, want %v", cf, w)
			}
		}
	}
}
