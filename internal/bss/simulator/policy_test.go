package simulator_test

import (
	"fmt"
	"testing"
)

func TestAutoRenewEnableDisable(t *testing.T) {
	w := newWorld(t)
	policy := func(id string) string { return fmt.Sprint(w.resource(id)["expire_policy"]) }
	path := "/v2/orders/subscriptions/resources/autorenew/"
	for _, tc := range []struct {
		name, method, id string
		status           int
		code             string
		policy           string // expected expire_policy of ecs-1 and evs-1 afterwards
	}{
		{"disable when off", "DELETE", ecs1, 400, "CBC.99003605", "0"},
		{"enable via attached", "POST", evs1, 204, "", "3"},
		{"enable again", "POST", ecs1, 204, "", "3"},
		{"disable", "DELETE", ecs1, 204, "", "0"},
		{"disable twice", "DELETE", ecs1, 400, "CBC.99003605", "0"},
		{"unknown", "POST", "nope", 400, "CBC.99003012", "0"},
		{"expired", "POST", expired1, 400, "CBC.99003602", "0"},
		{"other account", "POST", "bob-ecs", 400, "CBC.99003012", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do(tc.method, path+tc.id, nil)
			if tc.code != "" {
				wantError(t, r, tc.status, tc.code)
			} else {
				wantStatus(t, r, tc.status)
				if r.raw != "" {
					t.Errorf("204 with body %q", r.raw)
				}
			}
			for _, id := range []string{ecs1, evs1} {
				if got := policy(id); got != tc.policy {
					t.Errorf("%s expire_policy = %s, want %s", id, got, tc.policy)
				}
			}
		})
	}
}

func TestToOnDemand(t *testing.T) {
	w := newWorld(t)
	path := "/v2/orders/subscriptions/resources/to-on-demand"
	r := w.do("POST", path, map[string]any{"operation": "SET_UP", "resource_ids": []string{ecs1, expired1}})
	wantStatus(t, r, 200)
	details := r.list("error_details")
	if len(details) != 1 {
		t.Fatalf("error_details = %s", r.raw)
	}
	d := details[0].(map[string]any)
	if d["id"] != expired1 || d["error_code"] != "CBC.99003610" {
		t.Fatalf("error_details[0] = %v", d)
	}
	for _, id := range []string{ecs1, evs1} {
		if got := fmt.Sprint(w.resource(id)["expire_policy"]); got != "1" {
			t.Errorf("%s expire_policy = %s, want 1", id, got)
		}
	}
	r = w.do("POST", path, map[string]any{"operation": "CANCEL", "resource_ids": []string{ecs1}})
	wantStatus(t, r, 200)
	if len(r.list("error_details")) != 0 || r.raw != "{\"error_details\":[]}\n" {
		t.Fatalf("CANCEL response = %q", r.raw)
	}
	if got := fmt.Sprint(w.resource(evs1)["expire_policy"]); got != "0" {
		t.Errorf("expire_policy after CANCEL = %s, want 0", got)
	}
	// Auto-renew replaces to-on-demand and vice versa.
	wantStatus(t, w.do("POST", "/v2/orders/subscriptions/resources/autorenew/"+ecs1, nil), 204)
	wantStatus(t, w.do("POST", path, map[string]any{"operation": "SET_UP", "resource_ids": []string{ecs1}}), 200)
	if got := fmt.Sprint(w.resource(ecs1)["expire_policy"]); got != "1" {
		t.Errorf("expire_policy = %s, want 1", got)
	}
	for _, tc := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"operation": "SET_UP", "resource_ids": []string{evs1}}, "CBC.0100"},
		{map[string]any{"operation": "ENABLE", "resource_ids": []string{ecs1}}, "CBC.0100"},
		{map[string]any{"operation": "SET_UP", "resource_ids": []string{"nope"}}, "CBC.99003012"},
	} {
		wantError(t, w.do("POST", path, tc.body), 400, tc.code)
	}
}
