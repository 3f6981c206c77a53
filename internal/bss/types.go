package bss

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Money is an exact amount in major currency units (dollars, yuan). Amounts
// reported in cents (summary bills, measure_id 3) are converted on decode.
type Money struct {
	// Amount is the exact amount in major units.
	Amount decimal.Decimal
	// Currency is the ISO 4217 code, e.g. "USD".
	Currency string
}

// String renders the amount and currency, e.g. "12.5 USD".
func (m Money) String() string {
	if m.Currency == "" {
		return m.Amount.String()
	}
	return m.Amount.String() + " " + m.Currency
}

// PeriodType is a subscription period unit. Renewals accept only
// PeriodMonth and PeriodYear; order line items use the whole range.
type PeriodType int

// Period types (6.2.2 period_type; 6.3.2 and 4.2.3 accept 2 and 3 only).
const (
	PeriodDay         PeriodType = 0
	PeriodWeek        PeriodType = 1
	PeriodMonth       PeriodType = 2
	PeriodYear        PeriodType = 3
	PeriodHour        PeriodType = 4
	PeriodOneOff      PeriodType = 5
	PeriodPayPerUse   PeriodType = 6
	PeriodUsageReport PeriodType = 7
)

// String returns the period unit's name.
func (p PeriodType) String() string {
	switch p {
	case PeriodDay:
		return "Day"
	case PeriodWeek:
		return "Week"
	case PeriodMonth:
		return "Month"
	case PeriodYear:
		return "Year"
	case PeriodHour:
		return "Hour"
	case PeriodOneOff:
		return "OneOff"
	case PeriodPayPerUse:
		return "PayPerUse"
	case PeriodUsageReport:
		return "UsageReport"
	default:
		return fmt.Sprintf("PeriodType(%d)", int(p))
	}
}

// ResourceStatus is a yearly/monthly resource's status (6.3.1).
type ResourceStatus int

// Resource statuses.
const (
	ResourceProvisioned ResourceStatus = 2
	ResourceClosed      ResourceStatus = 3
	ResourceFrozen      ResourceStatus = 4
	ResourceExpired     ResourceStatus = 5
)

// String returns the status name.
func (s ResourceStatus) String() string {
	switch s {
	case ResourceProvisioned:
		return "Provisioned"
	case ResourceClosed:
		return "Closed"
	case ResourceFrozen:
		return "Frozen"
	case ResourceExpired:
		return "Expired"
	default:
		return fmt.Sprintf("ResourceStatus(%d)", int(s))
	}
}

// ExpirePolicy is what BSS does when a resource expires (6.3.1 expire_policy).
type ExpirePolicy int

// Expiry policies. Only ExpirePolicyAutoRenew means auto-renew is on.
const (
	ExpirePolicyGracePeriod         ExpirePolicy = 0
	ExpirePolicyToPayPerUse         ExpirePolicy = 1
	ExpirePolicyDelete              ExpirePolicy = 2
	ExpirePolicyAutoRenew           ExpirePolicy = 3
	ExpirePolicyFreeze              ExpirePolicy = 4
	ExpirePolicyDeleteFromRetention ExpirePolicy = 5
)

// String returns the policy name.
func (p ExpirePolicy) String() string {
	switch p {
	case ExpirePolicyGracePeriod:
		return "GracePeriod"
	case ExpirePolicyToPayPerUse:
		return "ToPayPerUse"
	case ExpirePolicyDelete:
		return "Delete"
	case ExpirePolicyAutoRenew:
		return "AutoRenew"
	case ExpirePolicyFreeze:
		return "Freeze"
	case ExpirePolicyDeleteFromRetention:
		return "DeleteFromRetention"
	default:
		return fmt.Sprintf("ExpirePolicy(%d)", int(p))
	}
}

// EnterpriseProject names an enterprise project (6.3.1, 6.2.1).
type EnterpriseProject struct {
	// ID is the enterprise project id; "0" is the default project.
	ID string
	// Name is the enterprise project name.
	Name string
}

// Resource is a yearly/monthly resource (6.3.1 OrderInstanceV2).
type Resource struct {
	// ID is the cloud service's resource id (resource_id).
	ID string
	// InstanceID is BSS's internal id of the provisioned instance (id).
	InstanceID string
	// Name is the resource name.
	Name string
	// Region is the region code, e.g. ap-southeast-1.
	Region string
	// ServiceTypeCode is e.g. hws.service.type.ec2.
	ServiceTypeCode string
	// ServiceTypeName is e.g. Elastic Cloud Server.
	ServiceTypeName string
	// ResourceTypeCode is e.g. hws.resource.type.vm.
	ResourceTypeCode string
	// ResourceTypeName is e.g. Cloud Host.
	ResourceTypeName string
	// SpecCode is the resource specification, e.g. s2.small.1.linux.
	SpecCode string
	// ProjectID is the resource's project id.
	ProjectID string
	// ProductID is the product id.
	ProductID string
	// ParentResourceID is the primary resource of an attached resource (a
	// primary resource may name itself).
	ParentResourceID string
	// IsMain is true for primary resources; only they can be renewed.
	IsMain bool
	// Status is the resource status.
	Status ResourceStatus
	// EffectiveTime is when the subscription took effect (UTC).
	EffectiveTime time.Time
	// ExpireTime is when the subscription expires (UTC).
	ExpireTime time.Time
	// ExpirePolicy is the policy applied on expiry.
	ExpirePolicy ExpirePolicy
	// SpecDesc is the product specification description.
	SpecDesc string
	// SpecSize is the size of a linear product, nil otherwise.
	SpecSize *decimal.Decimal
	// SpecSizeMeasureID is the unit of SpecSize (15 Mbit/s, 17 GB), 0 if absent.
	SpecSizeMeasureID int
	// UpdateTime is the last transactional update (UTC).
	UpdateTime time.Time
	// EnterpriseProject is the resource's enterprise project.
	EnterpriseProject EnterpriseProject
}

// AutoRenew reports whether the resource renews automatically on expiry.
func (r Resource) AutoRenew() bool { return r.ExpirePolicy == ExpirePolicyAutoRenew }

// ItemFailure is a per-resource failure reported inside an HTTP 200 body
// (fail_resource_infos, error_details).
type ItemFailure struct {
	// ResourceID is the failed resource (or the batch message id for
	// to-on-demand, which the reference does not define further).
	ResourceID string
	// Code is the BSS error code.
	Code string
	// Message is the BSS error message.
	Message string
}

// QueryResourcesRequest looks resources up by id (6.3.1).
type QueryResourcesRequest struct {
	// ResourceIDs are 1 to 50 resource ids.
	ResourceIDs []string
	// OnlyMainResource restricts the answer to primary resources; otherwise
	// attached resources of the given primaries are returned too.
	OnlyMainResource bool
}

// ListResourcesRequest is one page of the resource listing (6.3.1).
type ListResourcesRequest struct {
	// OrderID restricts the listing to one order's resources.
	OrderID string
	// OnlyMainResource restricts the listing to primary resources.
	OnlyMainResource bool
	// Statuses filters by status; empty means all.
	Statuses []ResourceStatus
	// ServiceTypeCode filters by cloud service type.
	ServiceTypeCode string
	// ExpireTimeBegin and ExpireTimeEnd filter by expiry (zero = unset).
	ExpireTimeBegin, ExpireTimeEnd time.Time
	// Offset is the 0-based record offset (0..2147483646).
	Offset int
	// Limit is the page size, 1..500; 0 means the server default (10).
	Limit int
}

// ResourcePage is one page of resources.
type ResourcePage struct {
	// Resources are this page's resources.
	Resources []Resource
	// TotalCount is the number of matching resources on all pages.
	TotalCount int
}

// MaxAutoRenewTimes is the most automatic renewals 6.3.4 can allow.
const MaxAutoRenewTimes = 99

// AutoRenewSettings are the optional settings of 6.3.4, as the SDK sends
// them (the reference documents no body). BSS does not report them back
// in 6.3.1.
type AutoRenewSettings struct {
	// Times is how many automatic renewals BSS makes, 0 for no limit; nil
	// leaves it to BSS (no limit when first enabled, unchanged after).
	Times *int
	// PeriodType is the unit of each automatic renewal, PeriodMonth or
	// PeriodYear; nil leaves it to BSS (the unit of the last order).
	PeriodType *PeriodType
}

// RenewRequest renews primary resources (6.3.2).
type RenewRequest struct {
	// ResourceIDs are 1 to 10 primary resource ids.
	ResourceIDs []string
	// PeriodType is PeriodMonth or PeriodYear.
	PeriodType PeriodType
	// PeriodNum is 1..11 months or 1..3 years.
	PeriodNum int
	// AutoPay pays the renewal order from the balance at once.
	AutoPay bool
}

// RenewResult is the outcome of a renewal.
type RenewResult struct {
	// OrderIDs are the renewal orders (pending payment unless AutoPay).
	OrderIDs []string
	// Failures lists resources that failed (reserved by the reference).
	Failures []ItemFailure
}

// UnsubscribeType says what an unsubscription removes (6.3.3).
type UnsubscribeType int

// Unsubscription types.
const (
	// UnsubscribeAll removes the resource and its renewal periods.
	UnsubscribeAll UnsubscribeType = 1
	// UnsubscribeRenewalPeriods removes only renewal periods not yet in effect.
	UnsubscribeRenewalPeriods UnsubscribeType = 2
)

// UnsubscribeRequest unsubscribes resources (6.3.3).
type UnsubscribeRequest struct {
	// ResourceIDs are 1 to 10 resource ids.
	ResourceIDs []string
	// Type is UnsubscribeAll or UnsubscribeRenewalPeriods.
	Type UnsubscribeType
	// ReasonType is 1..5, or 0 to omit it.
	ReasonType int
	// Reason is a free-text reason of at most 512 characters.
	Reason string
}

// UnsubscribeResult is the outcome of an unsubscription.
type UnsubscribeResult struct {
	// OrderIDs are the unsubscription orders (see ListRefunds).
	OrderIDs []string
	// Failures lists resources that failed (reserved by the reference).
	Failures []ItemFailure
}

// ToOnDemandOperation enables or cancels the switch to pay-per-use on expiry.
type ToOnDemandOperation string

// To-on-demand operations (6.3.6).
const (
	ToOnDemandSetUp  ToOnDemandOperation = "SET_UP"
	ToOnDemandCancel ToOnDemandOperation = "CANCEL"
)

// ToOnDemandRequest switches primary resources to pay-per-use on expiry.
type ToOnDemandRequest struct {
	// Operation is ToOnDemandSetUp or ToOnDemandCancel.
	Operation ToOnDemandOperation
	// ResourceIDs are 1 to 100 primary resource ids.
	ResourceIDs []string
}

// ToOnDemandResult holds the per-item failures of a to-on-demand request.
type ToOnDemandResult struct {
	// Failures lists the items that failed; empty when all succeeded.
	Failures []ItemFailure
}

// QuotaInfo is a resource whose quota or capacity is insufficient (6.2.4).
type QuotaInfo struct {
	// Region is the region code.
	Region string
	// ServiceTypeCode is the cloud service type.
	ServiceTypeCode string
	// ResourceTypeCode is the resource type.
	ResourceTypeCode string
	// ResourceSpecCode is the resource specification.
	ResourceSpecCode string
	// AuthResult is 1 quota, 2 capacity, 3 spec changed, 4 associated resource, 99 other.
	AuthResult int
	// AvailableZone is the availability zone.
	AvailableZone string
}

// EnterpriseProjectAuth is an enterprise project whose fund quota is
// insufficient (6.2.4).
type EnterpriseProjectAuth struct {
	// ID is the enterprise project id.
	ID string
	// Name is the enterprise project name.
	Name string
	// AuthStatus is 10 (insufficient fund quota) or 11 (budget).
	AuthStatus int
}
