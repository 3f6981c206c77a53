package budget

import (
	"time"

	"github.com/shopspring/decimal"
)

// MinRunRateWindow is the shortest stretch of a period the pay-per-use run
// rate is measured over. Early in a period a few hours of usage would
// otherwise be extrapolated over the whole period.
const MinRunRateWindow = 24 * time.Hour

// ForecastInput is what the forecast is computed from.
type ForecastInput struct {
	// Actual is the spend so far in the period.
	Actual decimal.Decimal
	// Usage is the part of Actual that accrues with time: every charging
	// mode except yearly/monthly (pay-per-use, reserved instances, savings
	// plans). Yearly/monthly payments are one-off and not extrapolated.
	Usage decimal.Decimal
	// Pending is the price of renewals committed inside the period and not
	// yet paid (committed minus actual).
	Pending decimal.Decimal
	// Start and End bound the period.
	Start, End time.Time
	// AsOf is how current the cost data is.
	AsOf time.Time
}

// Forecast is the spend expected for the whole period:
//
//	actual + usage × remaining / elapsed + pending renewals
//
// where elapsed is the part of the period the cost data covers (AsOf −
// Start, at least MinRunRateWindow and at most the period) and remaining is
// End − AsOf (never negative). The run-rate term is rounded half away from
// zero to cents; everything else is exact.
func Forecast(in ForecastInput) decimal.Decimal {
	total := in.Actual.Add(in.Pending)
	length := in.End.Sub(in.Start)
	if length <= 0 || !in.Usage.IsPositive() {
		return total
	}
	elapsed := in.AsOf.Sub(in.Start)
	if elapsed < MinRunRateWindow {
		elapsed = MinRunRateWindow
	}
	if elapsed > length {
		elapsed = length
	}
	remaining := in.End.Sub(in.AsOf)
	if remaining <= 0 {
		return total
	}
	if remaining > length {
		remaining = length
	}
	extra := in.Usage.Mul(decimal.NewFromInt(int64(remaining/time.Second))).
		DivRound(decimal.NewFromInt(int64(elapsed/time.Second)), 2)
	return total.Add(extra)
}
