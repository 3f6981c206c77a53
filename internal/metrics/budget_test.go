package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// TestBudgetCollector: a BudgetAlert exports its limit, its ratios in the
// limit's currency, and its conditions with shared, sorted label pairs.
func TestBudgetCollector(t *testing.T) {
	b := &billingv1alpha1.BudgetAlert{
		ObjectMeta: metav1.ObjectMeta{Namespace: "finance", Name: "monthly"},
		Spec:       billingv1alpha1.BudgetAlertSpec{Limit: billingv1alpha1.Money{Amount: "1000", Currency: "USD"}},
		Status: billingv1alpha1.BudgetAlertStatus{Actual: usd("250"), Forecast: usd("1100"), Committed: usd("bad"),
			Conditions: []metav1.Condition{cond("ThresholdExceeded", metav1.ConditionTrue), cond("BalanceLow", metav1.ConditionUnknown)}},
	}
	reader := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(b).Build()
	c := NewBudgetCollector(reader)
	want := `
# HELP bss_operator_budget_limit The BudgetAlert's limit for one period.
# TYPE bss_operator_budget_limit gauge
bss_operator_budget_limit{currency="USD",name="monthly",namespace="finance"} 1000
# HELP bss_operator_budget_spend_ratio Spend of the current period divided by the limit, by basis (Actual, Forecasted, Committed); 1 is the limit.
# TYPE bss_operator_budget_spend_ratio gauge
bss_operator_budget_spend_ratio{basis="Actual",name="monthly",namespace="finance"} 0.25
bss_operator_budget_spend_ratio{basis="Forecasted",name="monthly",namespace="finance"} 1.1
# HELP bss_operator_budgetalert_condition 1 for the current status of each BudgetAlert condition (ThresholdExceeded, BalanceLow, Ready, ...).
# TYPE bss_operator_budgetalert_condition gauge
bss_operator_budgetalert_condition{condition="BalanceLow",name="monthly",namespace="finance",status="Unknown"} 1
bss_operator_budgetalert_condition{condition="ThresholdExceeded",name="monthly",namespace="finance",status="True"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
	checkSortedLabels(t, c)
}

// usd is an amount in USD.
func usd(amount string) *billingv1alpha1.Money {
	return &billingv1alpha1.Money{Amount: amount, Currency: "USD"}
}
