package simulator

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// addResource adds a primary resource, its attached resources, and the
// completed new-purchase order (order_type 1) that paid their current term.
func (s *Server) addResource(seed ResourceSeed, now time.Time) error {
	acct, err := s.defaultAccount(seed.Account)
	if err != nil {
		return err
	}
	p, err := s.buildResource(seed, nil, acct, now)
	if err != nil {
		return err
	}
	group := []*Resource{p}
	for i := range seed.Attached {
		a, err := s.buildResource(seed.Attached[i], p, acct, now)
		if err != nil {
			return fmt.Errorf("attached[%d] %s: %w", i, seed.Attached[i].ID, err)
		}
		p.Attached = append(p.Attached, a.ID)
		group = append(group, a)
	}
	seen := map[string]bool{}
	for _, r := range group {
		if _, dup := s.st.resources[r.ID]; dup || seen[r.ID] {
			return fmt.Errorf("duplicate resource %s", r.ID)
		}
		seen[r.ID] = true
	}
	o := &Order{
		ID: s.st.newOrderID(p.EffectiveTime), AccountID: acct.DomainID, Type: orderTypeNew,
		Status: orderStatusCompleted, CreateTime: p.EffectiveTime, PaymentTime: p.EffectiveTime,
		ServiceTypeCode: p.ServiceTypeCode, ServiceTypeName: p.ServiceTypeName, Currency: acct.Currency,
		UserName: acct.Name, PlacedBy: Caller{DomainID: acct.DomainID, User: acct.Name, Via: ViaSeed},
		PeriodType: p.PeriodType, PeriodNum: p.PeriodNum, PrimaryResourceID: p.ID,
		EnterpriseProjects: []EnterpriseProject{p.EnterpriseProject}, Discounts: []Discount{},
	}
	for i, r := range group {
		lp := listPrice(r, r.PeriodType, r.PeriodNum)
		paid := round2(lp.Mul(discountRatio(r)))
		pn := r.PeriodNum
		line := OrderLine{
			ID: fmt.Sprintf("%s-%06d", o.ID, i+1), ResourceID: r.ID, ServiceTypeCode: r.ServiceTypeCode,
			ServiceTypeName: r.ServiceTypeName, ResourceTypeCode: r.ResourceTypeCode,
			ResourceTypeName: r.ResourceTypeName, Region: r.Region, ProductID: r.ProductID,
			ProductSpecDesc: r.ProductSpecDesc, CategoryCode: r.CategoryCode, PeriodType: r.PeriodType,
			PeriodNum: &pn, EffectiveTime: r.EffectiveTime, ExpireTime: r.ExpireTime, Official: lp,
			AfterDiscount: paid, Discounts: []Discount{}, DiscountRatio: discountRatio(r),
		}
		if paid.LessThan(lp) {
			line.Discounts = append(line.Discounts, Discount{Type: discountTypeCommercial, Amount: lp.Sub(paid)})
		}
		o.Lines = append(o.Lines, line)
		r.Segments = []Segment{{OrderID: o.ID, Start: r.EffectiveTime, End: r.ExpireTime, Paid: paid}}
		s.st.resources[r.ID] = r
		s.st.resourceOrder = append(s.st.resourceOrder, r.ID)
	}
	o.recomputeTotals()
	s.st.addOrder(o)
	return nil
}

func periodTypeOf(v string) (int, error) {
	switch v {
	case "", "month":
		return periodMonth, nil
	case "year":
		return periodYear, nil
	}
	return 0, fmt.Errorf("periodType must be month or year, not %q", v)
}

// buildResource turns a seed into a Resource; parent is nil for a primary.
func (s *Server) buildResource(seed ResourceSeed, parent *Resource, acct *Account, now time.Time) (*Resource, error) {
	if seed.ID == "" {
		return nil, errors.New("id is required")
	}
	if seed.ServiceTypeCode == "" || seed.ResourceTypeCode == "" {
		return nil, errors.New("serviceTypeCode and resourceTypeCode are required")
	}
	if seed.MonthlyPrice.IsNegative() {
		return nil, errors.New("monthlyPrice must not be negative")
	}
	if seed.DiscountRatio != nil && (!seed.DiscountRatio.IsPositive() || seed.DiscountRatio.GreaterThan(decimal.NewFromInt(1))) {
		return nil, errors.New("discountRatio must be in (0, 1]")
	}
	s.st.internalSeq++
	r := &Resource{
		ID: seed.ID, InternalID: fmt.Sprintf("01154-%09d-0", s.st.internalSeq), AccountID: acct.DomainID,
		Name: seed.Name, Region: seed.Region, ProjectID: seed.ProjectID, ProductID: seed.ProductID,
		ServiceTypeCode: seed.ServiceTypeCode, ServiceTypeName: seed.ServiceTypeName,
		ResourceTypeCode: seed.ResourceTypeCode, ResourceTypeName: seed.ResourceTypeName,
		SpecCode: seed.SpecCode, ProductSpecDesc: seed.ProductSpecDesc, CategoryCode: seed.CategoryCode,
		SpecSize: seed.SpecSize, SpecSizeMeasureID: seed.SpecSizeMeasureID, MonthlyPrice: seed.MonthlyPrice,
		YearlyPrice: seed.YearlyPrice, DiscountRatio: seed.DiscountRatio, Frozen: seed.Frozen,
		BasePolicy: seed.ExpirePolicy, AutoRenew: seed.AutoRenew, ToOnDemand: seed.ToOnDemand,
		EnterpriseProject: EnterpriseProject{ID: "0", Name: "default"}, UpdateTime: now,
	}
	switch seed.ExpirePolicy {
	case 0, 2, 4, 5:
	case 1:
		r.BasePolicy, r.ToOnDemand = 0, true
	case 3:
		r.BasePolicy, r.AutoRenew = 0, true
	default:
		return nil, fmt.Errorf("expirePolicy %d is not 0-5", seed.ExpirePolicy)
	}
	if seed.EnterpriseProject != nil {
		r.EnterpriseProject = *seed.EnterpriseProject
	}
	pt, err := periodTypeOf(seed.PeriodType)
	if err != nil {
		return nil, err
	}
	r.PeriodType, r.PeriodNum = pt, seed.PeriodNum
	if r.PeriodNum == 0 {
		r.PeriodNum = 1
	}
	switch {
	case seed.ExpireTime != nil:
		r.ExpireTime = seed.ExpireTime.UTC().Truncate(time.Second)
	case seed.ExpiresIn != "":
		d, err := parseRelative(seed.ExpiresIn)
		if err != nil {
			return nil, err
		}
		r.ExpireTime = endOfDayGMT8(now.Add(d))
	case parent != nil:
		r.ExpireTime = parent.ExpireTime
	default:
		return nil, errors.New("expireTime or expiresIn is required")
	}
	if parent != nil {
		r.ParentID = parent.ID
		inheritString(&r.Region, parent.Region)
		inheritString(&r.ProjectID, parent.ProjectID)
		if seed.EnterpriseProject == nil {
			r.EnterpriseProject = parent.EnterpriseProject
		}
		if seed.PeriodType == "" && seed.PeriodNum == 0 {
			r.PeriodType, r.PeriodNum = parent.PeriodType, parent.PeriodNum
		}
		r.AutoRenew, r.ToOnDemand = parent.AutoRenew, parent.ToOnDemand
		if seed.ExpirePolicy == 0 {
			r.BasePolicy = parent.BasePolicy
		}
	} else {
		r.ParentID, r.IsMain = r.ID, true
	}
	if r.AutoRenew {
		r.AutoRenewSince = now
	}
	if seed.EffectiveTime != nil {
		r.EffectiveTime = seed.EffectiveTime.UTC().Truncate(time.Second)
	} else if parent != nil && seed.ExpireTime == nil && seed.ExpiresIn == "" {
		r.EffectiveTime = parent.EffectiveTime
	} else {
		r.EffectiveTime = addPeriod(r.ExpireTime, r.PeriodType, -r.PeriodNum).Add(time.Second)
	}
	if !r.EffectiveTime.Before(r.ExpireTime) {
		return nil, errors.New("effectiveTime must be before the expiry")
	}
	return r, nil
}

func inheritString(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func (s *Server) addCostRecord(seed CostRecordSeed, now time.Time) error {
	acct, err := s.defaultAccount(seed.Account)
	if err != nil {
		return err
	}
	cr := &CostRecord{ID: s.st.newRecordID("COST"), AccountID: acct.DomainID, ResourceID: seed.ResourceID,
		ServiceTypeCode: seed.ServiceTypeCode, ResourceTypeCode: seed.ResourceTypeCode,
		RegionCode: seed.RegionCode, ChargingMode: seed.ChargingMode, BillType: seed.BillType,
		Amount: seed.Amount, Official: seed.Amount, Cash: seed.Amount, Credit: seed.CreditAmount,
		Coupon: seed.CouponAmount, EnterpriseProjectID: "0"}
	switch {
	case seed.Time != nil:
		cr.Time = seed.Time.UTC()
	case seed.Ago != "":
		d, err := parseRelative(seed.Ago)
		if err != nil {
			return err
		}
		cr.Time = now.Add(-d)
	default:
		return errors.New("time or ago is required")
	}
	if r, found := s.st.resources[seed.ResourceID]; found {
		cr.ResourceName, cr.SpecCode, cr.EnterpriseProjectID = r.Name, r.SpecCode, r.EnterpriseProject.ID
		inheritString(&cr.ServiceTypeCode, r.ServiceTypeCode)
		inheritString(&cr.ResourceTypeCode, r.ResourceTypeCode)
		inheritString(&cr.RegionCode, r.Region)
	}
	if cr.ServiceTypeCode == "" {
		return errors.New("serviceTypeCode is required when resourceId is not a known resource")
	}
	if cr.ChargingMode == 0 {
		cr.ChargingMode = 1
	}
	if cr.BillType == 0 {
		cr.BillType = billTypeRenewal
	}
	if seed.OfficialAmount != nil {
		cr.Official = *seed.OfficialAmount
	}
	if seed.CashAmount != nil {
		cr.Cash = *seed.CashAmount
	} else {
		cr.Cash = seed.Amount.Sub(seed.CreditAmount).Sub(seed.CouponAmount)
	}
	s.st.costs = append(s.st.costs, cr)
	return nil
}
