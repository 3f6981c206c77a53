package budget

import (
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestBounds(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	ny := mustZone(t, "America/New_York")
	tests := []struct {
		name       string
		period     billingv1alpha1.BudgetPeriod
		at         time.Time
		loc        *time.Location
		start, end string
	}{
		{"monthly in Shanghai, UTC evening is next day", billingv1alpha1.BudgetMonthly,
			time.Date(2027, 1, 31, 17, 0, 0, 0, time.UTC), sh, "2027-01-31T16:00:00Z", "2027-02-28T16:00:00Z"},
		{"monthly last instant", billingv1alpha1.BudgetMonthly,
			time.Date(2027, 1, 31, 15, 59, 59, 0, time.UTC), sh, "2026-12-31T16:00:00Z", "2027-01-31T16:00:00Z"},
		{"empty period is monthly", "", time.Date(2027, 3, 5, 0, 0, 0, 0, time.UTC), time.UTC,
			"2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z"},
		{"quarterly Q4 crosses the year", billingv1alpha1.BudgetQuarterly,
			time.Date(2027, 11, 15, 0, 0, 0, 0, time.UTC), time.UTC, "2027-10-01T00:00:00Z", "2028-01-01T00:00:00Z"},
		{"quarterly Q2", billingv1alpha1.BudgetQuarterly,
			time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), time.UTC, "2027-04-01T00:00:00Z", "2027-07-01T00:00:00Z"},
		{"yearly", billingv1alpha1.BudgetYearly, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), sh,
			"2026-12-31T16:00:00Z", "2027-12-31T16:00:00Z"},
		{"DST month in New York", billingv1alpha1.BudgetMonthly, time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC), ny,
			"2027-03-01T05:00:00Z", "2027-04-01T04:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e, err := Bounds(tt.period, tt.at, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.UTC().Format(time.RFC3339); got != tt.start {
				t.Errorf("start %s, want %s", got, tt.start)
			}
			if got := e.UTC().Format(time.RFC3339); got != tt.end {
				t.Errorf("end %s, want %s", got, tt.end)
			}
		})
	}
	if _, _, err := Bounds("Weekly", time.Now(), time.UTC); err == nil {
		t.Error("Weekly accepted")
	}
}

func TestPlan(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name   string
		period billingv1alpha1.BudgetPeriod
		loc    *time.Location
		asOf   string
		closed bool
		want   QueryPlan
	}{
		{"monthly: days up to today", billingv1alpha1.BudgetMonthly, sh, "2027-01-10T00:00:00Z", true,
			QueryPlan{Days: []DayRange{{"2027-01-01", "2027-01-10"}}}},
		{"yearly: closed months then days", billingv1alpha1.BudgetYearly, sh, "2027-03-10T00:00:00Z", true,
			QueryPlan{ClosedMonths: []string{"2027-01", "2027-02"}, Days: []DayRange{{"2027-03-01", "2027-03-10"}}}},
		{"yearly without closed months", billingv1alpha1.BudgetYearly, sh, "2027-03-10T00:00:00Z", false,
			QueryPlan{Days: []DayRange{{"2027-01-01", "2027-03-10"}}}},
		{"quarterly on its first day", billingv1alpha1.BudgetQuarterly, sh, "2027-03-31T16:30:00Z", true,
			QueryPlan{Days: []DayRange{{"2027-04-01", "2027-04-01"}}}},
		{"UTC month: a GMT+8 day belongs to the period it starts in", billingv1alpha1.BudgetMonthly, time.UTC,
			"2027-01-20T00:00:00Z", true, QueryPlan{Days: []DayRange{{"2027-01-02", "2027-01-20"}}}},
		{"UTC year: head days, closed months, current days", billingv1alpha1.BudgetYearly, time.UTC,
			"2027-03-05T00:00:00Z", true, QueryPlan{ClosedMonths: []string{"2027-02"},
				Days: []DayRange{{"2027-01-02", "2027-01-31"}, {"2027-03-01", "2027-03-05"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asOf := at(tt.asOf)
			s, e, err := Bounds(tt.period, asOf, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := Plan(s, e, asOf, tt.closed); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAutoRenewDeduction(t *testing.T) {
	tests := []struct{ expire, want string }{
		// 23:59:59 GMT+08:00 on Feb 20 → 03:00 GMT+08:00 on Feb 13.
		{"2027-02-20T15:59:59Z", "2027-02-12T19:00:00Z"},
		// 01:00 UTC Mar 1 is 09:00 GMT+08:00 Mar 1 → Feb 22 03:00 GMT+08:00.
		{"2027-03-01T01:00:00Z", "2027-02-21T19:00:00Z"},
	}
	for _, tt := range tests {
		e, _ := time.Parse(time.RFC3339, tt.expire)
		if got := AutoRenewDeduction(e).UTC().Format(time.RFC3339); got != tt.want {
			t.Errorf("AutoRenewDeduction(%s) = %s, want %s", tt.expire, got, tt.want)
		}
	}
}

func TestAddMonths(t *testing.T) {
	jan31 := time.Date(2027, 1, 31, 15, 59, 59, 0, time.UTC) // 23:59:59 GMT+08:00 Jan 31
	if got := AddMonths(jan31, 1).UTC().Format(time.RFC3339); got != "2027-02-28T15:59:59Z" {
		t.Errorf("Jan 31 + 1 month = %s", got)
	}
	if got := AddMonths(jan31, 13).UTC().Format(time.RFC3339); got != "2028-02-29T15:59:59Z" {
		t.Errorf("Jan 31 + 13 months = %s", got)
	}
}

func TestForecast(t *testing.T) {
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0) // 31 days
	d := decimal.RequireFromString
	tests := []struct {
		name                   string
		actual, usage, pending string
		asOf                   time.Time
		want                   string
	}{
		{"yearly/monthly only is not extrapolated", "300", "0", "0", start.AddDate(0, 0, 10), "300"},
		{"usage over 10 of 31 days", "100", "100", "0", start.AddDate(0, 0, 10), "310"},
		{"plus pending renewals", "150", "100", "40.50", start.AddDate(0, 0, 10), "400.5"},
		{"run rate over at least a day", "10", "10", "0", start.Add(time.Hour), "319.58"},
		{"period over: no extrapolation", "100", "100", "0", end.Add(time.Hour), "100"},
		{"rounded to cents", "1", "1", "0", start.AddDate(0, 0, 3), "10.33"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Forecast(ForecastInput{Actual: d(tt.actual), Usage: d(tt.usage), Pending: d(tt.pending),
				Start: start, End: end, AsOf: tt.asOf})
			if !got.Equal(d(tt.want)) {
				t.Errorf("forecast %s, want %s", got, tt.want)
			}
		})
	}
}

func TestIsCrossed(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		value, limit string
		percent      int32
		want         bool
	}{
		{"79.99", "100", 80, false},
		{"80", "100", 80, true},
		{"80.000001", "100", 80, true},
		{"0", "0", 50, false},
		{"0.01", "0", 50, true},
		{"150", "100", 150, true},
		{"0.1", "0.3", 34, false}, // exact: 0.1×100 = 10 < 0.3×34 = 10.2
	}
	for _, tt := range tests {
		if got := IsCrossed(d(tt.value), d(tt.limit), tt.percent); got != tt.want {
			t.Errorf("IsCrossed(%s, %s, %d) = %v", tt.value, tt.limit, tt.percent, got)
		}
	}
}

func TestEvaluate(t *testing.T) {
	d := decimal.RequireFromString
	now := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	earlier := metav1.NewTime(now.Add(-time.Hour))
	ths := []billingv1alpha1.BudgetThreshold{
		{Percent: 50},
		{Percent: 80, Basis: billingv1alpha1.BasisActual, Actions: []billingv1alpha1.BudgetAction{billingv1alpha1.ActionRequireApproval}},
		{Percent: 100, Basis: billingv1alpha1.BasisForecasted, Actions: []billingv1alpha1.BudgetAction{billingv1alpha1.ActionBlockRenewals, billingv1alpha1.ActionNotify}},
		{Percent: 90, Basis: billingv1alpha1.BasisCommitted, Actions: []billingv1alpha1.BudgetAction{billingv1alpha1.ActionRequireApproval}},
	}
	prev50 := billingv1alpha1.CrossedThreshold{Percent: 50, Basis: billingv1alpha1.BasisActual, CrossedAt: earlier, Notified: true}
	tests := []struct {
		name              string
		fig               Figures
		prev              []billingv1alpha1.CrossedThreshold
		newPeriod, change bool
		wantCrossed       []int32
		wantNew           []int32
		wantActive        []billingv1alpha1.BudgetAction
	}{
		{"nothing", Figures{Actual: d("10"), Forecast: d("20"), Committed: d("10")}, nil, false, false, nil, nil, nil},
		{"first crossing", Figures{Actual: d("55"), Forecast: d("60"), Committed: d("55")}, nil, false, false,
			[]int32{50}, []int32{50}, nil},
		{"already crossed stays, keeps its time", Figures{Actual: d("60"), Forecast: d("60"), Committed: d("60")},
			[]billingv1alpha1.CrossedThreshold{prev50}, false, false, []int32{50}, nil, nil},
		{"sticky when the figure dips", Figures{Actual: d("40"), Forecast: d("40"), Committed: d("40")},
			[]billingv1alpha1.CrossedThreshold{prev50}, false, false, []int32{50}, nil, nil},
		{"spec change drops what is no longer crossed", Figures{Actual: d("40"), Forecast: d("40"), Committed: d("40")},
			[]billingv1alpha1.CrossedThreshold{prev50}, false, true, nil, nil, nil},
		{"new period resets", Figures{Actual: d("60"), Forecast: d("60"), Committed: d("60")},
			[]billingv1alpha1.CrossedThreshold{prev50}, true, false, []int32{50}, []int32{50}, nil},
		{"all crossed: actions sorted, Notify left out", Figures{Actual: d("85"), Forecast: d("120"), Committed: d("95")},
			[]billingv1alpha1.CrossedThreshold{prev50}, false, false, []int32{50, 80, 100, 90}, []int32{80, 100, 90},
			[]billingv1alpha1.BudgetAction{billingv1alpha1.ActionBlockRenewals, billingv1alpha1.ActionRequireApproval}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := Evaluate(EvaluateInput{Thresholds: ths, Limit: d("100"), Figures: tt.fig, Previous: tt.prev,
				NewPeriod: tt.newPeriod, SpecChanged: tt.change, Now: now})
			var crossed, fresh []int32
			for _, c := range ev.Crossed {
				crossed = append(crossed, c.Percent)
				if c.Percent == 50 && !tt.newPeriod && len(tt.prev) > 0 && !c.CrossedAt.Equal(&earlier) {
					t.Errorf("50%% re-stamped at %v", c.CrossedAt)
				}
			}
			for _, c := range ev.New {
				fresh = append(fresh, c.Percent)
				if c.Notified || !c.CrossedAt.Time.Equal(now) {
					t.Errorf("new entry %+v", c)
				}
			}
			if !reflect.DeepEqual(crossed, tt.wantCrossed) || !reflect.DeepEqual(fresh, tt.wantNew) ||
				!reflect.DeepEqual(ev.Active, tt.wantActive) {
				t.Errorf("crossed %v new %v active %v; want %v %v %v", crossed, fresh, ev.Active,
					tt.wantCrossed, tt.wantNew, tt.wantActive)
			}
		})
	}
}
