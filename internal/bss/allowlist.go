package bss

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// ErrEndpointNotAllowed is returned, wrapped, by Factory.ClientFor when an
// account's endpoint is not in the factory's allowlist. No client is built,
// so nothing is sent there.
var ErrEndpointNotAllowed = errors.New("endpoint not in the manager's allowlist")

// DefaultEndpoints are the BSS endpoints documented for the international
// and the Chinese mainland sites (digest §3.1.1, and the China-site page of
// 6.2.2): the endpoints of SiteInternational and SiteChina.
func DefaultEndpoints() []string {
	return []string{"https://bss-intl.myhuaweicloud.com", "https://bss.myhuaweicloud.com"}
}

// EndpointAllowlist holds the endpoints accounts may use. An account's
// endpoint is where its IAM token or its signatures go, and whoever may edit
// a BillingAccount chooses it; the installer of the operator, not the
// tenant, decides which hosts may receive them.
type EndpointAllowlist struct {
	// origins are normalised scheme://host:port values.
	origins []string
}

// NewEndpointAllowlist parses entries of the form https://host[:port] (a
// bare host[:port] means https; http only for loopback addresses, as New
// accepts). Empty entries are skipped; no entry at all is an error, because
// an allowlist that admits nothing is a misconfiguration.
func NewEndpointAllowlist(entries []string) (*EndpointAllowlist, error) {
	a := &EndpointAllowlist{}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if !strings.Contains(e, "://") {
			e = "https://" + e
		}
		u, err := parseEndpoint(e)
		if err != nil {
			return nil, fmt.Errorf("endpoint allowlist: %w", err)
		}
		a.origins = append(a.origins, origin(u))
	}
	if len(a.origins) == 0 {
		return nil, errors.New("endpoint allowlist: no endpoint given")
	}
	slices.Sort(a.origins)
	a.origins = slices.Compact(a.origins)
	return a, nil
}

// DefaultEndpointAllowlist allows DefaultEndpoints.
func DefaultEndpointAllowlist() *EndpointAllowlist {
	a, err := NewEndpointAllowlist(DefaultEndpoints())
	if err != nil {
		panic(err) // the defaults are constants
	}
	return a
}

// Allows reports whether raw (scheme://host[:port]) names an allowed
// endpoint. Scheme and port must match exactly (443 for https is implied),
// the host case-insensitively; paths, users and queries are never allowed.
func (a *EndpointAllowlist) Allows(raw string) bool {
	u, err := parseEndpoint(raw)
	if err != nil {
		return false
	}
	return slices.Contains(a.origins, origin(u))
}

// String lists the allowed endpoints, for messages.
func (a *EndpointAllowlist) String() string { return strings.Join(a.origins, ", ") }

// origin is the normalised scheme://host:port of an endpoint.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return u.Scheme + "://" + net.JoinHostPort(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), port)
}
