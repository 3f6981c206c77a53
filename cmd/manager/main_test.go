package main

import "testing"

// TestEndpointAllowlistFlag: by default the manager sends credentials only
// to the documented BSS hosts; a loopback simulator must be listed
// explicitly (the demo, chaos and bench runs do), and an empty or
// malformed list stops the manager instead of allowing everything.
func TestEndpointAllowlistFlag(t *testing.T) {
	def, err := endpointAllowlist(defaultEndpointsFlag())
	if err != nil {
		t.Fatal(err)
	}
	for raw, want := range map[string]bool{
		"https://bss-intl.myhuaweicloud.com":     true,
		"https://bss.myhuaweicloud.com":          true,
		"http://127.0.0.1:41234":                 false,
		"https://bss-gateway.example.internal":   false,
		"https://169.254.169.254":                false,
		"https://bss-intl.myhuaweicloud.com:444": false,
	} {
		if got := def.Allows(raw); got != want {
			t.Errorf("default --bss-endpoints allows %s: %v, want %v", raw, got, want)
		}
	}
	sim, err := endpointAllowlist("http://127.0.0.1:41234")
	if err != nil {
		t.Fatal(err)
	}
	if !sim.Allows("http://127.0.0.1:41234") || sim.Allows("https://bss-intl.myhuaweicloud.com") {
		t.Errorf("--bss-endpoints=http://127.0.0.1:41234 allows %s", sim)
	}
	for _, bad := range []string{"", ",", "http://bss.example.com", "https://bss.example.com/path"} {
		if _, err := endpointAllowlist(bad); err == nil {
			t.Errorf("--bss-endpoints=%q accepted", bad)
		}
	}
}
