package controller

import (
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

func TestResourceOwner(t *testing.T) {
	t0 := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	c := func(ns, name string, created time.Time, domain string) claim {
		return claim{key: client.ObjectKey{Namespace: ns, Name: name}, created: created, domain: domain, acting: true}
	}
	with := func(cl claim, f func(*claim)) claim { f(&cl); return cl }
	self := c("team-b", "vm", t0.Add(time.Minute), "d1")
	blind := c("team-x", "vm", t0, "")
	blind.blind = true
	accountless := c("team-x", "vm", t0, "")
	accountless.accountless = true
	tests := []struct {
		name   string
		self   claim
		others []claim
		want   string // owner's namespace/name, "" when self owns it
	}{
		{"alone", self, nil, ""},
		{"older in another namespace, same domain", self, []claim{c("team-a", "vm", t0, "d1")}, "team-a/vm"},
		{"younger one", self, []claim{c("team-a", "vm", t0.Add(time.Hour), "d1")}, ""},
		{"older, other declared domain", self, []claim{c("team-a", "vm", t0, "d2")}, ""},
		{"older, domain unknown: held", self, []claim{c("team-a", "vm", t0, "")}, "team-a/vm"},
		{"self's domain unknown: held", c("team-b", "vm", t0.Add(time.Minute), ""), []claim{c("team-a", "vm", t0, "d2")}, "team-a/vm"},
		{"older but blind to the resource", self, []claim{blind}, ""},
		{"older but its BillingAccount is gone", self, []claim{accountless}, ""},
		{"older, its BillingAccount gone, and a third with one", self, []claim{accountless, c("team-a", "vm", t0.Add(time.Second), "d1")}, "team-a/vm"},
		{"tie broken by namespace", self, []claim{c("team-a", "vm", self.created, "d1")}, "team-a/vm"},
		{"tie broken by name", self, []claim{c("team-b", "aaa", self.created, "d1")}, "team-b/aaa"},
		{"tie, self first", self, []claim{c("team-c", "vm", self.created, "d1")}, ""},
		{"oldest of several", self, []claim{c("team-a", "vm", t0.Add(30*time.Second), "d1"), c("team-z", "vm", t0, "d1")}, "team-z/vm"},
		{"self in the list", self, []claim{self}, ""},
		{"older but in Observe", self, []claim{with(c("team-a", "vm", t0, "d1"), func(o *claim) { o.acting = false })}, ""},
		{"self in Observe stands aside for nobody", with(self, func(o *claim) { o.acting = false }), []claim{c("team-a", "vm", t0, "d1")}, ""},
		{"younger with a renewal under way", self, []claim{with(c("team-a", "vm", t0.Add(time.Hour), "d1"), func(o *claim) { o.busy = true })}, "team-a/vm"},
		{"self busy keeps it from an older one", with(self, func(o *claim) { o.busy = true }), []claim{c("team-a", "vm", t0, "d1")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if o := resourceOwner(tt.self, tt.others); o != nil {
				got = o.key.String()
			}
			if got != tt.want {
				t.Fatalf("owner %q, want %q", got, tt.want)
			}
		})
	}
}
