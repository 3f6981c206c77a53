package notify

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Policy says where webhooks may be delivered. The webhook URL comes from
// a Secret any namespace user with Secret access controls, so by default
// only https to public addresses is allowed: plain http would expose the
// token in the URL and the spend figures, and private destinations would
// let a namespace user make the operator probe internal services. The
// installer widens it with manager flags for tests and labs.
type Policy struct {
	// AllowHTTP allows http:// URLs (--webhook-allow-http).
	AllowHTTP bool
	// AllowPrivate allows loopback, private, link-local, unique-local,
	// CGNAT and unspecified destinations (--webhook-allow-private).
	AllowPrivate bool
}

// ErrNotAllowed is a destination the Policy refuses. Errors that wrap it
// never carry the URL (it may hold a token).
var ErrNotAllowed = errors.New("webhook destination not allowed")

// cgnat is the shared address space of RFC 6598 (100.64.0.0/10), used
// inside carrier and cloud networks.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// CheckURL parses a webhook URL and applies the scheme and, for a literal
// IP host, the address rule. A host name is checked again at connect time,
// against the address it resolved to (see Client). Errors do not echo the
// URL.
func (p Policy) CheckURL(raw string) (*url.URL, error) {
	u, err := ParseURL(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" && !p.AllowHTTP {
		return nil, fmt.Errorf("%w: only https URLs are allowed (the manager runs without --webhook-allow-http)", ErrNotAllowed)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: user information in the URL is not allowed; put a token in the path or query", ErrNotAllowed)
	}
	if addr, err := netip.ParseAddr(u.Hostname()); err == nil {
		if err := p.checkAddr(addr); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// checkAddr applies the address rule to one IP address.
func (p Policy) checkAddr(addr netip.Addr) error {
	if p.AllowPrivate {
		return nil
	}
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback(), addr.IsPrivate(), addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast(),
		addr.IsInterfaceLocalMulticast(), addr.IsMulticast(), addr.IsUnspecified(), cgnat.Contains(addr):
		return fmt.Errorf("%w: the address is loopback, private, link-local or otherwise not public (the manager runs without --webhook-allow-private)", ErrNotAllowed)
	}
	return nil
}

// Client returns the HTTP client webhooks are posted with: the address
// rule is applied to every connection actually made (so a public name that
// resolves to a private address is refused, whatever DNS answered when the
// URL was checked), redirects are not followed (a 3xx is an answer, and
// not retried), no proxy is used (it would hide the destination from the
// rule), and each delivery is bounded by timeout.
func (p Policy) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout: timeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot tell the address connected to", ErrNotAllowed)
			}
			return p.checkAddr(ap.Addr())
		},
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: timeout,
		MaxIdleConns:        10,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// NotAllowed reports whether err is a destination the Policy refused.
func NotAllowed(err error) bool { return errors.Is(err, ErrNotAllowed) }
