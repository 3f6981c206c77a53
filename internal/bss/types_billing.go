package bss

import "fmt"

// RenewalPriceRequest asks for the renewal price of primary resources (4.2.3).
type RenewalPriceRequest struct {
	// ResourceIDs are 1 to 10 primary resource ids.
	ResourceIDs []string
	// PeriodType is PeriodMonth or PeriodYear.
	PeriodType PeriodType
	// PeriodNum is 1..11 months or 1..3 years.
	PeriodNum int
	// IncludeRelatedResources prices associated resources too.
	IncludeRelatedResources bool
}

// RenewalQuoteItem is the renewal price of one primary resource, including
// its attached resources.
type RenewalQuoteItem struct {
	// ResourceID is the primary resource.
	ResourceID string
	// Amount is the renewal price after the default discount.
	Amount Money
}

// RatingDiscount is the price under one optional discount (4.2.3
// OptionalDiscountRatingResult).
type RatingDiscount struct {
	// ID is the discount id.
	ID string
	// Amount is OfficialAmount minus DiscountAmount.
	Amount Money
	// OfficialAmount is the list price.
	OfficialAmount Money
	// DiscountAmount is the discount.
	DiscountAmount Money
	// Type is 605, 606 or 607.
	Type int
	// Name is the discount name.
	Name string
	// BestOffer marks the optimal discount.
	BestOffer bool
}

// RenewalQuote is a renewal price (4.2.3). Amounts are in major units of
// Currency.
type RenewalQuote struct {
	// Currency is the quote's currency.
	Currency string
	// Items are the per-resource prices.
	Items []RenewalQuoteItem
	// OfficialAmount is the total list price, nil when absent.
	OfficialAmount *Money
	// Discounts are the optional discounts (empty without bs:discount:view).
	Discounts []RatingDiscount
	// Failures are resources that could not be priced (also returned as an error).
	Failures []ItemFailure
}

// Total is the sum of the per-resource amounts.
func (q RenewalQuote) Total() Money {
	total := Money{Currency: q.Currency}
	for _, it := range q.Items {
		total.Amount = total.Amount.Add(it.Amount.Amount)
	}
	return total
}

// AccountType is a balance account's kind (5.1).
type AccountType int

// Account types.
const (
	AccountCash    AccountType = 1
	AccountCredit  AccountType = 2
	AccountBonus   AccountType = 5
	AccountDeposit AccountType = 7
)

// String returns the account type name.
func (t AccountType) String() string {
	switch t {
	case AccountCash:
		return "Cash"
	case AccountCredit:
		return "Credit"
	case AccountBonus:
		return "Bonus"
	case AccountDeposit:
		return "Deposit"
	default:
		return fmt.Sprintf("AccountType(%d)", int(t))
	}
}

// AccountBalance is one account's balance (5.1 AccountBalanceV2).
type AccountBalance struct {
	// ID is the account id.
	ID string
	// Type is the account type.
	Type AccountType
	// Amount is the balance; for credit accounts the total credit limit.
	Amount Money
	// Designated is the balance of earmarked funds.
	Designated Money
	// Credit is the total credit limit (credit accounts only).
	Credit Money
}

// Balances is the customer's balances (5.1).
type Balances struct {
	// Accounts lists the accounts.
	Accounts []AccountBalance
	// Debt is the total amount due.
	Debt Money
}

// Cash returns the cash account balance, and false when there is none.
func (b Balances) Cash() (Money, bool) {
	for _, a := range b.Accounts {
		if a.Type == AccountCash {
			return a.Amount, true
		}
	}
	return Money{}, false
}

// SummaryBillsRequest asks for one page of a month's summary bills (v2
// monthly-sum, the SDK's ShowCustomerMonthlySum; §7.1 documents v1.0).
type SummaryBillsRequest struct {
	// Cycle is the billing month, YYYY-MM (GMT+08:00); sent as bill_cycle.
	Cycle string
	// ServiceTypeCode filters by cloud service type, e.g. hws.service.type.ebs.
	ServiceTypeCode string
	// EnterpriseProjectID filters by enterprise project ("0" default, "-1"
	// services without enterprise projects).
	EnterpriseProjectID string
	// Offset is the 0-based offset of the first record.
	Offset int
	// Limit is the page size, 1..1000; 0 leaves the API's default of 10.
	Limit int
}

// Charging modes of a v2 summary bill record (BillSumRecordInfoV2.charging_mode).
const (
	BillChargingYearlyMonthly    = 1
	BillChargingPayPerUse        = 3
	BillChargingReservedInstance = 10
	BillChargingSavingsPlan      = 11
)

// Bill types of a v2 summary bill record (BillSumRecordInfoV2.bill_type).
const (
	BillTypeConsumption = 1
	BillTypeRefund      = 2
	BillTypeAdjustment  = 3
)

// BillSummary is one v2 summary bill record (BillSumRecordInfoV2).
type BillSummary struct {
	// Cycle is the month, YYYY-MM (GMT+08:00).
	Cycle string
	// ServiceTypeCode is the cloud service type.
	ServiceTypeCode string
	// ServiceTypeName is the cloud service type's name.
	ServiceTypeName string
	// ResourceTypeCode is the resource type.
	ResourceTypeCode string
	// ResourceTypeName is the resource type's name.
	ResourceTypeName string
	// ChargingMode is a BillCharging* value.
	ChargingMode int
	// BillType is a BillType* value.
	BillType int
	// Official is the list price.
	Official Money
	// OfficialDiscount is the discount off the list price.
	OfficialDiscount Money
	// Truncated is the amount rounded off.
	Truncated Money
	// Consume is the amount payable: Official - OfficialDiscount - Truncated.
	Consume Money
	// Coupon is the part paid with cash coupons.
	Coupon Money
	// FlexipurchaseCoupon is the part paid with flexi-purchase coupons (reserved).
	FlexipurchaseCoupon Money
	// StoredValueCard is the part paid with stored-value cards (reserved).
	StoredValueCard Money
	// Debt is the amount owed.
	Debt Money
	// Writeoff is the debt written off.
	Writeoff Money
	// Cash is the part paid from the cash account.
	Cash Money
	// Credit is the part paid from the credit account.
	Credit Money
	// CustomerID is the consuming customer's account id.
	CustomerID string
	// AccountName is the consuming customer's login name.
	AccountName string
}

// SummaryBills is one page of a month's summary bills, in major units.
type SummaryBills struct {
	// Currency is the bills' currency.
	Currency string
	// TotalCount is the number of records of all pages.
	TotalCount int
	// Consume is the total amount, refunds included.
	Consume Money
	// Debt is the total debt.
	Debt Money
	// Coupon is the cash coupon amount.
	Coupon Money
	// FlexipurchaseCoupon is the flexi-purchase coupon amount (reserved).
	FlexipurchaseCoupon Money
	// StoredValueCard is the stored-value card amount (reserved).
	StoredValueCard Money
	// Cash is the amount paid from the cash account.
	Cash Money
	// Credit is the amount paid from the credit account.
	Credit Money
	// Writeoff is the debt written off.
	Writeoff Money
	// Bills are this page's records.
	Bills []BillSummary
}

// Cost types and amount types of 8.1.
const (
	CostTypeOriginal      = "ORIGINAL_COST"
	CostTypeAmortized     = "AMORTIZED_COST"
	AmountTypePayment     = "PAYMENT_AMOUNT"
	AmountTypeNet         = "NET_AMOUNT"
	TimeMeasureDay        = 1
	TimeMeasureMonth      = 2
	GroupByTypeDimension  = "dimension"
	GroupByTypeTag        = "tag"
	GroupByTypeCostUnit   = "cost_unit"
	maxCostDataOffset     = 200000
	maxCostDataLimit      = 1000
	maxCostFilterValues   = 100
	maxCostFilters        = 100
	maxCostGroupBy        = 2
	maxResourceQueryIDs   = 50
	maxRenewIDs           = 10
	maxToOnDemandIDs      = 100
	maxResourcePageLimit  = 500
	maxOrderPageLimit     = 100
	maxResourceOffset     = 2147483646
	maxUnsubscribeReason  = 512
	maxIDLength           = 64
	maxPayCoupons         = 3
	maxRenewMonths        = 11
	maxRenewYears         = 3
	maxServiceTypeCodeLen = 64
)

// CostGroupBy is a grouping of cost data (8.1 GroupBy).
type CostGroupBy struct {
	// Type is "dimension", "tag" or "cost_unit".
	Type string
	// Key is e.g. CLOUD_SERVICE_TYPE for dimension, or the tag key.
	Key string
}

// CostFilter filters cost data (8.1 Filter).
type CostFilter struct {
	// Exclude excludes the values instead of keeping only them.
	Exclude bool
	// Key is the filter factor, e.g. REGION_CODE.
	Key string
	// Values are 1 to 100 values.
	Values []string
}

// CostDataRequest queries cost data (8.1).
type CostDataRequest struct {
	// TimeMeasure is TimeMeasureDay or TimeMeasureMonth.
	TimeMeasure int
	// Begin and End are YYYY-MM-DD (day) or YYYY-MM (month), GMT+08:00.
	Begin, End string
	// GroupBy has 1 or 2 groupings.
	GroupBy []CostGroupBy
	// CostType is CostTypeOriginal or CostTypeAmortized.
	CostType string
	// AmountType is AmountTypePayment or AmountTypeNet.
	AmountType string
	// Filters restrict the data.
	Filters []CostFilter
	// Offset is 0..200000.
	Offset int
	// Limit is 1..1000; 0 means the server default (10).
	Limit int
}

// CostDimension is one grouping value of a cost record.
type CostDimension struct {
	// Key is the dimension key.
	Key string
	// Value is the dimension value.
	Value string
}

// CostAmount is the cost of one time slot.
type CostAmount struct {
	// Period is "yyyy-mm-dd" or "yyyy-mm".
	Period string
	// TimeMeasure is TimeMeasureDay or TimeMeasureMonth.
	TimeMeasure int
	// Amount is the cost.
	Amount Money
	// OfficialAmount is the list-price cost.
	OfficialAmount Money
}

// CostRecord is the cost of one group (8.1 CostDataByDimension).
type CostRecord struct {
	// Dimensions identify the group.
	Dimensions []CostDimension
	// Costs are the per-period costs.
	Costs []CostAmount
	// Amount is the total cost over the period.
	Amount Money
	// OfficialAmount is the total list-price cost.
	OfficialAmount Money
}

// CostPage is one page of cost data.
type CostPage struct {
	// Currency is the currency of all amounts.
	Currency string
	// TotalCount is the number of records on all pages.
	TotalCount int
	// Records are this page's records.
	Records []CostRecord
}
