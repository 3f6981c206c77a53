package fleet

import (
	"maps"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
)

func TestReleasedBy(t *testing.T) {
	tests := []struct {
		name   string
		listed bool
		status bss.ResourceStatus
		seen   bool
		want   ReleaseCause
	}{
		{"listed provisioned", true, bss.ResourceProvisioned, true, ""},
		{"listed expired is not released", true, bss.ResourceExpired, true, ""},
		{"listed frozen is not released", true, bss.ResourceFrozen, false, ""},
		{"listed closed", true, bss.ResourceClosed, true, ReleaseClosed},
		{"listed closed, never read before", true, bss.ResourceClosed, false, ReleaseClosed},
		{"gone after it was read", false, 0, true, ReleaseGone},
		{"never read: not found, not released", false, 0, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ReleasedBy(tc.listed, tc.status, tc.seen); got != tc.want {
				t.Fatalf("ReleasedBy(%v, %v, %v) = %q, want %q", tc.listed, tc.status, tc.seen, got, tc.want)
			}
		})
	}
}

func TestSeenBefore(t *testing.T) {
	now := metav1.Now()
	tests := []struct {
		name                 string
		generation, observed int64
		resource             bool
		released             *metav1.Time
		want                 bool
	}{
		{"never read", 1, 1, false, nil, false},
		{"read under this generation", 2, 2, true, nil, true},
		{"read under an older spec (accountRef may differ)", 3, 2, true, nil, false},
		{"release recorded", 3, 2, false, &now, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := &billingv1alpha1.Subscription{}
			sub.Generation = tc.generation
			sub.Status.ObservedGeneration = tc.observed
			sub.Status.ReleasedTime = tc.released
			if tc.resource {
				sub.Status.Resource = &billingv1alpha1.ObservedResource{Name: "vm"}
			}
			if got := SeenBefore(sub); got != tc.want {
				t.Fatalf("SeenBefore = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReleasedDeletion(t *testing.T) {
	released := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	at := &metav1.Time{Time: released}
	discovered := map[string]string{billingv1alpha1.LabelDiscovered: "true", billingv1alpha1.LabelAccount: "acct"}
	fromGit := map[string]string{billingv1alpha1.LabelAccount: "acct"}
	week := billingv1alpha1.DefaultReleasedGracePeriod
	tests := []struct {
		name     string
		labels   map[string]string
		released *metav1.Time
		grace    time.Duration
		now      time.Time
		del      bool
		until    time.Time
	}{
		{"not released", discovered, nil, week, released.Add(30 * 24 * time.Hour), false, time.Time{}},
		{"discovered, within the grace period", discovered, at, week, released.Add(week - time.Second), false, released.Add(week)},
		{"discovered, just released", discovered, at, time.Hour, released, false, released.Add(time.Hour)},
		{"discovered, grace period over", discovered, at, week, released.Add(week), true, released.Add(week)},
		{"discovered, long past", discovered, at, time.Hour, released.Add(30 * 24 * time.Hour), true, released.Add(time.Hour)},
		{"from Git: never deleted", fromGit, at, time.Hour, released.Add(365 * 24 * time.Hour), false, time.Time{}},
		{"discovered label not true", map[string]string{billingv1alpha1.LabelDiscovered: "false"}, at, time.Hour, released.Add(48 * time.Hour), false, time.Time{}},
		{"no labels", nil, at, time.Hour, released.Add(48 * time.Hour), false, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			del, until := ReleasedDeletion(tc.labels, tc.released, tc.grace, tc.now)
			if del != tc.del || !until.Equal(tc.until) {
				t.Fatalf("ReleasedDeletion = (%v, %s), want (%v, %s)", del, until, tc.del, tc.until)
			}
		})
	}
}

func TestMayUnsubscribe(t *testing.T) {
	sub := &billingv1alpha1.Subscription{}
	sub.Spec.DeletionPolicy = billingv1alpha1.DeletionUnsubscribe
	if !MayUnsubscribe(sub) {
		t.Fatal("a live resource's Subscription may unsubscribe on deletion (deletionPolicy Unsubscribe)")
	}
	sub.Status.ReleasedTime = &metav1.Time{Time: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)}
	if MayUnsubscribe(sub) {
		t.Fatal("the Subscription of a released resource must never unsubscribe (6.3.3) on deletion")
	}
}

func TestDiscoveredMetadata(t *testing.T) {
	acct := &billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Name: "acct", Namespace: "team", UID: types.UID("acct-uid")}}
	other := metav1.OwnerReference{APIVersion: "example.com/v1", Kind: "Thing", Name: "x", UID: "other-uid"}
	ours := *metav1.NewControllerRef(acct, billingv1alpha1.GroupVersion.WithKind("BillingAccount"))
	res := &bss.Resource{ID: "ecs-1", Region: "ap-southeast-1", ServiceTypeCode: "hws.service.type.ec2", EnterpriseProject: bss.EnterpriseProject{ID: "0"}}
	full := DiscoveredLabels("acct", *res)
	withExtra := maps.Clone(full)
	withExtra["team"] = "payments"
	stale := maps.Clone(full)
	stale[billingv1alpha1.LabelRegion] = "cn-north-4"
	tests := []struct {
		name       string
		labels     map[string]string
		owners     []metav1.OwnerReference
		res        *bss.Resource
		withAcct   bool
		wantNil    bool
		wantLabels map[string]string
		wantOwners []metav1.OwnerReference
	}{
		{"up to date, not owned", full, nil, res, false, true, nil, nil},
		{"up to date, owned", full, []metav1.OwnerReference{ours}, res, true, true, nil, nil},
		{"owner added", full, nil, res, true, false, full, []metav1.OwnerReference{ours}},
		{"owner removed, others kept", full, []metav1.OwnerReference{other, ours}, res, false, false, full, []metav1.OwnerReference{other}},
		{"another controller: not taken over", full, []metav1.OwnerReference{{APIVersion: "x/v1", Kind: "X", Name: "y", UID: "y", Controller: new(true)}}, res, true, true, nil, nil},
		{"stale region fixed", stale, nil, res, false, false, full, nil},
		{"old object with only the mark gets the fleet labels",
			map[string]string{billingv1alpha1.LabelDiscovered: "true", billingv1alpha1.LabelAccount: "acct"}, nil, res, false, false, full, nil},
		{"labels of people kept", withExtra, nil, res, false, true, nil, nil},
		{"released resource keeps its labels", stale, nil, nil, false, true, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "team", Labels: maps.Clone(tc.labels), OwnerReferences: tc.owners}}
			got := DiscoveredMetadata(sub, acct, tc.res, tc.withAcct)
			if tc.wantNil {
				if got != nil {
					t.Fatalf("DiscoveredMetadata = %+v, want no change", got)
				}
				return
			}
			if got == nil {
				t.Fatal("DiscoveredMetadata = nil, want a change")
			}
			if !maps.Equal(got.Labels, tc.wantLabels) {
				t.Errorf("labels %v, want %v", got.Labels, tc.wantLabels)
			}
			if len(got.OwnerReferences) != len(tc.wantOwners) {
				t.Fatalf("owners %+v, want %+v", got.OwnerReferences, tc.wantOwners)
			}
			for i := range got.OwnerReferences {
				if got.OwnerReferences[i].UID != tc.wantOwners[i].UID {
					t.Errorf("owner %d is %+v, want %+v", i, got.OwnerReferences[i], tc.wantOwners[i])
				}
			}
			if !maps.Equal(sub.Labels, tc.labels) {
				t.Errorf("the object was changed in place: %v", sub.Labels)
			}
		})
	}
}

// TestAdoptedOwners: only an adopted Subscription (discovered=false) loses
// the account's owner reference; other owners stay; a discovered one or a
// hand-written one is not adopted.
func TestAdoptedOwners(t *testing.T) {
	acct := &billingv1alpha1.BillingAccount{ObjectMeta: metav1.ObjectMeta{Name: "acct", UID: "acct-uid"}}
	mine := metav1.OwnerReference{Name: "acct", UID: "acct-uid"}
	other := metav1.OwnerReference{Name: "app", UID: "app-uid"}
	tests := []struct {
		name        string
		discovered  string
		owners      []metav1.OwnerReference
		wantRemoved bool
		wantOwners  int
	}{
		{"adopted and owned", "false", []metav1.OwnerReference{mine}, true, 0},
		{"adopted, owned by the account and an app", "false", []metav1.OwnerReference{other, mine}, true, 1},
		{"adopted, not owned", "false", []metav1.OwnerReference{other}, false, 1},
		{"still discovered", "true", []metav1.OwnerReference{mine}, false, 0},
		{"written by hand", "", []metav1.OwnerReference{mine}, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := &billingv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{OwnerReferences: tc.owners}}
			if tc.discovered != "" {
				sub.Labels = map[string]string{billingv1alpha1.LabelDiscovered: tc.discovered}
			}
			owners, removed := AdoptedOwners(sub, acct)
			if removed != tc.wantRemoved {
				t.Fatalf("removed = %v, want %v", removed, tc.wantRemoved)
			}
			if removed && len(owners) != tc.wantOwners {
				t.Fatalf("owners %v, want %d left", owners, tc.wantOwners)
			}
			for _, o := range owners {
				if o.UID == acct.UID {
					t.Fatalf("the account's owner reference stayed: %v", owners)
				}
			}
		})
	}
}

// TestExportedLabelsMarkGit: an exported file says it is not discovered,
// so applying it over a discovered object hands that object to Git, and a
// released resource's Subscription from Git is never deleted.
func TestExportedLabelsMarkGit(t *testing.T) {
	res := bss.Resource{Region: "ap-southeast-1", ServiceTypeCode: "hws.service.type.ec2"}
	l := ExportedLabels("acct", res)
	if l[billingv1alpha1.LabelDiscovered] != "false" || l[billingv1alpha1.LabelRegion] != "ap-southeast-1" {
		t.Fatalf("ExportedLabels = %v", l)
	}
	released := &metav1.Time{}
	if del, _ := ReleasedDeletion(l, released, time.Hour, time.Now()); del {
		t.Fatal("an exported (Git) Subscription would be deleted after its resource was released")
	}
}
