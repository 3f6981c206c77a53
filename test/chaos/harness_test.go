// Package chaos runs the manager and simulator binaries as processes and
// breaks things (SIGKILL and SIGTERM at chosen points, dropped and delayed
// responses, leader loss, people acting in the console, duplicate
// Subscriptions) while renewals are due, then checks the simulator's order
// book and its attribution of every order and payment: exactly one renewal
// order per resource, every due Subscription renewed, and no payment by the
// operator's credential that no approval covered. The short mode runs in
// `make test`; BSS_CHAOS_TRIALS scales the long mode (`make chaos`: 200).
package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/testenv"
)

// suite holds what every test shares: the control plane and the binaries.
type suite struct {
	env        *testenv.Env
	dir        string
	kubeconfig string
	manager    string
	simulator  string
}

var s *suite

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "bss-chaos-")
	if err != nil {
		return 0, err
	}
	if os.Getenv("BSS_CHAOS_KEEP") == "" {
		defer os.RemoveAll(dir)
	} else {
		fmt.Fprintln(os.Stderr, "chaos: keeping", dir)
	}
	s = &suite{dir: dir, manager: filepath.Join(dir, "manager"), simulator: filepath.Join(dir, "bss-simulator")}
	for bin, pkg := range map[string]string{s.manager: "./cmd/manager", s.simulator: "./cmd/bss-simulator"} {
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Dir, cmd.Env = testenv.RepoRoot(), append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("build %s: %w: %s", pkg, err, out)
		}
	}
	if s.env, err = testenv.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = s.env.Stop() }()
	// Approvals are checked as in a real install: the approver must be
	// the user who writes the approval (config/admission).
	if err := s.env.InstallAdmissionPolicies(context.Background()); err != nil {
		return 0, err
	}
	s.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := s.env.WriteKubeconfig(s.kubeconfig); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// trials is the number of kills: BSS_CHAOS_TRIALS, else short.
func trials(short int) int {
	if v, err := strconv.Atoi(os.Getenv("BSS_CHAOS_TRIALS")); err == nil && v > 0 {
		return v
	}
	return short
}

// The simulator's callers: the operator's credentials belong to IAM user
// operatorUser, and people act in the console as consoleUser. The stage
// attributes every order and payment to one of them (docs/simulator.md).
const (
	operatorUser = "bss-operator"
	consoleUser  = "carol"
	// secondAK and secondSK are the operator user's second AK/SK pair.
	secondAK, secondSK = "AKCHAOS0000000000002", "chaos-secret-2"
)

// sim is a running simulator binary.
type sim struct {
	URL      string
	DomainID string
	AK, SK   string
	// Admin drives the stage: console users, faults, the write log.
	Admin *simulator.AdminClient
	cmd   *exec.Cmd
}

// startup is the simulator's first output line.
type startup struct {
	URL      string `json:"url"`
	Accounts []struct {
		DomainID  string `json:"domainId"`
		AccessKey string `json:"accessKey"`
		SecretKey string `json:"secretKey"`
	} `json:"accounts"`
}

// startSim starts the simulator binary with an inventory of n primary
// resources of one account, all expiring within days.
func startSim(t *testing.T, n int) *sim {
	t.Helper()
	var inv strings.Builder
	fmt.Fprintf(&inv, "accounts:\n  - domainId: chaos0000000000000000000000000001\n    name: chaos\n    currency: USD\n    cash: \"100000000\"\n    credentials:\n"+
		"      - {accessKey: AKCHAOS0000000000001, secretKey: chaos-secret-1, user: %[1]s}\n      - {accessKey: %[2]s, secretKey: %[3]s, user: %[1]s}\nresources:\n",
		operatorUser, secondAK, secondSK)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&inv, "  - id: vm-%03d\n    account: chaos0000000000000000000000000001\n    name: vm-%03d\n    serviceTypeCode: hws.service.type.ec2\n    resourceTypeCode: hws.resource.type.vm\n    monthlyPrice: \"10.00\"\n    periodType: month\n    periodNum: 1\n    expiresIn: %dd\n", i, i, 3+i%3)
	}
	path := filepath.Join(t.TempDir(), "inventory.yaml")
	if err := os.WriteFile(path, []byte(inv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// The write log goes to a file too, for a look after a failed run
	// (BSS_CHAOS_KEEP keeps it).
	cmd := exec.Command(s.simulator, "--inventory", path, "--seed", "7",
		"--write-log", filepath.Join(s.dir, strings.ReplaceAll(t.Name(), "/", "_")+".writes.jsonl"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read simulator startup line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	var info startup
	if err := json.Unmarshal([]byte(line), &info); err != nil || len(info.Accounts) == 0 {
		t.Fatalf("simulator startup line %q: %v", line, err)
	}
	a := info.Accounts[0]
	return &sim{URL: info.URL, DomainID: a.DomainID, AK: a.AccessKey, SK: a.SecretKey, cmd: cmd,
		Admin: simulator.NewAdminClient(info.URL, nil)}
}

// admin calls the simulator's admin API.
// endpointFlag allows the simulator's loopback URL, which the manager's
// default allowlist (the documented BSS hosts) refuses.
func (m *sim) endpointFlag() string { return "--bss-endpoints=" + m.URL }

func (m *sim) admin(t *testing.T, method, path string, body, out any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, m.URL+"/_sim/"+path, r)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("admin %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("admin %s %s: %d %s", method, path, res.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("admin %s %s: decode %s: %v", method, path, data, err)
		}
	}
}

// resource is what the checks need of a simulator resource.
type resource struct {
	ID         string    `json:"id"`
	IsMain     bool      `json:"isMain"`
	ExpireTime time.Time `json:"expireTime"`
}

// verdict is what a scenario proves: renewal orders, duplicates (renewal
// orders beyond the first per resource, whoever placed them), misses (due
// resources not renewed) and unauthorized payments (see unauthorized).
type verdict struct {
	orders, duplicates, misses, unauthorized int
}

// String prints the verdict as every scenario logs it.
func (v verdict) String() string {
	return fmt.Sprintf("orders=%d duplicates=%d misses=%d unauthorized-payments=%d", v.orders, v.duplicates, v.misses, v.unauthorized)
}

// require fails the test unless the verdict has the given number of
// renewal orders, no duplicates, no misses and no unauthorized payments.
func (v verdict) require(t *testing.T, orders int) {
	t.Helper()
	if v.duplicates != 0 || v.unauthorized != 0 || v.misses != 0 || v.orders != orders {
		t.Fatalf("%s; want %d orders, no duplicates, no misses, no unauthorized payments", v, orders)
	}
}

// check reads the simulator's order book and payments and judges them for
// the Subscriptions of the given namespaces: duplicates and unauthorized
// payments are explained (see explain), misses counted against baseline.
func (m *sim) check(t *testing.T, baseline map[string]time.Time, namespaces ...string) verdict {
	t.Helper()
	ctx := context.Background()
	orders, err := m.Admin.Orders(ctx, simulator.OrderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var resources []resource
	m.admin(t, http.MethodGet, "resources", nil, &resources)
	perResource := map[string]int{}
	var v verdict
	for _, o := range orders {
		if o.Type == orderTypeRenewal {
			v.orders++
			perResource[o.PrimaryResourceID]++
		}
	}
	for id, n := range perResource {
		if n > 1 {
			v.duplicates += n - 1
			t.Errorf("resource %s has %d renewal orders, want 1", id, n)
			m.explain(t, id, orders, namespaces)
		}
	}
	for _, r := range resources {
		if base, ok := baseline[r.ID]; ok && !r.ExpireTime.After(base) {
			v.misses++
		}
	}
	payments, err := m.Admin.Payments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	requests := renewalRequests(t, namespaces)
	for _, p := range payments {
		o := findOrder(orders, p.OrderID)
		if why := unauthorized(p, o, requests); why != "" {
			v.unauthorized++
			t.Errorf("unauthorized payment of order %s (%s, placed by %s/%s): %s", p.OrderID, p.Amount, p.PlacedBy.User, p.PlacedBy.Via, why)
			if o != nil {
				m.explain(t, o.PrimaryResourceID, orders, namespaces)
			}
		}
	}
	return v
}

// renewalOrders counts the renewal orders in the order book.
func (m *sim) renewalOrders(t *testing.T) int {
	t.Helper()
	orders, err := m.Admin.Orders(context.Background(), simulator.OrderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range orders {
		if o.Type == orderTypeRenewal {
			n++
		}
	}
	return n
}

// orderTypeRenewal is order_type 2 (6.2.1), a renewal.
const orderTypeRenewal = 2

// findOrder returns the order with the given ID, or nil.
func findOrder(orders []simulator.Order, id string) *simulator.Order {
	for i := range orders {
		if orders[i].ID == id {
			return &orders[i]
		}
	}
	return nil
}

// renewalRequests lists the RenewalRequests of the namespaces.
func renewalRequests(t *testing.T, namespaces []string) []billingv1alpha1.RenewalRequest {
	t.Helper()
	var out []billingv1alpha1.RenewalRequest
	for _, ns := range namespaces {
		var list billingv1alpha1.RenewalRequestList
		if err := s.env.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			t.Fatalf("list RenewalRequests of %s: %v", ns, err)
		}
		out = append(out, list.Items...)
	}
	return out
}

// unauthorized says why a payment was not authorized, or "" if it was.
// Only payments made with the operator's credential are judged (people pay
// what they like). Such a payment must be of an order that a RenewalRequest
// names and authorizes (see authorizes).
func unauthorized(p simulator.Payment, o *simulator.Order, requests []billingv1alpha1.RenewalRequest) string {
	if p.By.User != operatorUser || p.By.Via == simulator.ViaConsole {
		return ""
	}
	if o == nil {
		return "the order is not in the order book"
	}
	why := "no RenewalRequest names the order"
	for i := range requests {
		if slices.Contains(requests[i].Status.OrderIDs, p.OrderID) {
			if why = authorizes(&requests[i], p, o); why == "" {
				return ""
			}
		}
	}
	return why
}

// authorizes says why rr does not authorize payment p of order o, or ""
// if it does. A denied request authorizes nothing. A person's approval,
// given before the payment and covering its amount, is needed when the
// order was placed by someone else than the operator (a person, another
// cluster: the default pendingOrders RequireApproval), when the request's
// policy is Always, or when the amount is above the request's approval
// threshold or maxPrice; otherwise the policy covers an order the operator
// placed. What cannot be decided does not authorize.
func authorizes(rr *billingv1alpha1.RenewalRequest, p simulator.Payment, o *simulator.Order) string {
	if rr.Status.Phase == billingv1alpha1.RenewalPhaseDenied {
		return "RenewalRequest " + rr.Name + " was denied"
	}
	amount, err := decimal.NewFromString(p.Amount)
	if err != nil {
		return fmt.Sprintf("amount %q: %v", p.Amount, err)
	}
	above := func(m *billingv1alpha1.Money) bool {
		if m == nil {
			return false
		}
		limit, err := decimal.NewFromString(m.Amount)
		return err != nil || amount.GreaterThan(limit)
	}
	need := ""
	switch {
	case o.PlacedBy.User != operatorUser || o.PlacedBy.Via == simulator.ViaConsole:
		need = "the order was placed by " + o.PlacedBy.User + " (" + o.PlacedBy.Via + ")"
	case rr.Spec.ApprovalPolicy == billingv1alpha1.ApprovalAlways:
		need = "the policy asks for approval always"
	case rr.Spec.ApprovalPolicy == billingv1alpha1.ApprovalAboveAmount && (rr.Spec.ApprovalAmount == nil || above(rr.Spec.ApprovalAmount)):
		need = "the amount is above the approval threshold"
	case above(rr.Spec.MaxPrice):
		need = "the amount is above maxPrice"
	}
	if need == "" {
		return ""
	}
	a := rr.Spec.Approval
	if a == nil || a.Decision != billingv1alpha1.DecisionApprove {
		return need + ", and RenewalRequest " + rr.Name + " has no approval"
	}
	at, ok := approvedAt(rr)
	switch {
	case !ok:
		return need + ", and when RenewalRequest " + rr.Name + " was approved is not known"
	case p.Time.Before(at):
		return fmt.Sprintf("%s, and it was paid at %s, before RenewalRequest %s was approved at %s", need,
			p.Time.Format(time.RFC3339), rr.Name, at.Format(time.RFC3339))
	}
	limit := a.MaxAmount
	if limit == nil {
		limit = rr.Status.ApprovedAmount
	}
	if limit == nil || above(limit) {
		return fmt.Sprintf("%s, and the approval of RenewalRequest %s covers %v", need, rr.Name, limit)
	}
	return ""
}

// approvedAt is when spec.approval was written, from the RenewalRequest's
// managedFields (seconds, as the simulator's payment times).
func approvedAt(rr *billingv1alpha1.RenewalRequest) (time.Time, bool) {
	var at time.Time
	for _, f := range rr.ManagedFields {
		if f.FieldsV1 != nil && f.Time != nil && strings.Contains(f.FieldsV1.GetRawString(), `"f:approval"`) && f.Time.After(at) {
			at = f.Time.Time
		}
	}
	return at, !at.IsZero()
}

// explain logs what led to a duplicate or an unauthorized payment: the
// resource's renewal orders with who placed and paid them, its entries in
// the simulator's write log, the RenewalRequests for it, and the Events of
// the namespaces that name it or its requests (OrderPlaced, OrderAdopted,
// RenewalFailed, ...).
func (m *sim) explain(t *testing.T, resourceID string, orders []simulator.Order, namespaces []string) {
	t.Helper()
	for _, o := range orders {
		if o.Type == orderTypeRenewal && o.PrimaryResourceID == resourceID {
			paid := "unpaid"
			if o.PaidBy != nil {
				paid = "paid by " + o.PaidBy.User + "/" + o.PaidBy.Via
			}
			t.Logf("order %s status %d created %s by %s/%s, %s", o.ID, o.Status, o.CreateTime.Format(time.RFC3339), o.PlacedBy.User, o.PlacedBy.Via, paid)
		}
	}
	if writes, err := m.Admin.Writes(context.Background(), 0); err == nil {
		for _, w := range writes {
			if slices.Contains(w.Resources, resourceID) {
				t.Logf("write %d %s %s by %s/%s: %d %s applied=%v delivered=%v faults=%v orders=%v", w.Seq, w.RealTime.Format("15:04:05.000"),
					w.Op, w.Caller.User, w.Caller.Via, w.Status, w.ErrorCode, w.Applied, w.Delivered, w.Faults, w.OrderIDs)
			}
		}
	}
	for _, ns := range namespaces {
		explainCluster(t, ns, resourceID)
	}
}

// explainCluster logs the RenewalRequests of namespace ns for a resource
// and the Events that name it or them.
func explainCluster(t *testing.T, ns, resourceID string) {
	t.Helper()
	ctx := context.Background()
	var rrs billingv1alpha1.RenewalRequestList
	if err := s.env.Client.List(ctx, &rrs, client.InNamespace(ns)); err != nil {
		t.Logf("list RenewalRequests: %v", err)
	}
	names := map[string]bool{}
	for _, rr := range rrs.Items {
		if rr.Spec.ResourceID != resourceID {
			continue
		}
		names[rr.Name] = true
		st := rr.Status
		t.Logf("RenewalRequest %s/%s (uid %s, revision %d): phase %s, approval %s, intent %v, renew calls %d, orders %v: %s",
			ns, rr.Name, rr.UID, rr.Spec.Revision, st.Phase, st.ApprovalState, st.OrderIntentTime, st.RenewCalls, st.OrderIDs, st.Message)
	}
	var events corev1.EventList
	if err := s.env.Client.List(ctx, &events, client.InNamespace(ns)); err != nil {
		t.Logf("list Events: %v", err)
	}
	sort.Slice(events.Items, func(i, j int) bool { return eventTime(&events.Items[i]).Before(eventTime(&events.Items[j])) })
	for i := range events.Items {
		e := &events.Items[i]
		if e.InvolvedObject.Name == resourceID || names[e.InvolvedObject.Name] {
			t.Logf("event %s %s/%s %s (x%d): %s", eventTime(e).Format("15:04:05.000"), e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Count, e.Message)
		}
	}
}

// eventTime is when an Event last happened, whichever API wrote it.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// baseline reads every primary resource's current expiry.
func (m *sim) baseline(t *testing.T) map[string]time.Time {
	t.Helper()
	var resources []resource
	m.admin(t, http.MethodGet, "resources", nil, &resources)
	out := map[string]time.Time{}
	for _, r := range resources {
		if r.IsMain {
			out[r.ID] = r.ExpireTime
		}
	}
	return out
}

// waitRenewed waits until every baseline resource's expiry moved; on
// timeout it explains the resources left (see explain) for the
// Subscriptions of the namespaces.
func (m *sim) waitRenewed(t *testing.T, baseline map[string]time.Time, timeout time.Duration, namespaces ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var resources []resource
		m.admin(t, http.MethodGet, "resources", nil, &resources)
		var left []string
		for _, r := range resources {
			if base, ok := baseline[r.ID]; ok && !r.ExpireTime.After(base) {
				left = append(left, r.ID)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			orders, err := m.Admin.Orders(context.Background(), simulator.OrderFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range left {
				m.explain(t, id, orders, namespaces)
			}
			t.Fatalf("%d of %d resources not renewed after %s: %v", len(left), len(baseline), timeout, left)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
