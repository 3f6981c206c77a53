package config_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// dur is a duration default: the CRD holds its string form.
type dur time.Duration

// TestCRDDefaultsMatchConstants: every default in the generated CRDs equals
// the Default* constant the code uses when the field is unset, and every
// default has one. The +kubebuilder:default markers must hold literals, so
// this is what keeps the two from drifting apart.
func TestCRDDefaultsMatchConstants(t *testing.T) {
	want := map[string]map[string]any{
		"billingaccounts": {
			"spec.site":                          string(billingv1alpha1.DefaultSite),
			"spec.refreshInterval":               dur(billingv1alpha1.DefaultAccountRefreshInterval),
			"spec.discovery.releasedGracePeriod": dur(billingv1alpha1.DefaultReleasedGracePeriod),
		},
		"subscriptions": {
			"spec.managementPolicy": string(billingv1alpha1.DefaultManagementPolicy),
			"spec.deletionPolicy":   string(billingv1alpha1.DefaultDeletionPolicy),
		},
		"renewalpolicies": {
			"spec.warnBefore":                      dur(billingv1alpha1.DefaultWarnBefore),
			"spec.historyLimit":                    float64(billingv1alpha1.DefaultHistoryLimit),
			"spec.orderHistoryLimit":               float64(billingv1alpha1.DefaultOrderHistoryLimit),
			"spec.renew.payment":                   map[string]any{"method": string(billingv1alpha1.DefaultPaymentMethod)},
			"spec.renew.payment.method":            string(billingv1alpha1.DefaultPaymentMethod),
			"spec.renew.payment.discount":          string(billingv1alpha1.DefaultDiscount),
			"spec.renew.payment.cancelUnpaidAfter": dur(billingv1alpha1.DefaultCancelUnpaidAfter),
			"spec.renew.approval":                  map[string]any{"policy": string(billingv1alpha1.DefaultApprovalPolicy)},
			"spec.renew.approval.policy":           string(billingv1alpha1.DefaultApprovalPolicy),
			"spec.renew.window.startHour":          float64(billingv1alpha1.DefaultWindowStartHour),
			"spec.renew.window.endHour":            float64(billingv1alpha1.DefaultWindowEndHour),
			"spec.renew.window.timeZone":           billingv1alpha1.DefaultWindowTimeZone,
			"spec.renew.pendingOrders":             string(billingv1alpha1.DefaultPendingOrders),
		},
		"renewalrequests": {
			// The request copies the policy's payment; its own schema
			// defaults the parts a hand-made request may leave out.
			"spec.payment.method":            string(billingv1alpha1.DefaultPaymentMethod),
			"spec.payment.discount":          string(billingv1alpha1.DefaultDiscount),
			"spec.payment.cancelUnpaidAfter": dur(billingv1alpha1.DefaultCancelUnpaidAfter),
			"spec.window.startHour":          float64(billingv1alpha1.DefaultWindowStartHour),
			"spec.window.endHour":            float64(billingv1alpha1.DefaultWindowEndHour),
			"spec.window.timeZone":           billingv1alpha1.DefaultWindowTimeZone,
			"spec.pendingOrders":             string(billingv1alpha1.DefaultPendingOrders),
		},
		"budgetalerts": {
			"spec.period":               string(billingv1alpha1.DefaultBudgetPeriod),
			"spec.timeZone":             billingv1alpha1.DefaultBudgetTimeZone,
			"spec.refreshInterval":      dur(billingv1alpha1.DefaultBudgetRefreshInterval),
			"spec.balanceFloor.horizon": dur(billingv1alpha1.DefaultBalanceHorizon),
		},
	}
	for plural, fields := range want {
		t.Run(plural, func(t *testing.T) {
			got := crdDefaults(t, plural)
			var paths []string
			for p := range got {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, p := range paths {
				w, ok := fields[p]
				if !ok {
					t.Errorf("%s has default %s but no Default* constant is checked for it; add one to api/v1alpha1/defaults.go and to this table", p, got[p])
					continue
				}
				if err := sameDefault(got[p], w); err != nil {
					t.Errorf("%s: %v", p, err)
				}
			}
			for p := range fields {
				if _, ok := got[p]; !ok {
					t.Errorf("%s: the CRD has no default, want %v", p, fields[p])
				}
			}
		})
	}
}

// sameDefault compares a CRD default (JSON) with a constant.
func sameDefault(raw json.RawMessage, want any) error {
	var got any
	if err := json.Unmarshal(raw, &got); err != nil {
		return err
	}
	if d, ok := want.(dur); ok {
		s, ok := got.(string)
		if !ok {
			return fmt.Errorf("default %s is not a duration string", raw)
		}
		parsed, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("default %q: %w", s, err)
		}
		if parsed != time.Duration(d) {
			return fmt.Errorf("default %s, constant %s", parsed, time.Duration(d))
		}
		return nil
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		return fmt.Errorf("default %s, constant %s", g, w)
	}
	return nil
}

// crdDefaults reads config/crd/bases/billing.bss-operator.io_<plural>.yaml
// and returns every default in its schema by field path ("spec.a.b",
// "spec.list[].field").
func crdDefaults(t *testing.T, plural string) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("crd", "bases", "billing.bss-operator.io_"+plural+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(b, &crd); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for _, v := range crd.Spec.Versions {
		if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		walkDefaults("", *v.Schema.OpenAPIV3Schema, out)
	}
	return out
}

func walkDefaults(path string, s apiextensionsv1.JSONSchemaProps, out map[string]json.RawMessage) {
	if s.Default != nil {
		out[path] = s.Default.Raw
	}
	for name, p := range s.Properties {
		child := name
		if path != "" {
			child = path + "." + name
		}
		walkDefaults(child, p, out)
	}
	if s.Items != nil && s.Items.Schema != nil {
		walkDefaults(path+"[]", *s.Items.Schema, out)
	}
}
