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

// Currencies of Money. BSS bills in one currency per site.
const (
	// CurrencyUSD is the currency of the International site.
	CurrencyUSD = "USD"
	// CurrencyCNY is the currency of the China site.
	CurrencyCNY = "CNY"
)

// Money is an exact decimal amount of money in one currency. Amounts are
// strings so that no precision is lost; they are never converted between
// currencies. Every amount of the API, in spec and status, is a Money.
type Money struct {
	// amount is a decimal number with at most 6 fractional digits, for
	// example "129.90". Only status figures that can fall below zero (a
	// projected balance) are ever negative; every amount in a spec must be
	// zero or more.
	// +required
	// +kubebuilder:validation:Pattern=`^-?[0-9]{1,15}(\.[0-9]{1,6})?$`
	Amount string `json:"amount"`

	// currency is the ISO 4217 code of the amount: USD on the International
	// site, CNY on the China site.
	// +required
	// +kubebuilder:validation:Enum=USD;CNY
	Currency string `json:"currency"`
}

// ResourceSelector selects cloud resources by the BSS fields that classify
// them (6.3.1 service_type_code, region_code, enterprise_project_id). A
// resource matches when it matches every non-empty list; an empty list
// matches everything.
type ResourceSelector struct {
	// serviceTypeCodes keeps resources of these cloud service types only
	// (BSS service_type_code), for example hws.service.type.ec2.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MaxLength=64
	ServiceTypeCodes []string `json:"serviceTypeCodes,omitempty"`

	// regionCodes keeps resources in these regions only (BSS region_code),
	// for example ap-southeast-1.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MaxLength=64
	RegionCodes []string `json:"regionCodes,omitempty"`

	// enterpriseProjectIDs keeps resources of these enterprise projects only
	// (BSS enterprise_project_id; "0" is the default project).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MaxLength=256
	EnterpriseProjectIDs []string `json:"enterpriseProjectIDs,omitempty"`
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
	// price is what the renewal costs after discounts; maxPrice and the
	// approval threshold are compared with it.
	// +required
	Price Money `json:"price"`

	// officialPrice is the list price before discounts (4.2.3
	// official_amount), when BSS gave one.
	// +optional
	OfficialPrice *Money `json:"officialPrice,omitempty"`

	// discount is officialPrice minus price, when BSS gave a list price.
	// +optional
	Discount *Money `json:"discount,omitempty"`

	// period the quote is for.
	// +optional
	Period *RenewalPeriod `json:"period,omitempty"`

	// quotedAt is when BSS gave the quote.
	// +optional
	QuotedAt *metav1.Time `json:"quotedAt,omitempty"`
}

// Matches reports whether a resource with these BSS codes matches the
// selector: every non-empty list must contain the resource's value.
func (s *ResourceSelector) Matches(serviceTypeCode, regionCode, enterpriseProjectID string) bool {
	in := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	return in(s.ServiceTypeCodes, serviceTypeCode) && in(s.RegionCodes, regionCode) &&
		in(s.EnterpriseProjectIDs, enterpriseProjectID)
}
