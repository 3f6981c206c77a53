package simulator

import (
	"bytes"
	"net/http"
	"time"
)

// statusOf returns the 6.3.1 status of a (not closed) resource at now:
// 2 before expiry; after expiry 5 during the grace period and 4 during the
// retention period (policies 4 and 5 skip the grace period); 4 when frozen.
func (s *Server) statusOf(r *Resource, now time.Time) int {
	if r.Frozen {
		return resourceFrozen
	}
	if now.Before(r.ExpireTime) {
		return resourceProvisioned
	}
	if p := s.effectivePolicy(r); p == 4 || p == 5 {
		return resourceFrozen
	}
	if now.Before(r.ExpireTime.Add(s.cfg.gracePeriod)) {
		return resourceExpired
	}
	return resourceFrozen
}

// effectivePolicy returns the expire_policy shown by 6.3.1: 3 when auto-renew
// is on, 1 when to-on-demand is set, else the resource's base policy.
func (s *Server) effectivePolicy(r *Resource) int {
	switch {
	case r.AutoRenew:
		return 3
	case r.ToOnDemand:
		return 1
	}
	return r.BasePolicy
}

type queryResourcesRequest struct {
	ResourceIDs      []string `json:"resource_ids"`
	OrderID          *string  `json:"order_id"`
	OnlyMainResource *int     `json:"only_main_resource"`
	StatusList       []int    `json:"status_list"`
	Offset           *int     `json:"offset"`
	Limit            *int     `json:"limit"`
	ExpireTimeBegin  *string  `json:"expire_time_begin"`
	ExpireTimeEnd    *string  `json:"expire_time_end"`
	ServiceTypeCode  *string  `json:"service_type_code"`
}

type enterpriseProjectJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type resourceJSON struct {
	ID                string                `json:"id"`
	ResourceID        string                `json:"resource_id"`
	ResourceName      string                `json:"resource_name"`
	RegionCode        string                `json:"region_code"`
	ServiceTypeCode   string                `json:"service_type_code"`
	ResourceTypeCode  string                `json:"resource_type_code"`
	ResourceTypeName  string                `json:"resource_type_name"`
	ServiceTypeName   string                `json:"service_type_name"`
	ResourceSpecCode  string                `json:"resource_spec_code"`
	ProjectID         string                `json:"project_id"`
	ProductID         string                `json:"product_id"`
	ParentResourceID  string                `json:"parent_resource_id"`
	IsMainResource    int                   `json:"is_main_resource"`
	Status            int                   `json:"status"`
	EffectiveTime     string                `json:"effective_time"`
	ExpireTime        string                `json:"expire_time"`
	ExpirePolicy      int                   `json:"expire_policy"`
	ProductSpecDesc   string                `json:"product_spec_desc"`
	SpecSize          *num                  `json:"spec_size"`
	SpecSizeMeasureID *int                  `json:"spec_size_measure_id"`
	UpdateTime        string                `json:"update_time"`
	EnterpriseProject enterpriseProjectJSON `json:"enterprise_project"`
}

type queryResourcesResponse struct {
	Data       []resourceJSON `json:"data"`
	TotalCount int            `json:"total_count"`
}

func (s *Server) resourceJSON(r *Resource, now time.Time) resourceJSON {
	main := 0
	if r.IsMain {
		main = 1
	}
	return resourceJSON{
		ID: r.InternalID, ResourceID: r.ID, ResourceName: r.Name, RegionCode: r.Region,
		ServiceTypeCode: r.ServiceTypeCode, ResourceTypeCode: r.ResourceTypeCode,
		ResourceTypeName: r.ResourceTypeName, ServiceTypeName: r.ServiceTypeName,
		ResourceSpecCode: r.SpecCode, ProjectID: r.ProjectID, ProductID: r.ProductID,
		ParentResourceID: r.ParentID, IsMainResource: main, Status: s.statusOf(r, now),
		EffectiveTime: fmtTime(r.EffectiveTime), ExpireTime: fmtTime(r.ExpireTime),
		ExpirePolicy: s.effectivePolicy(r), ProductSpecDesc: r.ProductSpecDesc,
		SpecSize: numPtr(r.SpecSize), SpecSizeMeasureID: r.SpecSizeMeasureID,
		UpdateTime:        fmtTime(r.UpdateTime),
		EnterpriseProject: enterpriseProjectJSON(r.EnterpriseProject),
	}
}

// queryResources serves 6.3.1.
func (s *Server) queryResources(c *call) reply {
	var req queryResourcesRequest
	if len(c.body) > 0 {
		if err := decodeBody(c.body, &req); err != nil {
			return badParam(err.Error())
		}
	}
	offset, limit := 0, 10
	if req.Offset != nil {
		offset = *req.Offset
	}
	if req.Limit != nil {
		limit = *req.Limit
	}
	if offset < 0 || offset > 2147483646 || limit < 1 || limit > 500 {
		return badParam("offset must be 0 to 2147483646 and limit 1 to 500.")
	}
	if len(req.ResourceIDs) > 50 {
		return badParam("At most 50 resource_ids are allowed.")
	}
	if req.ServiceTypeCode != nil && *req.ServiceTypeCode == "" {
		return badParam("service_type_code cannot be an empty string.")
	}
	if req.OnlyMainResource != nil && *req.OnlyMainResource != 0 && *req.OnlyMainResource != 1 {
		return badParam("only_main_resource must be 0 or 1.")
	}
	statuses := map[int]bool{}
	for _, st := range req.StatusList {
		if st < 2 || st > 5 {
			return badParam("status_list values must be 2, 3, 4 or 5.")
		}
		statuses[st] = true
	}
	var begin, end time.Time
	for _, p := range []struct {
		v   *string
		dst *time.Time
	}{{req.ExpireTimeBegin, &begin}, {req.ExpireTimeEnd, &end}} {
		if p.v == nil || *p.v == "" {
			continue
		}
		t, err := parseAPITime(*p.v)
		if err != nil {
			return badParam("expire_time_begin/expire_time_end must be yyyy-MM-ddTHH:mm:ssZ.")
		}
		*p.dst = t
	}
	onlyMain := req.OnlyMainResource != nil && *req.OnlyMainResource == 1
	var orderRes map[string]bool
	if req.OrderID != nil && *req.OrderID != "" {
		orderRes = map[string]bool{}
		if o := s.st.findOrder(*req.OrderID); o != nil && o.AccountID == c.account.DomainID {
			for _, l := range o.Lines {
				orderRes[l.ResourceID] = true
			}
		}
	}
	var idSet map[string]bool
	if len(req.ResourceIDs) > 0 {
		idSet = map[string]bool{}
		for _, id := range req.ResourceIDs {
			idSet[id] = true
			if r := s.st.resources[id]; r != nil && r.IsMain && !onlyMain {
				for _, a := range r.Attached {
					idSet[a] = true
				}
			}
		}
	}
	var out []resourceJSON
	for _, id := range s.st.resourceOrder {
		r := s.st.resources[id]
		if r.Closed || r.AccountID != c.account.DomainID {
			continue
		}
		if idSet != nil && !idSet[r.ID] {
			continue
		}
		// only_main_resource is ignored for attached IDs named explicitly.
		if onlyMain && !r.IsMain && (idSet == nil || !contains(req.ResourceIDs, r.ID)) {
			continue
		}
		if orderRes != nil && !orderRes[r.ID] {
			continue
		}
		if req.ServiceTypeCode != nil && r.ServiceTypeCode != *req.ServiceTypeCode {
			continue
		}
		if len(statuses) > 0 && !statuses[s.statusOf(r, c.now)] {
			continue
		}
		if !begin.IsZero() && r.ExpireTime.Before(begin) {
			continue
		}
		if !end.IsZero() && r.ExpireTime.After(end) {
			continue
		}
		out = append(out, s.resourceJSON(r, c.now))
	}
	resp := queryResourcesResponse{Data: []resourceJSON{}, TotalCount: len(out)}
	if offset < len(out) {
		resp.Data = out[offset:min(len(out), offset+limit)]
	}
	return ok(resp)
}

func contains(list []string, v string) bool { return containsString(list, v) }

// lookupOwned returns the caller's resource id, or nil when it does not exist,
// belongs to another account or is closed.
func (s *Server) lookupOwned(c *call, id string) *Resource {
	r := s.st.resources[id]
	if r == nil || r.Closed || r.AccountID != c.account.DomainID {
		return nil
	}
	return r
}

const msg99003012 = "The resource ID does not exist."

// enableAutoRenew serves 6.3.4. A secondary ID enables auto-renew on its
// primary (and so the whole group). Enabling it again is a no-op 204.
func (s *Server) enableAutoRenew(c *call) reply {
	r := s.lookupOwned(c, c.r.PathValue("resource_id"))
	if r == nil {
		return fail(http.StatusBadRequest, "CBC.99003012", msg99003012)
	}
	p := s.st.primaryOf(r)
	if c.account.Frozen || s.statusOf(p, c.now) != resourceProvisioned || s.statusOf(r, c.now) != resourceProvisioned {
		return fail(http.StatusBadRequest, "CBC.99003602", "Automatic renewal is not supported for expired or frozen resources.")
	}
	var req autoRenewRequest
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := decodeBody(c.body, &req); err != nil {
			return badParam(err.Error())
		}
	}
	if req.Times != nil && (*req.Times < 0 || *req.Times > 99) {
		return badParam("auto_renew_times must be between 0 and 99")
	}
	periodType := 0
	if req.PeriodType != nil {
		switch *req.PeriodType {
		case "MONTH":
			periodType = periodMonth
		case "YEAR":
			periodType = periodYear
		default:
			return badParam("period_type must be MONTH or YEAR")
		}
	}
	wasOn := p.AutoRenew
	for _, g := range s.st.group(p) {
		if !wasOn {
			// Choice: first enabled without auto_renew_times means
			// unlimited, as the SDK documents.
			g.AutoRenew, g.ToOnDemand = true, false
			g.AutoRenewSince, g.LastAutoRenewAt, g.LastAutoRenewErr = c.now, time.Time{}, ""
			g.AutoRenewTimes, g.AutoRenewLeft, g.AutoRenewPeriodType = 0, 0, 0
		}
		// Already on: only the settings the body carries change.
		if req.Times != nil {
			g.AutoRenewTimes, g.AutoRenewLeft = *req.Times, *req.Times
		}
		if req.PeriodType != nil {
			g.AutoRenewPeriodType = periodType
		}
	}
	return noContent()
}

// autoRenewRequest is the optional 6.3.4 body, as the SDK sends it
// (AutoRenewalResourcesReq; the reference documents no body).
type autoRenewRequest struct {
	// Times is auto_renew_times, 0-99, 0 unlimited.
	Times *int `json:"auto_renew_times"`
	// PeriodType is MONTH or YEAR.
	PeriodType *string `json:"period_type"`
}

// disableAutoRenew serves 6.3.5; it answers CBC.99003605 when auto-renew is
// not on.
func (s *Server) disableAutoRenew(c *call) reply {
	r := s.lookupOwned(c, c.r.PathValue("resource_id"))
	if r == nil {
		return fail(http.StatusBadRequest, "CBC.99003012", msg99003012)
	}
	p := s.st.primaryOf(r)
	if !p.AutoRenew {
		return fail(http.StatusBadRequest, "CBC.99003605", "The automatic renewal has been canceled. The current operation cannot be performed.")
	}
	for _, g := range s.st.group(p) {
		g.AutoRenew = false
		g.AutoRenewSince = time.Time{}
	}
	return noContent()
}

type toOnDemandRequest struct {
	Operation   string   `json:"operation"`
	ResourceIDs []string `json:"resource_ids"`
}

type errorDetail struct {
	ID        string `json:"id"`
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

type toOnDemandResponse struct {
	ErrorDetails []errorDetail `json:"error_details"`
}

// toOnDemand serves 6.3.6. Whole-request problems are 400s; resources in the
// grace or retention period are reported per item (error_details, id = the
// resource ID) with CBC.99003610 while the others are applied.
func (s *Server) toOnDemand(c *call) reply {
	var req toOnDemandRequest
	if err := decodeBody(c.body, &req); err != nil {
		return badParam(err.Error())
	}
	if req.Operation != "SET_UP" && req.Operation != "CANCEL" {
		return badParam("operation must be SET_UP or CANCEL.")
	}
	if len(req.ResourceIDs) < 1 || len(req.ResourceIDs) > 100 {
		return badParam("resource_ids must hold 1 to 100 IDs.")
	}
	if c.account.Frozen {
		return fail(http.StatusBadRequest, "CBC.99003626", "Cannot be converted into the pay-per-use billing mode because this account has been frozen.")
	}
	var targets []*Resource
	for _, id := range req.ResourceIDs {
		r := s.lookupOwned(c, id)
		if r == nil {
			return fail(http.StatusBadRequest, "CBC.99003012", msg99003012)
		}
		if !r.IsMain {
			return badParam("Only primary resource IDs are supported: " + id)
		}
		if r.Frozen {
			return fail(http.StatusBadRequest, "CBC.99003624", "Cannot be converted into the pay-per-use billing mode because the resource has been frozen due to security reasons.")
		}
		for _, g := range s.st.group(r) {
			if s.st.pendingOrderFor(g.ID) != nil || s.st.openOrderFor(g.ID) != nil {
				return fail(http.StatusBadRequest, "CBC.99003623", "Cannot be converted into the pay-per-use billing mode because there are transactions being processed.")
			}
		}
		targets = append(targets, r)
	}
	resp := toOnDemandResponse{ErrorDetails: []errorDetail{}}
	for _, r := range targets {
		if req.Operation == "SET_UP" && s.statusOf(r, c.now) != resourceProvisioned {
			resp.ErrorDetails = append(resp.ErrorDetails, errorDetail{ID: r.ID, ErrorCode: "CBC.99003610",
				ErrorMsg: "The billing mode of resources in the grace or retention period cannot be converted into pay-per-use."})
			continue
		}
		for _, g := range s.st.group(r) {
			if req.Operation == "SET_UP" {
				g.ToOnDemand, g.AutoRenew, g.AutoRenewSince = true, false, time.Time{}
			} else {
				g.ToOnDemand = false
			}
		}
	}
	return ok(resp)
}
