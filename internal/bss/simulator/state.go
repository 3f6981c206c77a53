package simulator

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Period types used by renewals (6.3.2) and order lines (6.2.2).
const (
	periodMonth = 2
	periodYear  = 3
)

// Order types (digest §2.3).
const (
	orderTypeNew         = 1
	orderTypeRenewal     = 2
	orderTypeUnsubscribe = 4
	orderTypeToOnDemand  = 10
)

// Order statuses (digest §2.2).
const (
	orderStatusPendingApproval = 1
	orderStatusProcessing      = 3
	orderStatusCanceled        = 4
	orderStatusCompleted       = 5
	orderStatusPendingPayment  = 6
	orderStatusToBeConfirmed   = 9
)

// inProgress reports whether an order status is one of the documented
// in-progress states an order can be held in besides pending payment.
func inProgress(status int) bool {
	return status == orderStatusPendingApproval || status == orderStatusProcessing || status == orderStatusToBeConfirmed
}

// Resource statuses (digest §2.5).
const (
	resourceProvisioned = 2
	resourceFrozen      = 4
	resourceExpired     = 5
)

// Bill types used in cost records (7.3 numbering).
const (
	billTypePurchase    = 1
	billTypeRenewal     = 2
	billTypeRefund      = 4
	billTypeAutoRenewal = 8
)

// systemUserName is the order creator for orders the cloud places itself (6.2.2).
const systemUserName = "Operation system"

// Account is a customer account with its credentials and balances.
type Account struct {
	DomainID    string          `json:"domainId"`
	Name        string          `json:"name"`
	Currency    string          `json:"currency"`
	Cash        decimal.Decimal `json:"cash"`
	CreditLimit decimal.Decimal `json:"creditLimit"`
	CreditUsed  decimal.Decimal `json:"creditUsed"`
	Debt        decimal.Decimal `json:"debt"`
	Frozen      bool            `json:"frozen"`
	Credentials []Credential    `json:"credentials"`
	Tokens      []Token         `json:"tokens"`
	Coupons     []Coupon        `json:"coupons"`
	// PayingAgentID is the partner that pays the account's orders ("":
	// the customer pays).
	PayingAgentID string `json:"payingAgentId,omitempty"`
}

// Credential is an AK/SK pair, optionally temporary (with a security token).
type Credential struct {
	AccessKey     string `json:"accessKey"`
	SecretKey     string `json:"secretKey"`
	SecurityToken string `json:"securityToken,omitempty"`
	// User is the IAM user the key belongs to; writes made with it are
	// attributed to that user (default: the account name).
	User string `json:"user,omitempty"`
}

// Token is an X-Auth-Token value accepted for an account until ExpiresAt
// (zero: never expires).
type Token struct {
	Value     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// User is the IAM user the token was issued to (default: the account
	// name).
	User string `json:"user,omitempty"`
}

// Coupon is a cash coupon usable when paying an order (6.2.4 coupon_infos).
type Coupon struct {
	ID         string          `json:"id"`
	Type       int             `json:"type"`
	FaceValue  decimal.Decimal `json:"faceValue"`
	Balance    decimal.Decimal `json:"balance"`
	ExpireTime time.Time       `json:"expireTime,omitzero"`
}

// EnterpriseProject identifies an enterprise project ({id,name} shape of 6.3.1).
type EnterpriseProject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Segment is one paid subscription term of a resource, used to compute refunds.
type Segment struct {
	OrderID string          `json:"orderId"`
	Start   time.Time       `json:"start"`
	End     time.Time       `json:"end"`
	Paid    decimal.Decimal `json:"paid"`
}

// Resource is a yearly/monthly resource (primary or attached).
type Resource struct {
	ID                string           `json:"id"`
	InternalID        string           `json:"internalId"`
	AccountID         string           `json:"accountId"`
	Name              string           `json:"name"`
	Region            string           `json:"region"`
	ProjectID         string           `json:"projectId"`
	ProductID         string           `json:"productId"`
	ServiceTypeCode   string           `json:"serviceTypeCode"`
	ServiceTypeName   string           `json:"serviceTypeName"`
	ResourceTypeCode  string           `json:"resourceTypeCode"`
	ResourceTypeName  string           `json:"resourceTypeName"`
	SpecCode          string           `json:"specCode"`
	ProductSpecDesc   string           `json:"productSpecDesc"`
	CategoryCode      string           `json:"categoryCode"`
	SpecSize          *decimal.Decimal `json:"specSize,omitempty"`
	SpecSizeMeasureID *int             `json:"specSizeMeasureId,omitempty"`
	ParentID          string           `json:"parentId"`
	IsMain            bool             `json:"isMain"`
	EffectiveTime     time.Time        `json:"effectiveTime"`
	ExpireTime        time.Time        `json:"expireTime"`
	UpdateTime        time.Time        `json:"updateTime"`
	BasePolicy        int              `json:"basePolicy"`
	AutoRenew         bool             `json:"autoRenew"`
	AutoRenewSince    time.Time        `json:"autoRenewSince,omitzero"`
	// AutoRenewTimes is how many automatic renewals 6.3.4 allowed (0:
	// unlimited); AutoRenewLeft how many of them remain.
	AutoRenewTimes int `json:"autoRenewTimes,omitempty"`
	AutoRenewLeft  int `json:"autoRenewLeft,omitempty"`
	// AutoRenewPeriodType is the period unit 6.3.4 set for automatic
	// renewals (periodMonth or periodYear; 0: the original period).
	AutoRenewPeriodType int               `json:"autoRenewPeriodType,omitempty"`
	ToOnDemand          bool              `json:"toOnDemand"`
	PeriodType          int               `json:"periodType"`
	PeriodNum           int               `json:"periodNum"`
	MonthlyPrice        decimal.Decimal   `json:"monthlyPrice"`
	YearlyPrice         *decimal.Decimal  `json:"yearlyPrice,omitempty"`
	DiscountRatio       *decimal.Decimal  `json:"discountRatio,omitempty"`
	EnterpriseProject   EnterpriseProject `json:"enterpriseProject"`
	Frozen              bool              `json:"frozen"`
	Closed              bool              `json:"closed"`
	ClosedAt            time.Time         `json:"closedAt,omitzero"`
	ClosedReason        string            `json:"closedReason,omitempty"`
	Segments            []Segment         `json:"segments"`
	LastAutoRenewAt     time.Time         `json:"lastAutoRenewAttempt,omitzero"`
	LastAutoRenewErr    string            `json:"lastAutoRenewError,omitempty"`
	Attached            []string          `json:"attached,omitempty"`
}

// Discount is one discount item of an order or line (DiscountItemV2).
type Discount struct {
	Type   string          `json:"type"`
	Amount decimal.Decimal `json:"amount"`
}

// OrderLine is one line item of an order (OrderLineItemEntityV2).
type OrderLine struct {
	ID               string           `json:"id"`
	ResourceID       string           `json:"resourceId"`
	ServiceTypeCode  string           `json:"serviceTypeCode"`
	ServiceTypeName  string           `json:"serviceTypeName"`
	ResourceTypeCode string           `json:"resourceTypeCode"`
	ResourceTypeName string           `json:"resourceTypeName"`
	Region           string           `json:"region"`
	ProductID        string           `json:"productId"`
	ProductSpecDesc  string           `json:"productSpecDesc"`
	CategoryCode     string           `json:"categoryCode"`
	PeriodType       int              `json:"periodType"`
	PeriodNum        *int             `json:"periodNum"`
	EffectiveTime    time.Time        `json:"effectiveTime"`
	ExpireTime       time.Time        `json:"expireTime"`
	Official         decimal.Decimal  `json:"official"`
	AfterDiscount    decimal.Decimal  `json:"afterDiscount"`
	Discounts        []Discount       `json:"discounts"`
	CouponAmount     decimal.Decimal  `json:"couponAmount"`
	Commission       *decimal.Decimal `json:"commission,omitempty"`
	Consumed         *decimal.Decimal `json:"consumed,omitempty"`
	DiscountRatio    decimal.Decimal  `json:"discountRatio"`
}

// RefundRecord is one 6.2.6 record of an unsubscription order: negative
// amounts are refunds, positive amounts handling fees.
type RefundRecord struct {
	ID               string          `json:"id"`
	Amount           decimal.Decimal `json:"amount"`
	ResourceID       string          `json:"resourceId"`
	ResourceTypeCode string          `json:"resourceTypeCode"`
	ServiceTypeCode  string          `json:"serviceTypeCode"`
	ResourceTypeName string          `json:"resourceTypeName"`
	ServiceTypeName  string          `json:"serviceTypeName"`
	RegionCode       string          `json:"regionCode"`
	BaseOrderID      string          `json:"baseOrderId"`
}

// Order is an order of any type in the order book.
type Order struct {
	ID                 string              `json:"id"`
	AccountID          string              `json:"accountId"`
	Type               int                 `json:"type"`
	Status             int                 `json:"status"`
	CreateTime         time.Time           `json:"createTime"`
	PaymentTime        time.Time           `json:"paymentTime,omitzero"`
	PendingDeadline    time.Time           `json:"pendingDeadline,omitzero"`
	PaymentExpired     bool                `json:"paymentExpired"`
	ServiceTypeCode    string              `json:"serviceTypeCode"`
	ServiceTypeName    string              `json:"serviceTypeName"`
	Official           decimal.Decimal     `json:"official"`
	AfterDiscount      decimal.Decimal     `json:"afterDiscount"`
	Discounts          []Discount          `json:"discounts"`
	CouponAmount       decimal.Decimal     `json:"couponAmount"`
	Commission         *decimal.Decimal    `json:"commission,omitempty"`
	Consumed           *decimal.Decimal    `json:"consumed,omitempty"`
	Currency           string              `json:"currency"`
	UserName           string              `json:"userName"`
	PeriodType         int                 `json:"periodType"`
	PeriodNum          int                 `json:"periodNum"`
	PrimaryResourceID  string              `json:"primaryResourceId"`
	EnterpriseProjects []EnterpriseProject `json:"enterpriseProjects"`
	Lines              []OrderLine         `json:"lines"`
	Refunds            []RefundRecord      `json:"refunds,omitempty"`
	// PlacedBy is who placed the order (UserName is its user, as 6.2.2
	// user_name reports it, digest §7.7 #59).
	PlacedBy Caller `json:"placedBy"`
	// PaidBy is who paid it (nil while unpaid).
	PaidBy *Caller `json:"paidBy,omitempty"`
	// CanceledBy is who canceled it (nil unless canceled by a caller).
	CanceledBy *Caller `json:"canceledBy,omitempty"`
	// PayingAgentID is the partner whose payment the order belongs to
	// (6.2.1 agent_pay_info), "" for the customer's own.
	PayingAgentID string `json:"payingAgentId,omitempty"`
	// HeldUntil is when a held order (status 1, 3, 6 or 9, see OrderHold)
	// moves on; zero when not held.
	HeldUntil time.Time `json:"heldUntil,omitzero"`
	// release is what happens when the hold ends.
	release *holdRelease
}

// CostRecord is one expenditure or refund, the source of 7.1 and 8.1.
type CostRecord struct {
	ID                  string          `json:"id"`
	AccountID           string          `json:"account"`
	Time                time.Time       `json:"time"`
	ResourceID          string          `json:"resourceId"`
	ResourceName        string          `json:"resourceName"`
	ServiceTypeCode     string          `json:"serviceTypeCode"`
	ResourceTypeCode    string          `json:"resourceTypeCode"`
	RegionCode          string          `json:"regionCode"`
	SpecCode            string          `json:"specCode"`
	EnterpriseProjectID string          `json:"enterpriseProjectId"`
	OrderID             string          `json:"orderId"`
	ChargingMode        int             `json:"chargingMode"`
	BillType            int             `json:"billType"`
	Official            decimal.Decimal `json:"officialAmount"`
	Amount              decimal.Decimal `json:"amount"`
	Cash                decimal.Decimal `json:"cashAmount"`
	Credit              decimal.Decimal `json:"creditAmount"`
	Coupon              decimal.Decimal `json:"couponAmount"`
	Debt                decimal.Decimal `json:"debtAmount"`
}

// state is the simulator's mutable world; it is guarded by Server.mu.
type state struct {
	accounts      map[string]*Account
	accountOrder  []string
	resources     map[string]*Resource
	resourceOrder []string
	orders        map[string]*Order
	orderOrder    []string
	costs         []*CostRecord
	prices        []*scheduledPrice
	holds         []*holdRule
	orderSeq      int
	recordSeq     int
	internalSeq   int
}

func newState() *state {
	return &state{
		accounts:  map[string]*Account{},
		resources: map[string]*Resource{},
		orders:    map[string]*Order{},
	}
}

// newOrderID returns "CS" + yyMMddHHmm (GMT+08:00) + a five-character
// base-36 counter, e.g. CS2405161952000A1.
func (st *state) newOrderID(now time.Time) string {
	st.orderSeq++
	return "CS" + now.In(bssZone()).Format("0601021504") + base36(st.orderSeq, 5)
}

// newRecordID returns a deterministic record ID.
func (st *state) newRecordID(prefix string) string {
	st.recordSeq++
	return fmt.Sprintf("%s-%08d", prefix, st.recordSeq)
}

// base36 encodes n in upper-case base 36, left-padded with zeros to width.
func base36(n, width int) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b []byte
	for n > 0 {
		b = append(b, digits[n%36])
		n /= 36
	}
	for len(b) < width {
		b = append(b, '0')
	}
	slices.Reverse(b)
	return string(b)
}

func (st *state) addOrder(o *Order) {
	st.orders[o.ID] = o
	st.orderOrder = append(st.orderOrder, o.ID)
}

// findOrder looks an order up case-insensitively (order IDs are case
// insensitive per 6.2.1).
func (st *state) findOrder(id string) *Order {
	if o, ok := st.orders[id]; ok {
		return o
	}
	for k, o := range st.orders {
		if strings.EqualFold(k, id) {
			return o
		}
	}
	return nil
}

// group returns the primary resource and its attached resources that are not
// closed, primary first.
func (st *state) group(primary *Resource) []*Resource {
	out := []*Resource{primary}
	for _, id := range primary.Attached {
		if r, ok := st.resources[id]; ok && !r.Closed {
			out = append(out, r)
		}
	}
	return out
}

// primaryOf returns r's primary resource (r itself when r is primary).
func (st *state) primaryOf(r *Resource) *Resource {
	if r.IsMain {
		return r
	}
	if p, ok := st.resources[r.ParentID]; ok {
		return p
	}
	return r
}

// openOrderFor returns an order in progress (held in status 1, 3 or 9) that
// covers resource id.
func (st *state) openOrderFor(id string) *Order {
	for _, oid := range st.orderOrder {
		o := st.orders[oid]
		if !inProgress(o.Status) {
			continue
		}
		for _, l := range o.Lines {
			if l.ResourceID == id {
				return o
			}
		}
	}
	return nil
}

// pendingOrderFor returns a pending-payment order that covers resource id.
func (st *state) pendingOrderFor(id string) *Order {
	for _, oid := range st.orderOrder {
		o := st.orders[oid]
		if o.Status != orderStatusPendingPayment {
			continue
		}
		for _, l := range o.Lines {
			if l.ResourceID == id {
				return o
			}
		}
	}
	return nil
}
