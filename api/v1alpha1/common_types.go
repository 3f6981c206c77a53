package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LocalObjectReference names an object in the same namespace as the object
// that holds the reference. References never cross namespaces.
type LocalObjectReference struct {
	// name of the referenced object, in the same namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// Money is an exact decimal amount of money in one currency. Amounts are
// strings so that no precision is lost; they are never converted between
// currencies.
type Money struct {
	// amount is a non-negative decimal number with at most 6 fractional
	// digits, for example "129.90".
	// +required
	// +kubebuilder:validation:Pattern=`^[0-9]{1,15}(\.[0-9]{1,6})?$`
	Amount string `json:"amount"`

	// currency is the ISO 4217 code of the amount: USD on the International
	// site, CNY on the China site.
	// +required
	// +kubebuilder:validation:Enum=USD;CNY
	Currency string `json:"currency"`
}

// PeriodUnit is the unit of a renewal period (6.3.2 period_type: 2 month, 3 year).
// +kubebuilder:validation:Enum=Month;Year
type PeriodUnit string

const (
	// PeriodUnitMonth renews by months (1 to 11, 6.3.2).
	PeriodUnitMonth PeriodUnit = "Month"
	// PeriodUnitYear renews by years (1 to 3, 6.3.2).
	PeriodUnitYear PeriodUnit = "Year"
)

// RenewalPeriod is how long one renewal extends a subscription. The ranges
// are those of 6.3.2 and 4.2.3: 1 to 11 months or 1 to 3 years.
// +kubebuilder:validation:XValidation:rule="self.unit != 'Month' || (self.count >= 1 && self.count <= 11)",message="a renewal period in months must be 1 to 11 months (BSS 6.3.2)"
// +kubebuilder:validation:XValidation:rule="self.unit != 'Year' || (self.count >= 1 && self.count <= 3)",message="a renewal period in years must be 1 to 3 years (BSS 6.3.2)"
type RenewalPeriod struct {
	// unit of the period: Month or Year.
	// +required
	Unit PeriodUnit `json:"unit"`

	// count of units: 1 to 11 months or 1 to 3 years.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=11
	Count int32 `json:"count"`
}

// PriceQuote is a price BSS quoted for a renewal (4.2.3).
type PriceQuote struct {
	// amount is the price to pay after discounts.
	// +optional
	Amount string `json:"amount,omitempty"`

	// officialAmount is the list price before discounts.
	// +optional
	OfficialAmount string `json:"officialAmount,omitempty"`

	// discountAmount is officialAmount minus amount.
	// +optional
	DiscountAmount string `json:"discountAmount,omitempty"`

	// currency of the amounts.
	// +optional
	Currency string `json:"currency,omitempty"`

	// period the quote is for.
	// +optional
	Period *RenewalPeriod `json:"period,omitempty"`

	// quotedAt is when BSS gave the quote.
	// +optional
	QuotedAt *metav1.Time `json:"quotedAt,omitempty"`
}
