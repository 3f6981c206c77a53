package bss

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// iamActions are the IAM actions each Client operation needs, from the
// reference's permission table (§3.2, DIGEST §1.4). nil: §3.2 does not list
// the API, so no fine-grained permission is needed. Actions §3.2 marks "to
// be brought offline" are left out.
var iamActions = map[string][]string{
	"QueryResources":     {"bss:renewal:view"},
	"ListResources":      {"bss:renewal:view"},
	"Renew":              {"bss:renewal:update"},
	"Unsubscribe":        {"bss:unsubscribe:update"},
	"EnableAutoRenew":    {"bss:renewal:update"},
	"DisableAutoRenew":   {"bss:renewal:update"},
	"SetToOnDemand":      {"bss:renewal:update"},
	"ListOrders":         {"bss:order:view"},
	"GetOrder":           {"bss:order:view"},
	"ListOrderDiscounts": {"bss:discount:view"},
	"PayOrder":           {"bss:order:pay"},
	"CancelOrder":        {"bss:order:update"},
	"ListRefunds":        {"bss:order:view"},
	// 4.2.3 is not in §3.2; bs:discount:view only adds discounts (optional).
	"RenewalPrice": nil,
	// §3.2 lists 4.2.1 with bs:discount:view, which only adds discounts
	// (§3.2 NOTE); every mode's policy grants it.
	"OnDemandPrice": {"bs:discount:view"},
	"Balances":      {"bss:balance:view"},
	// §3.2 lists bss:bill:view for the v1.0 path; assumed for v2.
	"SummaryBills": {"bss:bill:view"},
	"CostData":     {"bss:costanalysis:view"},
}

// TestOperatingDocIAMPolicies checks that docs/operating.md has a custom
// policy for each mode that grants exactly the actions of the calls the
// mode makes, and that every Client operation is classified.
func TestOperatingDocIAMPolicies(t *testing.T) {
	ct := reflect.TypeFor[Client]()
	for i := range ct.NumMethod() {
		if _, ok := iamActions[ct.Method(i).Name]; !ok {
			t.Errorf("Client.%s has no IAM actions in iamActions", ct.Method(i).Name)
		}
	}
	// Observe quotes PayPerUse-policy subscriptions on pay-per-use too (4.2.1).
	observe := []string{"QueryResources", "ListResources", "RenewalPrice", "OnDemandPrice", "Balances"}
	modes := map[string][]string{
		"Observe":     observe,
		"Renew":       append(slices.Clone(observe), "Renew", "ListOrders", "GetOrder", "ListOrderDiscounts", "PayOrder", "CancelOrder"),
		"AutoRenew":   append(slices.Clone(observe), "EnableAutoRenew", "DisableAutoRenew"),
		"PayPerUse":   append(slices.Clone(observe), "SetToOnDemand", "DisableAutoRenew"),
		"Unsubscribe": append(slices.Clone(observe), "Unsubscribe"),
		"Budgets":     {"SummaryBills", "CostData", "Balances", "RenewalPrice"},
	}
	data, err := os.ReadFile("../../docs/operating.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for mode, ops := range modes {
		want := []string{"bs:discount:view"} // quotes' optional discounts: every mode quotes
		for _, op := range ops {
			want = append(want, iamActions[op]...)
		}
		slices.Sort(want)
		want = slices.Compact(want)
		re := regexp.MustCompile("(?s)\n" + mode + ":\n\n```json\n(.*?)```")
		m := re.FindStringSubmatch(doc)
		if m == nil {
			t.Errorf("docs/operating.md has no policy for %s", mode)
			continue
		}
		var policy struct {
			Version   string
			Statement []struct {
				Effect string
				Action []string
			}
		}
		if err := json.Unmarshal([]byte(m[1]), &policy); err != nil {
			t.Errorf("%s policy: %v", mode, err)
			continue
		}
		var got []string
		for _, s := range policy.Statement {
			if s.Effect != "Allow" {
				t.Errorf("%s policy: effect %s", mode, s.Effect)
			}
			got = append(got, s.Action...)
		}
		slices.Sort(got)
		if policy.Version != "1.1" || !slices.Equal(got, want) {
			t.Errorf("%s policy grants %v (version %s), want exactly %v", mode, got, policy.Version, want)
		}
		if mode == "Unsubscribe" && !strings.Contains(m[1], "bss:unsubscribe:update") {
			t.Errorf("Unsubscribe policy lacks bss:unsubscribe:update")
		}
	}
}
