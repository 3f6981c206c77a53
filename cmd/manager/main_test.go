package main

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/bss-operator/bss-operator/internal/renewal"
)

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

// TestTimeoutsNest: with the flags the Deployment passes (config/manager),
// a BSS write in flight outlives neither the leader's lease nor the pod
// (issue 16, path 1). The leader-election lease is longer than the BSS step
// timeout that bounds a renew call, so that a standby cannot take over
// while the old leader's call may still be under way; the manager's
// graceful shutdown waits for that call and its status write; and the
// pod's termination grace period is longer than both, so that the kubelet
// does not kill the manager while it waits.
func TestTimeoutsNest(t *testing.T) {
	dep := managerDeployment(t)
	c := dep.Spec.Template.Spec.Containers[0]
	var opts options
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	bindFlags(fs, &opts)
	if err := fs.Parse(c.Args); err != nil {
		t.Fatalf("the manifest's args %v: %v", c.Args, err)
	}
	if err := checkTimeouts(opts); err != nil {
		t.Fatalf("the manager would refuse the manifest's flags: %v", err)
	}
	lease, renewDeadline, retry := opts.leaderElection()
	grace := time.Duration(*dep.Spec.Template.Spec.TerminationGracePeriodSeconds) * time.Second
	for _, tc := range []struct {
		name          string
		longer, short time.Duration
	}{
		{"lease > BSS step timeout", lease, opts.stepTimeout()},
		{"lease > renew deadline", lease, renewDeadline},
		{"renew deadline > retry period", renewDeadline, retry},
		{"graceful shutdown > BSS step timeout", opts.shutdownTimeout(), opts.stepTimeout()},
		{"termination grace period > lease", grace, lease},
		{"termination grace period > graceful shutdown", grace, opts.shutdownTimeout()},
	} {
		if tc.longer <= tc.short {
			t.Errorf("%s: %s <= %s", tc.name, tc.longer, tc.short)
		}
	}

	// A lease shorter than a renew call may last is refused at start.
	short := opts
	short.leaseDuration = opts.stepTimeout()
	if checkTimeouts(short) == nil {
		t.Errorf("a lease of %s with a step timeout of %s was accepted", short.leaseDuration, short.stepTimeout())
	}
}

// managerDeployment reads the manager Deployment from config/manager.
func managerDeployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	data, err := os.ReadFile("../../config/manager/manager.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(data), "\n---") {
		var dep appsv1.Deployment
		if err := yaml.Unmarshal([]byte(doc), &dep); err != nil {
			t.Fatalf("config/manager/manager.yaml: %v", err)
		}
		if dep.Kind == "Deployment" {
			if len(dep.Spec.Template.Spec.Containers) == 0 || dep.Spec.Template.Spec.TerminationGracePeriodSeconds == nil {
				t.Fatal("the manager Deployment has no container or no terminationGracePeriodSeconds")
			}
			return &dep
		}
	}
	t.Fatal("no Deployment in config/manager/manager.yaml")
	return nil
}

// TestQuoteHorizonFlag: --quote-horizon defaults to renewal's default and
// is refused when not positive or beyond the maximum.
func TestQuoteHorizonFlag(t *testing.T) {
	var opts options
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	bindFlags(fs, &opts)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if opts.quoteHorizon != renewal.DefaultQuoteHorizon || checkQuoteHorizon(opts.quoteHorizon) != nil {
		t.Errorf("default --quote-horizon %s, want %s and accepted", opts.quoteHorizon, renewal.DefaultQuoteHorizon)
	}
	if err := fs.Parse([]string{"--quote-horizon=1440h"}); err != nil || opts.quoteHorizon != 60*24*time.Hour || checkQuoteHorizon(opts.quoteHorizon) != nil {
		t.Errorf("--quote-horizon=1440h: %s, %v", opts.quoteHorizon, err)
	}
	for _, bad := range []time.Duration{0, -time.Hour, renewal.MaxQuoteHorizon + time.Hour} {
		if checkQuoteHorizon(bad) == nil {
			t.Errorf("--quote-horizon=%s accepted", bad)
		}
	}
}
