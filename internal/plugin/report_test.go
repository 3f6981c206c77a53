package plugin_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/plugin"
	"github.com/bss-operator/bss-operator/internal/report"
	bssscheme "github.com/bss-operator/bss-operator/internal/scheme"
)

// reportObjects are two namespaces' objects as the operator leaves them:
// in "team", two renewals quoted in USD (one with a saving), one not
// quoted yet and one beyond 30 days; in "cn", one renewal in CNY.
func reportObjects() []client.Object {
	month := billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitMonth, Count: 1}
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }
	day := 24 * time.Hour
	sub := func(ns, name string, in time.Duration, price *billingv1alpha1.Money) *billingv1alpha1.Subscription {
		s := subscription(ns, name, billingv1alpha1.ManagementManage)
		s.Status = billingv1alpha1.SubscriptionStatus{ExpireTime: at(in + 14*day), RenewalTime: at(in),
			Resource: &billingv1alpha1.ObservedResource{EnterpriseProjectID: "ep-" + ns}}
		if price != nil {
			s.Status.LastQuote = &billingv1alpha1.PriceQuote{Price: *price, Period: &month, QuotedAt: at(-time.Hour)}
		}
		return s
	}
	web := sub("team", "web", 3*day, &billingv1alpha1.Money{Amount: "10.00", Currency: "USD"})
	web.Status.LongerTermQuote = &billingv1alpha1.LongerTermQuote{Period: billingv1alpha1.RenewalPeriod{Unit: billingv1alpha1.PeriodUnitYear, Count: 1},
		Price: &billingv1alpha1.Money{Amount: "100.00", Currency: "USD"}, ComparedPeriod: &month,
		ComparedPrice: &billingv1alpha1.Money{Amount: "10.00", Currency: "USD"}, SavingPerYear: &billingv1alpha1.Money{Amount: "20.00", Currency: "USD"}}
	policy := func(ns string) *billingv1alpha1.RenewalPolicy {
		return &billingv1alpha1.RenewalPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "monthly"},
			Spec: billingv1alpha1.RenewalPolicySpec{Mode: billingv1alpha1.RenewalModeRenew, Renew: &billingv1alpha1.RenewSpec{Period: month}}}
	}
	return []client.Object{policy("team"), policy("cn"), web,
		sub("team", "db", 4*day, &billingv1alpha1.Money{Amount: "5.25", Currency: "USD"}),
		sub("team", "new", 5*day, nil),
		sub("team", "later", 40*day, &billingv1alpha1.Money{Amount: "999.00", Currency: "USD"}),
		sub("cn", "cache", 6*day, &billingv1alpha1.Money{Amount: "70.00", Currency: "CNY"})}
}

// runReport runs `kubectl bss report args...` against a fake cluster
// holding reportObjects, with "team" as the context's namespace.
func runReport(t *testing.T, args ...string) string {
	t.Helper()
	scheme, err := bssscheme.New()
	if err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(reportObjects()...).Build()
	var out bytes.Buffer
	app := &plugin.App{Connect: func(plugin.KubeFlags) (plugin.Target, error) { return plugin.Target{Client: c, Namespace: "team"}, nil },
		Out: &out, Err: &out, Now: func() time.Time { return now }}
	cmd := app.Command()
	cmd.SetArgs(append([]string{"report"}, args...))
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("report %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}

func TestReportJSON(t *testing.T) {
	var rep report.Report
	if err := json.Unmarshal([]byte(runReport(t, "-A", "-o", "json")), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 4 || rep.Days != 30 {
		t.Fatalf("%d rows over %d days, want 4 over 30 (the renewal in 40 days left out)", len(rep.Rows), rep.Days)
	}
	got := map[string]report.Total{}
	for _, tot := range rep.Totals {
		got[tot.Currency] = tot
	}
	if u := got["USD"]; u.Amount != "15.25" || u.Payments != 2 || u.SavingPerYear != "20.00" {
		t.Errorf("USD %+v, want 15.25 over 2 payments, saving 20.00", u)
	}
	if c := got["CNY"]; c.Amount != "70.00" || c.Payments != 1 {
		t.Errorf("CNY %+v, want 70.00 on its own", c)
	}
	if rep.Unpriced != 1 {
		t.Errorf("unpriced %d, want 1 (the Subscription not quoted yet)", rep.Unpriced)
	}
	if len(rep.ByEnterpriseProject) != 2 || len(rep.ByAccount) != 2 {
		t.Errorf("groups: projects %+v accounts %+v", rep.ByEnterpriseProject, rep.ByAccount)
	}
}

func TestReportCSV(t *testing.T) {
	recs, err := csv.NewReader(strings.NewReader(runReport(t, "--days", "60", "-o", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	rows := recs[1:]
	// Only the context's namespace; 60 days take in the renewal in 40 days
	// and a second renewal of each monthly one.
	if len(rows) != 4 {
		t.Fatalf("rows %v, want the 4 of namespace team", rows)
	}
	sum, unknown := decimal.Zero, 0
	for _, r := range rows {
		if r[col["namespace"]] != "team" {
			t.Errorf("row of namespace %s", r[col["namespace"]])
		}
		if r[col["priceSource"]] == string(report.PriceUnknown) {
			unknown++
			if r[col["amount"]] != "" {
				t.Errorf("unknown price with amount %q", r[col["amount"]])
			}
			continue
		}
		if r[col["currency"]] != "USD" {
			t.Errorf("currency %s", r[col["currency"]])
		}
		sum = sum.Add(decimal.RequireFromString(r[col["amount"]]))
	}
	// web 2 × 10.00, db 2 × 5.25, later 1 × 999.00.
	if want := decimal.RequireFromString("1029.50"); !sum.Equal(want) || unknown != 1 {
		t.Errorf("sum of amounts %s with %d unknown, want %s and 1", sum, unknown, want)
	}
}

func TestReportTable(t *testing.T) {
	out := runReport(t, "-A")
	for _, want := range []string{"TOTALS PER CURRENCY", "BY ACCOUNT", "BY POLICY", "BY ENTERPRISE PROJECT",
		"unknown price: 1 payment(s)", "cn/huawei", "team/monthly"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	totals := map[string][]string{}
	inTotals := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "TOTALS PER CURRENCY"):
			inTotals = true
		case inTotals && len(f) == 4 && (f[0] == "USD" || f[0] == "CNY"):
			totals[f[0]] = f[1:]
		case strings.HasPrefix(line, "unknown price"):
			inTotals = false
		}
	}
	if u := totals["USD"]; len(u) != 3 || u[0] != "15.25" || u[1] != "2" || u[2] != "20.00" {
		t.Errorf("USD totals %v, want 15.25, 2 payments, 20.00 saving", u)
	}
	if c := totals["CNY"]; len(c) != 3 || c[0] != "70.00" {
		t.Errorf("CNY totals %v, want 70.00", c)
	}
}

func TestReportRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-o", "yaml"}, {"--days", "0"}} {
		app := &plugin.App{Connect: func(plugin.KubeFlags) (plugin.Target, error) {
			t.Fatal("connected despite bad flags")
			return plugin.Target{}, nil
		}, Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}
		cmd := app.Command()
		cmd.SetArgs(append([]string{"report"}, args...))
		if err := cmd.ExecuteContext(context.Background()); err == nil {
			t.Errorf("report %v succeeded", args)
		}
	}
}
