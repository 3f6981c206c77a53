package simulator

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"sigs.k8s.io/yaml"
)

// Inventory is the seed file format (YAML or JSON). Relative times (expiresIn,
// ago, effectiveAgo) are resolved against the simulator clock when loaded, so
// a demo inventory is always fresh.
type Inventory struct {
	Accounts    []AccountSeed    `json:"accounts"`
	Resources   []ResourceSeed   `json:"resources"`
	CostRecords []CostRecordSeed `json:"costRecords"`
}

// AccountSeed seeds an Account.
type AccountSeed struct {
	DomainID    string          `json:"domainId"`
	Name        string          `json:"name"`
	Currency    string          `json:"currency,omitempty"`
	Cash        decimal.Decimal `json:"cash"`
	CreditLimit decimal.Decimal `json:"creditLimit"`
	Debt        decimal.Decimal `json:"debt"`
	Frozen      bool            `json:"frozen,omitempty"`
	Credentials []Credential    `json:"credentials"`
	Tokens      []TokenSeed     `json:"tokens,omitempty"`
	Coupons     []CouponSeed    `json:"coupons,omitempty"`
	// PayingAgentID, if set, is the partner that pays the account's
	// orders: every order placed for it carries agent_pay_info
	// {paying_agent_id, is_agent_pay: true} in 6.2.1 (the SDK's
	// CustomerOrderV2; the reference has no such field).
	PayingAgentID string `json:"payingAgentId,omitempty"`
}

// TokenSeed seeds an X-Auth-Token; ExpiresIn is relative ("24h", "2d").
type TokenSeed struct {
	Token     string `json:"token"`
	ExpiresIn string `json:"expiresIn,omitempty"`
	// User is the IAM user behind the token (default: the account name).
	User string `json:"user,omitempty"`
}

// CouponSeed seeds a cash coupon.
type CouponSeed struct {
	ID        string          `json:"id"`
	FaceValue decimal.Decimal `json:"faceValue"`
	ExpiresIn string          `json:"expiresIn,omitempty"`
}

// ResourceSeed seeds a primary resource (or, inside Attached, an attached
// one; attached resources inherit account, region, project, enterprise
// project, times, period and policies from the primary unless set).
type ResourceSeed struct {
	ID                string             `json:"id"`
	Account           string             `json:"account,omitempty"`
	Name              string             `json:"name"`
	Region            string             `json:"region,omitempty"`
	ProjectID         string             `json:"projectId,omitempty"`
	ProductID         string             `json:"productId,omitempty"`
	ServiceTypeCode   string             `json:"serviceTypeCode"`
	ServiceTypeName   string             `json:"serviceTypeName,omitempty"`
	ResourceTypeCode  string             `json:"resourceTypeCode"`
	ResourceTypeName  string             `json:"resourceTypeName,omitempty"`
	SpecCode          string             `json:"specCode,omitempty"`
	ProductSpecDesc   string             `json:"productSpecDesc,omitempty"`
	CategoryCode      string             `json:"categoryCode,omitempty"`
	SpecSize          *decimal.Decimal   `json:"specSize,omitempty"`
	SpecSizeMeasureID *int               `json:"specSizeMeasureId,omitempty"`
	EnterpriseProject *EnterpriseProject `json:"enterpriseProject,omitempty"`
	// MonthlyPrice is the list price of one month.
	MonthlyPrice decimal.Decimal `json:"monthlyPrice"`
	// YearlyPrice overrides the yearly list price (default 10 × monthly).
	YearlyPrice *decimal.Decimal `json:"yearlyPrice,omitempty"`
	// DiscountRatio is the commercial discount ratio offered (e.g. 0.9).
	DiscountRatio *decimal.Decimal `json:"discountRatio,omitempty"`
	// PeriodType is "month" or "year", the original subscription period unit
	// (default month); PeriodNum its count (default 1).
	PeriodType string `json:"periodType,omitempty"`
	PeriodNum  int    `json:"periodNum,omitempty"`
	// ExpireTime (RFC 3339) or ExpiresIn (relative, e.g. "5d", "-3d"; rounded
	// to 23:59:59 GMT+08:00 of that day) sets the expiry.
	ExpireTime *time.Time `json:"expireTime,omitempty"`
	ExpiresIn  string     `json:"expiresIn,omitempty"`
	// EffectiveTime defaults to the expiry minus the period.
	EffectiveTime *time.Time `json:"effectiveTime,omitempty"`
	// ExpirePolicy is the non-renewing policy: 0 (grace), 2, 4 or 5.
	ExpirePolicy int  `json:"expirePolicy,omitempty"`
	AutoRenew    bool `json:"autoRenew,omitempty"`
	ToOnDemand   bool `json:"toOnDemand,omitempty"`
	// Frozen freezes the resource (status 4) regardless of expiry.
	Frozen   bool           `json:"frozen,omitempty"`
	Attached []ResourceSeed `json:"attached,omitempty"`
}

// CostRecordSeed seeds a cost record; Time (RFC 3339) or Ago ("40d").
type CostRecordSeed struct {
	Account          string           `json:"account,omitempty"`
	Time             *time.Time       `json:"time,omitempty"`
	Ago              string           `json:"ago,omitempty"`
	ResourceID       string           `json:"resourceId,omitempty"`
	ServiceTypeCode  string           `json:"serviceTypeCode,omitempty"`
	ResourceTypeCode string           `json:"resourceTypeCode,omitempty"`
	RegionCode       string           `json:"regionCode,omitempty"`
	ChargingMode     int              `json:"chargingMode,omitempty"`
	BillType         int              `json:"billType,omitempty"`
	Amount           decimal.Decimal  `json:"amount"`
	OfficialAmount   *decimal.Decimal `json:"officialAmount,omitempty"`
	CashAmount       *decimal.Decimal `json:"cashAmount,omitempty"`
	CreditAmount     decimal.Decimal  `json:"creditAmount"`
	CouponAmount     decimal.Decimal  `json:"couponAmount"`
}

// ParseInventory parses a YAML or JSON inventory.
func ParseInventory(data []byte) (*Inventory, error) {
	var inv Inventory
	if err := yaml.UnmarshalStrict(data, &inv); err != nil {
		return nil, fmt.Errorf("parse inventory: %w", err)
	}
	return &inv, nil
}

// LoadInventoryFile reads and applies an inventory file.
func (s *Server) LoadInventoryFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read inventory: %w", err)
	}
	inv, err := ParseInventory(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return s.LoadInventory(inv)
}

// LoadInventory adds the accounts, resources and cost records of inv to the
// state. It validates everything first and changes nothing on error.
func (s *Server) LoadInventory(inv *Inventory) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now().UTC().Truncate(time.Second)
	s.catchUp(now)
	// Work on a scratch copy so a bad inventory leaves no trace.
	scratch := *s.st
	scratch.accounts = cloneMap(s.st.accounts)
	scratch.resources = cloneMap(s.st.resources)
	scratch.orders = cloneMap(s.st.orders)
	scratch.accountOrder = append([]string(nil), s.st.accountOrder...)
	scratch.resourceOrder = append([]string(nil), s.st.resourceOrder...)
	scratch.orderOrder = append([]string(nil), s.st.orderOrder...)
	scratch.costs = append([]*CostRecord(nil), s.st.costs...)
	saved := s.st
	s.st = &scratch
	if err := s.applyInventory(inv, now); err != nil {
		s.st = saved
		return err
	}
	return nil
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *Server) applyInventory(inv *Inventory, now time.Time) error {
	for i := range inv.Accounts {
		if err := s.addAccount(inv.Accounts[i], now); err != nil {
			return fmt.Errorf("accounts[%d]: %w", i, err)
		}
	}
	for i := range inv.Resources {
		if err := s.addResource(inv.Resources[i], now); err != nil {
			return fmt.Errorf("resources[%d] %s: %w", i, inv.Resources[i].ID, err)
		}
	}
	for i := range inv.CostRecords {
		if err := s.addCostRecord(inv.CostRecords[i], now); err != nil {
			return fmt.Errorf("costRecords[%d]: %w", i, err)
		}
	}
	return nil
}

// AddAccount adds one account.
func (s *Server) AddAccount(a AccountSeed) error {
	return s.LoadInventory(&Inventory{Accounts: []AccountSeed{a}})
}

// AddResource adds one primary resource with its attached resources.
func (s *Server) AddResource(r ResourceSeed) error {
	return s.LoadInventory(&Inventory{Resources: []ResourceSeed{r}})
}

func (s *Server) addAccount(a AccountSeed, now time.Time) error {
	if a.DomainID == "" {
		return errors.New("domainId is required")
	}
	if _, dup := s.st.accounts[a.DomainID]; dup {
		return fmt.Errorf("duplicate account %s", a.DomainID)
	}
	acct := &Account{DomainID: a.DomainID, Name: a.Name, Currency: a.Currency, Cash: a.Cash,
		CreditLimit: a.CreditLimit, Debt: a.Debt, Frozen: a.Frozen, Credentials: a.Credentials,
		PayingAgentID: a.PayingAgentID}
	if acct.Currency == "" {
		acct.Currency = "USD"
	}
	if acct.Name == "" {
		acct.Name = a.DomainID
	}
	for _, c := range a.Credentials {
		if c.AccessKey == "" || c.SecretKey == "" {
			return errors.New("credentials need accessKey and secretKey")
		}
		for _, other := range s.st.accounts {
			for _, oc := range other.Credentials {
				if oc.AccessKey == c.AccessKey {
					return fmt.Errorf("duplicate access key %s", c.AccessKey)
				}
			}
		}
	}
	for _, t := range a.Tokens {
		tok := Token{Value: t.Token, User: t.User}
		if t.ExpiresIn != "" {
			d, err := parseRelative(t.ExpiresIn)
			if err != nil {
				return err
			}
			tok.ExpiresAt = now.Add(d)
		}
		acct.Tokens = append(acct.Tokens, tok)
	}
	for _, c := range a.Coupons {
		cp := Coupon{ID: c.ID, Type: 301, FaceValue: c.FaceValue, Balance: c.FaceValue}
		if c.ExpiresIn != "" {
			d, err := parseRelative(c.ExpiresIn)
			if err != nil {
				return err
			}
			cp.ExpireTime = now.Add(d)
		}
		acct.Coupons = append(acct.Coupons, cp)
	}
	s.st.accounts[a.DomainID] = acct
	s.st.accountOrder = append(s.st.accountOrder, a.DomainID)
	return nil
}

// parseRelative parses a Go duration or a day/week count ("5d", "-3d", "2w").
func parseRelative(v string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, found := strings.CutSuffix(v, suffix); found {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return 0, fmt.Errorf("bad relative time %q: %w", v, err)
			}
			return time.Duration(f * float64(unit)), nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("bad relative time %q: %w", v, err)
	}
	return d, nil
}

// defaultAccount resolves a seed's account: the named one, or else the
// first account loaded.
func (s *Server) defaultAccount(id string) (*Account, error) {
	if id != "" {
		a, found := s.st.accounts[id]
		if !found {
			return nil, fmt.Errorf("unknown account %s", id)
		}
		return a, nil
	}
	if len(s.st.accountOrder) == 0 {
		return nil, errors.New("no account to own it: add an account first")
	}
	return s.st.accounts[s.st.accountOrder[0]], nil
}
