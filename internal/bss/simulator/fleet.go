package simulator

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// OpRelease is the write log's operation for a resource released by
// ReleaseResource.
const OpRelease = "Release"

// FleetSpec describes a generated fleet of yearly/monthly resources, for
// tests and benchmarks that need many of them: a mix of regions, services
// and enterprise projects, with attached resources and some released ones.
type FleetSpec struct {
	// Account is the domain ID that owns the resources; empty means the
	// first account loaded.
	Account string
	// Prefix starts every resource ID (Prefix-000001, ...).
	Prefix string
	// First is the number of the first resource, so that a second call
	// with a higher First adds more without clashing.
	First int
	// Count is how many primary resources to add.
	Count int
	// Released is how many of them are released (closed) right after they
	// are added, spread evenly over the fleet.
	Released int
}

// FleetResult is what SeedFleet added.
type FleetResult struct {
	// Seeds are the primary resources added, with their attached ones.
	Seeds []ResourceSeed
	// Released are the IDs of the primaries that were released again.
	Released []string
}

// fleetService is one service of the generated fleet.
type fleetService struct {
	service, serviceName, resourceType, attachedType string
}

var (
	fleetRegions  = []string{"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "cn-north-4", "af-south-1"}
	fleetServices = []fleetService{
		{"hws.service.type.ec2", "Elastic Cloud Server", "hws.resource.type.vm", "hws.resource.type.volume"},
		{"hws.service.type.rds", "Relational Database Service", "hws.resource.type.rds.vm", ""},
		{"hws.service.type.ebs", "Elastic Volume Service", "hws.resource.type.volume", ""},
		{"hws.service.type.vpc", "Virtual Private Cloud", "hws.resource.type.bandwidth", "hws.resource.type.ip"},
		{"hws.service.type.dcs", "Distributed Cache Service", "hws.resource.type.dcs", ""},
	}
	fleetProjects = []EnterpriseProject{
		{ID: "0", Name: "default"},
		{ID: "4a1c7a2e-5b1f-4e43-9d0a-6c2f3a1b9e01", Name: "finance"},
		{ID: "9d3e0f6b-2c4a-4f8e-b7a1-0e5d6c7b8a02", Name: "data platform"},
	}
	// Names repeat across the fleet (BSS names are not unique) and some
	// are not DNS names, as in real accounts.
	fleetNames = []string{"web", "Web Server", "db_primary", "cache", "batch-worker", "数据库", "api.gateway"}
)

// FleetSeeds returns spec.Count primary resources, deterministically spread
// over five regions, five services and three enterprise projects. Every
// ECS server has an attached disk and every bandwidth an attached EIP.
func FleetSeeds(spec FleetSpec) []ResourceSeed {
	out := make([]ResourceSeed, 0, spec.Count)
	for i := spec.First; i < spec.First+spec.Count; i++ {
		svc := fleetServices[i%len(fleetServices)]
		ep := fleetProjects[(i/len(fleetServices))%len(fleetProjects)]
		id := fmt.Sprintf("%s-%06d", spec.Prefix, i)
		seed := ResourceSeed{
			ID: id, Account: spec.Account, Name: fmt.Sprintf("%s %d", fleetNames[i%len(fleetNames)], i%97),
			Region: fleetRegions[(i/3)%len(fleetRegions)], ServiceTypeCode: svc.service, ServiceTypeName: svc.serviceName,
			ResourceTypeCode: svc.resourceType, MonthlyPrice: decimal.NewFromInt(int64(10 + i%50)),
			ExpiresIn: fmt.Sprintf("%dd", 5+i%360), EnterpriseProject: &ep,
		}
		if svc.attachedType != "" {
			seed.Attached = []ResourceSeed{{ID: id + "-att", Name: seed.Name + " attached", ServiceTypeCode: svc.service,
				ResourceTypeCode: svc.attachedType, MonthlyPrice: decimal.NewFromInt(3)}}
		}
		out = append(out, seed)
	}
	return out
}

// SeedFleet adds FleetSeeds(spec) in one step and then releases
// spec.Released of them.
func (s *Server) SeedFleet(spec FleetSpec) (FleetResult, error) {
	if spec.Count < 0 || spec.Released < 0 || spec.Released > spec.Count {
		return FleetResult{}, fmt.Errorf("fleet: count %d, released %d", spec.Count, spec.Released)
	}
	res := FleetResult{Seeds: FleetSeeds(spec)}
	if err := s.LoadInventory(&Inventory{Resources: res.Seeds}); err != nil {
		return FleetResult{}, fmt.Errorf("fleet: %w", err)
	}
	for k := range spec.Released {
		id := res.Seeds[k*spec.Count/spec.Released].ID
		if err := s.ReleaseResource(id); err != nil {
			return FleetResult{}, err
		}
		res.Released = append(res.Released, id)
	}
	return res, nil
}

// ReleaseResource closes a primary resource and its attached resources now,
// as a release in the console or the end of the retention period does: a
// closed resource is no longer visible to customers (digest §2.5), so it
// leaves the 6.3.1 listing.
func (s *Server) ReleaseResource(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.resources[id]
	if !ok || r.Closed {
		return fmt.Errorf("release: resource %q not found or already closed", id)
	}
	if !r.IsMain {
		return fmt.Errorf("release: resource %q is attached; release its primary", id)
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	group := s.st.group(r)
	ids := make([]string, 0, len(group))
	for _, g := range group {
		g.Closed, g.ClosedAt, g.ClosedReason, g.UpdateTime = true, now, "released", now
		ids = append(ids, g.ID)
	}
	s.logSystem(OpRelease, now, ids, nil, "", "resource released")
	return nil
}
