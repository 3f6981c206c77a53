package bss

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestFactoryRefusesEndpointsOutsideAllowlist: an account whose endpoint is
// not in the factory's allowlist gets no client, and the endpoint receives
// no request at all (no token, no signature). The default allowlist is the
// documented intl and cn hosts, so a loopback server must be listed
// explicitly.
func TestFactoryRefusesEndpointsOutsideAllowlist(t *testing.T) {
	ts := newTestServer(t, respond(204, nil))
	creds := Credentials{Token: secretTok}
	cases := []struct {
		name      string
		endpoints *EndpointAllowlist
		endpoint  string
		site      Site
		allowed   bool
	}{
		{name: "default list, loopback endpoint", endpoint: ts.URL},
		{name: "default list, other https host", endpoint: "https://bss.attacker.example"},
		{name: "default list, internal service", endpoint: "https://kubernetes.default.svc"},
		{name: "default list, documented host on another port", endpoint: "https://bss-intl.myhuaweicloud.com:8443"},
		{name: "default list, intl site", site: SiteInternational, allowed: true},
		{name: "default list, cn site", site: SiteChina, allowed: true},
		{name: "default list, intl host spelled out", endpoint: "https://BSS-INTL.myhuaweicloud.com:443", allowed: true},
		{name: "explicit list, listed loopback", endpoints: mustAllowlist(t, ts.URL), endpoint: ts.URL, allowed: true},
		{name: "explicit list, site not listed", endpoints: mustAllowlist(t, ts.URL), site: SiteInternational},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFactory(FactoryConfig{HTTPClient: ts.Client(), Clock: newSteppingClock(), Endpoints: tc.endpoints})
			c, err := f.ClientFor(AccountConfig{AccountKey: "team/acct", Tenant: "team", Site: tc.site, Endpoint: tc.endpoint, Credentials: creds})
			if tc.allowed {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrEndpointNotAllowed) || c != nil {
				t.Fatalf("client %v, err %v; want ErrEndpointNotAllowed", c, err)
			}
			assertNoSecrets(t, "error", err.Error())
		})
	}
	// A client once allowed is dropped when the endpoint changes to one
	// that is not: nothing reaches the new endpoint, nor the old one.
	f := NewFactory(FactoryConfig{HTTPClient: ts.Client(), Clock: newSteppingClock(), Endpoints: mustAllowlist(t, ts.URL)})
	if _, err := f.ClientFor(AccountConfig{AccountKey: "team/acct", Endpoint: ts.URL, Credentials: creds}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ClientFor(AccountConfig{AccountKey: "team/acct", Endpoint: "https://bss.attacker.example", Credentials: creds}); !errors.Is(err, ErrEndpointNotAllowed) {
		t.Fatalf("err %v", err)
	}
	if n := len(ts.requests()); n != 0 {
		t.Fatalf("%d requests reached the loopback server", n)
	}
}

func TestEndpointAllowlistParse(t *testing.T) {
	a := mustAllowlist(t, "bss-intl.myhuaweicloud.com", " https://bss.myhuaweicloud.com ", "http://127.0.0.1:8080", "")
	for raw, want := range map[string]bool{
		"https://bss-intl.myhuaweicloud.com":      true,
		"https://bss-intl.myhuaweicloud.com/":     true,
		"https://bss.myhuaweicloud.com:443":       true,
		"http://127.0.0.1:8080":                   true,
		"http://127.0.0.1:8081":                   false,
		"https://127.0.0.1:8080":                  false,
		"http://bss.myhuaweicloud.com":            false,
		"https://bss.myhuaweicloud.com.evil.test": false,
		"https://x@bss.myhuaweicloud.com":         false,
		"https://bss.myhuaweicloud.com/v2":        false,
	} {
		if got := a.Allows(raw); got != want {
			t.Errorf("Allows(%q) = %v, want %v", raw, got, want)
		}
	}
	for _, bad := range [][]string{nil, {""}, {"http://bss.example.com"}, {"https://h/path"}, {"ftp://h"}} {
		if _, err := NewEndpointAllowlist(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got := DefaultEndpointAllowlist().String(); !strings.Contains(got, "bss-intl.myhuaweicloud.com:443") || !strings.Contains(got, "bss.myhuaweicloud.com:443") {
		t.Errorf("default allowlist %s", got)
	}
}

// TestLimiterBucketsAreNotForgeable: rate-limit buckets are shared by the
// accounts of one tenant (namespace) and domain id, and kept across
// credential rotation, but a tenant that writes another tenant's domain id
// into its own account gets its own buckets, and cannot drain the other's.
func TestLimiterBucketsAreNotForgeable(t *testing.T) {
	ts := newTestServer(t, respond(204, nil))
	clk := newSteppingClock()
	f := NewFactory(FactoryConfig{HTTPClient: ts.Client(), Clock: clk, Endpoints: mustAllowlist(t, ts.URL)})
	victim := AccountConfig{AccountKey: "team-a/acct", Tenant: "team-a", Endpoint: ts.URL, DomainID: "d-victim",
		Credentials: Credentials{AccessKey: "ak1", SecretKey: "sk1"}}
	forger := AccountConfig{AccountKey: "team-b/acct", Tenant: "team-b", Endpoint: ts.URL, DomainID: "d-victim",
		Credentials: Credentials{Token: "t"}}
	sibling := AccountConfig{AccountKey: "team-a/other", Tenant: "team-a", Endpoint: ts.URL, DomainID: "d-victim",
		Credentials: Credentials{Token: "t2"}}
	rotated := victim
	rotated.Credentials.SecretKey = "sk2"
	limiters := func(acc AccountConfig) *LimiterSet {
		t.Helper()
		c, err := f.ClientFor(acc)
		if err != nil {
			t.Fatal(err)
		}
		return httpOf(c).limiters
	}
	v := limiters(victim)
	if limiters(forger) == v {
		t.Fatal("another tenant's account with the same spec.domainID shares the victim's rate-limit buckets")
	}
	if limiters(sibling) != v {
		t.Error("two accounts of one tenant and domain id do not share buckets")
	}
	if limiters(rotated) != v {
		t.Error("credential rotation changed the buckets")
	}

	// Behaviour: the forger spends its burst and more; the victim's next
	// call does not wait.
	fc, _ := f.ClientFor(forger)
	for range 20 {
		_ = fc.CancelOrder(context.Background(), "CS1")
	}
	before := len(clk.Waits())
	vc, _ := f.ClientFor(rotated)
	if err := vc.CancelOrder(context.Background(), "CS1"); err != nil {
		t.Fatal(err)
	}
	if w := clk.Waits()[before:]; len(w) != 0 {
		t.Errorf("the victim waited %v for the forger's calls", w)
	}
}

func mustAllowlist(t *testing.T, entries ...string) *EndpointAllowlist {
	t.Helper()
	a, err := NewEndpointAllowlist(entries)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
