package bss

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"sync"

	"github.com/go-logr/logr"
	"k8s.io/utils/clock"

	"github.com/bss-operator/bss-operator/internal/audit"
	"github.com/bss-operator/bss-operator/internal/metrics"
)

// AccountConfig is what a controller knows about an account: where it lives
// and how to authenticate.
type AccountConfig struct {
	// AccountKey names the account stably across credential rotations (e.g.
	// the BSSAccount object's namespace/name). It must not contain secrets.
	AccountKey string
	// Tenant is the trust boundary the account's configuration comes from:
	// the namespace of its BillingAccount. Rate-limit buckets are shared
	// only within a tenant (see limiterKey); empty shares with no one.
	Tenant string
	// Site selects the endpoint; ignored when Endpoint is set.
	Site Site
	// Endpoint overrides the site's endpoint (see Config.Endpoint).
	Endpoint string
	// DomainID is the customer account id.
	DomainID string
	// Credentials authenticate the account.
	Credentials Credentials
}

// FactoryConfig holds what every client of a Factory shares.
type FactoryConfig struct {
	// HTTPClient sends requests; nil builds one with NewHTTPClient.
	HTTPClient *http.Client
	// Clock is injected into clients; nil is the real clock.
	Clock clock.Clock
	// Limiters is shared by all clients; nil creates one for this factory.
	Limiters *LimiterRegistry
	// Metrics, when set, instruments every client.
	Metrics *metrics.BSS
	// Audit receives one record per BSS write of every client (see
	// NewAudited). Left unset, it is audit.NewLogger on stderr, so that no
	// client goes unaudited.
	Audit logr.Logger
	// Retry bounds read retries.
	Retry RetryPolicy
	// Language is the X-Language value.
	Language string
	// UserAgent is the User-Agent value.
	UserAgent string
	// Endpoints are the endpoints accounts may use, the site's default
	// included; nil allows DefaultEndpoints only. Tests and the demo that
	// run the simulator on loopback must list its URL here.
	Endpoints *EndpointAllowlist
}

// Factory hands out clients per account, reusing a client while the
// account's configuration is unchanged and building a new one when it
// changes (for example when credentials rotate). Clients of one account
// share the account's rate limiters. It is safe for concurrent use.
type Factory struct {
	cfg FactoryConfig

	mu      sync.Mutex
	clients map[string]factoryEntry
}

type factoryEntry struct {
	// digest identifies the configuration the client was built from; it is
	// a one-way hash and never logged.
	digest string
	client Client
}

// NewFactory returns a Factory.
func NewFactory(cfg FactoryConfig) *Factory {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = NewHTTPClient(0)
	}
	if cfg.Limiters == nil {
		cfg.Limiters = NewLimiterRegistry(cfg.Clock, nil)
	}
	if cfg.Endpoints == nil {
		cfg.Endpoints = DefaultEndpointAllowlist()
	}
	if cfg.Audit.GetSink() == nil {
		cfg.Audit = audit.NewLogger(os.Stderr)
	}
	return &Factory{cfg: cfg, clients: map[string]factoryEntry{}}
}

// limiterKey names the account's rate-limit buckets. The gateway counts per
// account (ParentUid), so accounts with one domain id share buckets, but
// only within one tenant: the domain id is spec.domainID, which nobody
// verifies, so a key of the domain id alone would let a tenant who writes
// another tenant's domain id into its own BillingAccount drain that
// tenant's buckets and delay its renewals. The tenant (the BillingAccount's
// namespace) is set by the API server's authorization, not by the tenant.
// The cost: two tenants using one real account do not share buckets and
// together may exceed the gateway's quota; its 429s are retried with
// backoff. Credential rotation keeps the buckets (the key holds no secret).
func (a AccountConfig) limiterKey(base string) string {
	if a.Tenant == "" || a.DomainID == "" {
		return base + "|key:" + a.AccountKey
	}
	return base + "|tenant:" + a.Tenant + "|domain:" + a.DomainID
}

func (a AccountConfig) digest() string {
	h := sha256.New()
	for _, s := range []string{string(a.Site), a.Endpoint, a.DomainID, a.Credentials.fingerprint()} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ClientFor returns the client of acc, building it on first use and again
// whenever acc's endpoint, domain id or credentials change.
func (f *Factory) ClientFor(acc AccountConfig) (Client, error) {
	if acc.AccountKey == "" {
		return nil, fmt.Errorf("bss factory: empty account key")
	}
	d := acc.digest()
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.clients[acc.AccountKey]; ok && e.digest == d {
		return e.client, nil
	}
	base := acc.Endpoint
	if base == "" {
		var err error
		if base, err = acc.Site.BaseURL(); err != nil {
			return nil, fmt.Errorf("bss factory: account %s: %w", acc.AccountKey, err)
		}
	}
	// Checked before a client exists, so a refused endpoint never receives
	// a request, a token or a signature.
	if !f.cfg.Endpoints.Allows(base) {
		delete(f.clients, acc.AccountKey)
		return nil, fmt.Errorf("bss factory: account %s: %q: %w (%s)", acc.AccountKey, base, ErrEndpointNotAllowed, f.cfg.Endpoints)
	}
	c, err := New(Config{
		Site:        acc.Site,
		Endpoint:    acc.Endpoint,
		DomainID:    acc.DomainID,
		Credentials: acc.Credentials,
		HTTPClient:  f.cfg.HTTPClient,
		Clock:       f.cfg.Clock,
		Limiters:    f.cfg.Limiters.ForAccount(acc.limiterKey(base)),
		Retry:       f.cfg.Retry,
		Language:    f.cfg.Language,
		UserAgent:   f.cfg.UserAgent,
		Metrics:     f.cfg.Metrics,
	})
	if err != nil {
		return nil, fmt.Errorf("bss factory: account %s: %w", acc.AccountKey, err)
	}
	c = NewAudited(NewInstrumented(c, f.cfg.Metrics, f.cfg.Clock), f.cfg.Audit, acc.AccountKey)
	f.clients[acc.AccountKey] = factoryEntry{digest: d, client: c}
	return c, nil
}

// Forget drops the cached client of an account (e.g. on deletion).
func (f *Factory) Forget(accountKey string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.clients, accountKey)
}
