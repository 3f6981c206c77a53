package controller_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/metrics"
)

// enableDiscovery turns discovery of the account's EC2 resources on, with
// mutate applied to the discovery spec, and waits for a refresh that lists
// the resources seeded so far.
func enableDiscovery(t *testing.T, ns string, mutate func(*billingv1alpha1.DiscoverySpec)) {
	t.Helper()
	var acct billingv1alpha1.BillingAccount
	get(t, ns, "acct", &acct)
	patch := client.MergeFrom(acct.DeepCopy())
	acct.Spec.Discovery = &billingv1alpha1.DiscoverySpec{Enabled: true,
		ResourceSelector: billingv1alpha1.ResourceSelector{ServiceTypeCodes: []string{"hws.service.type.ec2"}}}
	if mutate != nil {
		mutate(acct.Spec.Discovery)
	}
	if err := h.env.Client.Patch(ctx(), &acct, patch); err != nil {
		t.Fatal(err)
	}
	h.advance(2 * time.Minute) // the next refresh lists the new resources
}

// setDeleteWithAccount patches spec.discovery.deleteWithAccount.
func setDeleteWithAccount(t *testing.T, ns string, on bool) {
	t.Helper()
	var acct billingv1alpha1.BillingAccount
	get(t, ns, "acct", &acct)
	patch := client.MergeFrom(acct.DeepCopy())
	acct.Spec.Discovery.DeleteWithAccount = on
	if err := h.env.Client.Patch(ctx(), &acct, patch); err != nil {
		t.Fatal(err)
	}
}

// subscriptionsByResource lists the namespace's Subscriptions by resource ID.
func subscriptionsByResource(ns string) (map[string]billingv1alpha1.Subscription, error) {
	var list billingv1alpha1.SubscriptionList
	if err := h.env.Client.List(ctx(), &list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := map[string]billingv1alpha1.Subscription{}
	for _, s := range list.Items {
		out[s.Spec.ResourceID] = s
	}
	return out, nil
}

// ownedBy reports whether the account is the Subscription's controller.
func ownedBy(s *billingv1alpha1.Subscription, acct *billingv1alpha1.BillingAccount) bool {
	c := metav1.GetControllerOf(s)
	return c != nil && c.UID == acct.UID && c.Kind == "BillingAccount" && c.Name == acct.Name
}

// wantLabels checks that every label of want is on the Subscription.
func wantLabels(s *billingv1alpha1.Subscription, want map[string]string) error {
	for k, v := range want {
		if s.Labels[k] != v {
			return fmt.Errorf("Subscription %s has labels %v, want %s=%q", s.Name, s.Labels, k, v)
		}
	}
	return nil
}

// TestDiscoveryOwnerFollowsDeleteWithAccount: discovered Subscriptions carry
// the fleet labels and the account's owner reference only with
// deleteWithAccount; discovered ones that exist already get their labels
// fixed and the owner reference added and removed as the flag changes; a
// Subscription without the discovered label is never touched; and deleting
// the account without deleteWithAccount leaves the discovered ones, which
// report the missing account. (envtest runs no garbage collector: the owner
// references are what decide whether Kubernetes deletes them.)
func TestDiscoveryOwnerFollowsDeleteWithAccount(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "10.00")
	fresh := h.newResource(t, a, resourceOpts{expiresIn: 30 * day})
	old := h.newResource(t, a, resourceOpts{expiresIn: 40 * day})
	mineID := h.newResource(t, a, resourceOpts{expiresIn: 50 * day})

	// Discovered by an older operator: the mark only, and a wrong region.
	stale := subscription(ns, "old-discovered", old, "none", billingv1alpha1.ManagementObserve)
	stale.Spec.RenewalPolicyRef = nil
	stale.Labels = map[string]string{billingv1alpha1.LabelDiscovered: "true", billingv1alpha1.LabelAccount: "acct",
		billingv1alpha1.LabelRegion: "cn-north-4", "team": "payments"}
	mustCreate(t, stale)
	// Written by a person, with an account label but not the mark.
	mine := subscription(ns, "mine", mineID, "none", billingv1alpha1.ManagementObserve)
	mine.Spec.RenewalPolicyRef = nil
	mine.Labels = map[string]string{billingv1alpha1.LabelAccount: "acct", billingv1alpha1.LabelRegion: "somewhere"}
	mustCreate(t, mine)

	enableDiscovery(t, ns, nil)
	var acct billingv1alpha1.BillingAccount
	get(t, ns, "acct", &acct)
	fleetLabels := map[string]string{billingv1alpha1.LabelDiscovered: "true", billingv1alpha1.LabelAccount: "acct",
		billingv1alpha1.LabelRegion: "ap-southeast-1", billingv1alpha1.LabelServiceType: "hws.service.type.ec2"}

	checkMine := func(subs map[string]billingv1alpha1.Subscription) error {
		m := subs[mineID]
		if m.Name != "mine" || len(m.OwnerReferences) != 0 || !maps.Equal(m.Labels, mine.Labels) {
			t.Fatalf("a Subscription without the discovered label was changed: labels %v, owners %v", m.Labels, m.OwnerReferences)
		}
		return nil
	}
	eventually(t, 20*time.Second, func() error {
		subs, err := subscriptionsByResource(ns)
		if err != nil {
			return err
		}
		if len(subs) != 3 {
			return fmt.Errorf("%d Subscriptions, want 3", len(subs))
		}
		for _, id := range []string{fresh, old} {
			s := subs[id]
			if err := wantLabels(&s, fleetLabels); err != nil {
				return err
			}
			if len(s.OwnerReferences) != 0 {
				return fmt.Errorf("discovered Subscription %s is owned by %v without deleteWithAccount", s.Name, s.OwnerReferences)
			}
		}
		if s := subs[old]; s.Labels["team"] != "payments" {
			t.Fatalf("a person's label on a discovered Subscription was dropped: %v", s.Labels)
		}
		return checkMine(subs)
	})

	setDeleteWithAccount(t, ns, true)
	eventually(t, 20*time.Second, func() error {
		subs, err := subscriptionsByResource(ns)
		if err != nil {
			return err
		}
		for _, id := range []string{fresh, old} {
			if s := subs[id]; !ownedBy(&s, &acct) {
				return fmt.Errorf("discovered Subscription %s owners %v, want the account as controller", s.Name, s.OwnerReferences)
			}
		}
		return checkMine(subs)
	})

	// Adopted from Git: the exported file, applied over the discovered
	// object, sets discovered=false. Discovery leaves the mark alone and
	// takes its owner reference away; Git owns the object now.
	subs, err := subscriptionsByResource(ns)
	if err != nil {
		t.Fatal(err)
	}
	adopted := subs[fresh]
	apatch := client.MergeFrom(adopted.DeepCopy())
	adopted.Labels[billingv1alpha1.LabelDiscovered] = "false"
	if err := h.env.Client.Patch(ctx(), &adopted, apatch); err != nil {
		t.Fatal(err)
	}
	waitSub(t, ns, adopted.Name, 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if s.Labels[billingv1alpha1.LabelDiscovered] != "false" {
			t.Fatalf("discovery took back an adopted Subscription: labels %v", s.Labels)
		}
		if len(s.OwnerReferences) != 0 {
			return fmt.Errorf("adopted Subscription still owned by %v", s.OwnerReferences)
		}
		return nil
	})
	if s := subs[old]; !ownedBy(&s, &acct) {
		t.Fatalf("a discovered Subscription lost its owner with the adopted one: %v", s.OwnerReferences)
	}

	setDeleteWithAccount(t, ns, false)
	eventually(t, 20*time.Second, func() error {
		subs, err := subscriptionsByResource(ns)
		if err != nil {
			return err
		}
		for _, id := range []string{fresh, old} {
			if s := subs[id]; len(s.OwnerReferences) != 0 {
				return fmt.Errorf("discovered Subscription %s still owned by %v", s.Name, s.OwnerReferences)
			}
		}
		return checkMine(subs)
	})

	// Deleting the account leaves them (no owner reference for the garbage
	// collector to follow), and they say the account is missing.
	if err := h.env.Client.Delete(ctx(), &acct); err != nil {
		t.Fatal(err)
	}
	subs, err = subscriptionsByResource(ns)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{fresh, old} {
		s := subs[id]
		waitSub(t, ns, s.Name, 20*time.Second, func(s *billingv1alpha1.Subscription) error {
			if len(s.OwnerReferences) != 0 {
				return fmt.Errorf("owners %v", s.OwnerReferences)
			}
			return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionFalse, billingv1alpha1.ReasonAccountNotFound)
		})
	}
}

// operatorWrites returns the write-log entries after seq made by the
// operator (the account's AK/SK) that name one of ids.
func operatorWrites(a account, seq int64, ids ...string) []simulator.WriteEntry {
	var out []simulator.WriteEntry
	for _, w := range h.sim.Writes() {
		if w.Seq <= seq || w.Caller.DomainID != a.DomainID || w.Caller.Via == simulator.ViaConsole || w.Caller.Via == simulator.ViaSystem {
			continue
		}
		for _, r := range w.Resources {
			if slices.Contains(ids, r) {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// lastSeq is the sequence number of the newest write-log entry.
func lastSeq() int64 {
	ws := h.sim.Writes()
	if len(ws) == 0 {
		return 0
	}
	return ws[len(ws)-1].Seq
}

// releasedGauges returns the bss_operator_subscription_resource_released
// series of a namespace, by Subscription name.
func releasedGauges(t *testing.T, ns string) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metrics.NewObjectCollector(h.env.Client))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "bss_operator_subscription_resource_released" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] == ns {
				out[labels["name"]] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// accountEvents returns the Events of a reason about the BillingAccount.
func accountEvents(t *testing.T, ns, reason string) []eventsv1.Event {
	t.Helper()
	return eventsAbout(t, ns, "BillingAccount", "acct", reason)
}

// TestReleasedResource: resources released in BSS (a person unsubscribes
// them in the console) are marked on their Subscriptions: condition
// ResourceReleased, status.releasedTime, the released gauge; Observe is
// Ready (kstatus Current, Argo CD Healthy), a managed one whose policy
// keeps it Stalled (Failed, Degraded). The operator makes no BSS write for
// them, deleting one with deletionPolicy Unsubscribe included. The
// discovered Subscription is deleted once the grace period is over; the
// ones from Git stay.
func TestReleasedResource(t *testing.T) {
	ns := h.env.Namespace(t)
	a := h.newAccount(t, ns, "1000.00")
	discoveredID := h.newResource(t, a, resourceOpts{expiresIn: 60 * day})
	observeID := h.newResource(t, a, resourceOpts{expiresIn: 60 * day, serviceType: "hws.service.type.rds"})
	manageID := h.newResource(t, a, resourceOpts{expiresIn: 60 * day, serviceType: "hws.service.type.rds"})
	mustCreate(t, renewPolicy(ns, "monthly"))
	observe := subscription(ns, "git-observe", observeID, "monthly", billingv1alpha1.ManagementObserve)
	mustCreate(t, observe)
	manage := subscription(ns, "git-manage", manageID, "monthly", billingv1alpha1.ManagementManage)
	manage.Spec.DeletionPolicy = billingv1alpha1.DeletionUnsubscribe
	manage.Spec.UnsubscribeType = billingv1alpha1.UnsubscribeAllPeriods
	mustCreate(t, manage)
	grace := 2 * time.Hour
	enableDiscovery(t, ns, func(d *billingv1alpha1.DiscoverySpec) {
		d.ReleasedGracePeriod = &metav1.Duration{Duration: grace}
	})

	var discovered string
	eventually(t, 20*time.Second, func() error {
		subs, err := subscriptionsByResource(ns)
		if err != nil {
			return err
		}
		s, ok := subs[discoveredID]
		if !ok {
			return fmt.Errorf("not discovered yet")
		}
		discovered = s.Name
		return nil
	})
	for _, name := range []string{discovered, "git-observe", "git-manage"} {
		waitSub(t, ns, name, 20*time.Second, func(s *billingv1alpha1.Subscription) error {
			if s.Status.Resource == nil || s.Status.ObservedGeneration != s.Generation {
				return fmt.Errorf("resource not read yet")
			}
			return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, "")
		})
	}
	if g := releasedGauges(t, ns); len(g) != 0 {
		t.Fatalf("released gauges before any release: %v", g)
	}

	console := h.sim.Console(a.DomainID, "alice")
	for _, id := range []string{discoveredID, observeID, manageID} {
		res, err := console.Unsubscribe(id, 1)
		if err == nil {
			err = res.Err()
		}
		if err != nil {
			t.Fatalf("unsubscribe %s in the console: %v", id, err)
		}
	}
	mark := lastSeq()
	releasedAt := h.clock.Now()
	h.advance(2 * time.Minute) // the next refresh no longer lists them

	released := func(s *billingv1alpha1.Subscription) error {
		if s.Status.ReleasedTime == nil {
			return fmt.Errorf("no releasedTime; conditions %s", describeConditions(s.Status.Conditions))
		}
		if s.Status.ReleasedTime.Before(&metav1.Time{Time: releasedAt.Truncate(time.Second)}) {
			t.Fatalf("releasedTime %s is before the release at %s", s.Status.ReleasedTime, releasedAt)
		}
		if s.Status.ExpireTime != nil {
			return fmt.Errorf("a released resource still has expireTime %s", s.Status.ExpireTime)
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionResourceReleased, metav1.ConditionTrue, billingv1alpha1.ReasonResourceReleased)
	}
	for _, name := range []string{discovered, "git-observe"} {
		waitSub(t, ns, name, 20*time.Second, func(s *billingv1alpha1.Subscription) error {
			if err := released(s); err != nil {
				return err
			}
			if condition(s.Status.Conditions, billingv1alpha1.ConditionStalled) != nil {
				return fmt.Errorf("an Observe Subscription of a released resource is Stalled: %s", describeConditions(s.Status.Conditions))
			}
			return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionReady, metav1.ConditionTrue, billingv1alpha1.ReasonResourceReleased)
		})
	}
	waitSub(t, ns, "git-manage", 20*time.Second, func(s *billingv1alpha1.Subscription) error {
		if err := released(s); err != nil {
			return err
		}
		return wantCondition(s.Status.Conditions, billingv1alpha1.ConditionStalled, metav1.ConditionTrue, billingv1alpha1.ReasonResourceReleased)
	})
	// What GitOps tools make of it: final, not progressing forever.
	for name, want := range map[string]struct {
		kstatus status.Status
		argo    string
	}{
		discovered:    {status.CurrentStatus, "Healthy"},
		"git-observe": {status.CurrentStatus, "Healthy"},
		"git-manage":  {status.FailedStatus, "Degraded"},
	} {
		eventually(t, 10*time.Second, func() error {
			ks, health, err := liveStatus(ns, name, "Subscription")
			if err != nil {
				return err
			}
			if ks != want.kstatus || health.Status != want.argo {
				return fmt.Errorf("%s: kstatus %s, Argo CD %s (%s), want %s, %s", name, ks, health.Status, health.Message, want.kstatus, want.argo)
			}
			return nil
		})
	}
	if g := releasedGauges(t, ns); len(g) != 3 || g[discovered] != 1 || g["git-observe"] != 1 || g["git-manage"] != 1 {
		t.Fatalf("released gauges %v, want 1 for each of the three Subscriptions", g)
	}

	// Within the grace period the discovered Subscription stays.
	h.advance(grace - 10*time.Minute)
	passed(t, ns, discovered)
	var d billingv1alpha1.Subscription
	if err := getErr(ns, discovered, &d); err != nil {
		t.Fatalf("discovered Subscription deleted within the grace period: %v", err)
	}
	// After it, the operator deletes it and says so on the account.
	h.advance(20 * time.Minute)
	waitGone(t, ns, discovered)
	eventually(t, 10*time.Second, func() error {
		if len(accountEvents(t, ns, billingv1alpha1.ReasonReleasedSubscriptionDeleted)) == 0 {
			return fmt.Errorf("no %s Event on the BillingAccount", billingv1alpha1.ReasonReleasedSubscriptionDeleted)
		}
		return nil
	})
	// The ones from Git are only marked, however long.
	h.advance(grace)
	passed(t, ns, "git-observe")
	passed(t, ns, "git-manage")
	if g := releasedGauges(t, ns); len(g) != 2 || g["git-observe"] != 1 || g["git-manage"] != 1 {
		t.Fatalf("released gauges %v, want git-observe and git-manage only", g)
	}

	// Deleting the managed one with deletionPolicy Unsubscribe, confirmed,
	// lets it go without calling 6.3.3.
	var m billingv1alpha1.Subscription
	get(t, ns, "git-manage", &m)
	patch := client.MergeFrom(m.DeepCopy())
	m.Annotations = map[string]string{billingv1alpha1.AnnotationConfirmUnsubscribe: manageID}
	if err := h.env.Client.Patch(ctx(), &m, patch); err != nil {
		t.Fatal(err)
	}
	if err := h.env.Client.Delete(ctx(), &m); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	waitGone(t, ns, "git-manage")

	if w := operatorWrites(a, mark, discoveredID, observeID, manageID); len(w) > 0 {
		t.Fatalf("the operator wrote to BSS for released resources: %+v", w)
	}
}
