package bss

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"k8s.io/utils/clock"

	"github.com/bss-operator/bss-operator/internal/metrics"
)

// Site is a Huawei Cloud website with its own BSS endpoint.
type Site string

// Sites.
const (
	// SiteInternational is the international website, bss-intl.myhuaweicloud.com.
	SiteInternational Site = "international"
	// SiteChina is the Chinese mainland website, bss.myhuaweicloud.com.
	SiteChina Site = "china"
)

// BaseURL returns the site's endpoint.
func (s Site) BaseURL() (string, error) {
	switch s {
	case SiteInternational:
		return "https://bss-intl.myhuaweicloud.com", nil
	case SiteChina:
		return "https://bss.myhuaweicloud.com", nil
	default:
		return "", fmt.Errorf("unknown site %q", string(s))
	}
}

// defaultCurrency is the currency assumed when a response omits it.
func (s Site) defaultCurrency() string {
	if s == SiteChina {
		return "CNY"
	}
	return "USD"
}

// maxResponseBytes bounds how much of a response body is read.
const maxResponseBytes = 8 << 20

// Config configures a client.
type Config struct {
	// Site selects the endpoint; ignored when Endpoint is set.
	Site Site
	// Endpoint overrides the site's endpoint: https://host[:port], or
	// http:// for a loopback address only (the simulator).
	Endpoint string
	// DomainID is the customer's account id: the path of the summary-bill
	// API, and the X-Domain-Id header of AK/SK calls.
	DomainID string
	// Credentials authenticate the calls.
	Credentials Credentials
	// HTTPClient sends the requests; nil builds one with NewHTTPClient.
	HTTPClient *http.Client
	// Clock gives time to the signer, limiter and backoff; nil is the real clock.
	Clock clock.Clock
	// Limiters is the account's limiter set, shared by all its clients; nil
	// creates a private one (tests only: the operator must share).
	Limiters *LimiterSet
	// Retry bounds read retries.
	Retry RetryPolicy
	// Language is sent as X-Language where the API takes it (default en_US).
	Language string
	// DefaultCurrency is assumed when a response omits the currency
	// (default USD, CNY for SiteChina).
	DefaultCurrency string
	// UserAgent is sent as User-Agent.
	UserAgent string
	// Metrics records client-side and server throttling; nil disables it.
	Metrics *metrics.BSS
}

// httpClient implements Client over HTTP.
type httpClient struct {
	base     *url.URL
	domainID string
	creds    Credentials
	http     *http.Client
	clock    clock.Clock
	limiters *LimiterSet
	retry    RetryPolicy
	language string
	currency string
	agent    string
	metrics  *metrics.BSS
}

var _ Client = (*httpClient)(nil)

// TLSConfig returns the TLS settings of §12.7: TLS 1.2 or later and, for
// TLS 1.2, only the ECDHE AES-GCM and ChaCha20 suites of the allowed list
// that Go implements. TLS 1.3 suites are not configurable in Go; all of Go's
// are allowed by §12.7.
func TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}

// NewHTTPClient returns an HTTP client with TLSConfig, proxy settings from
// the environment and the given overall per-request timeout. It does not
// follow redirects: BSS never redirects, and following one could replay a
// write or send credentials elsewhere.
func NewHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = TLSConfig()
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// parseEndpoint accepts https URLs, and http URLs on loopback addresses.
func parseEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("endpoint: %w", err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("endpoint %q: want scheme://host[:port] only", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("endpoint %q: plain http is allowed only for loopback addresses", raw)
		}
	default:
		return nil, fmt.Errorf("endpoint %q: scheme must be https", raw)
	}
	u.Path = ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// New builds a client from cfg.
func New(cfg Config) (Client, error) {
	return newHTTPClient(cfg)
}

func newHTTPClient(cfg Config) (*httpClient, error) {
	if err := cfg.Credentials.validate(); err != nil {
		return nil, fmt.Errorf("bss client: %w", err)
	}
	raw := cfg.Endpoint
	if raw == "" {
		var err error
		if raw, err = cfg.Site.BaseURL(); err != nil {
			return nil, fmt.Errorf("bss client: %w", err)
		}
	}
	base, err := parseEndpoint(raw)
	if err != nil {
		return nil, fmt.Errorf("bss client: %w", err)
	}
	c := &httpClient{
		base:     base,
		domainID: cfg.DomainID,
		creds:    cfg.Credentials,
		http:     cfg.HTTPClient,
		clock:    cfg.Clock,
		limiters: cfg.Limiters,
		retry:    cfg.Retry.withDefaults(),
		language: cfg.Language,
		currency: cfg.DefaultCurrency,
		agent:    cfg.UserAgent,
		metrics:  cfg.Metrics,
	}
	if c.http == nil {
		c.http = NewHTTPClient(30 * time.Second)
	}
	if c.clock == nil {
		c.clock = clock.RealClock{}
	}
	if c.limiters == nil {
		c.limiters = NewLimiterRegistry(c.clock, nil).ForAccount("private")
	}
	if c.language == "" {
		c.language = "en_US"
	}
	if c.currency == "" {
		c.currency = cfg.Site.defaultCurrency()
	}
	if c.agent == "" {
		c.agent = "bss-operator"
	}
	return c, nil
}

// operation describes one API call kind.
type operation struct {
	// name is the Client method, used in errors and metric labels.
	name string
	// api is the limiter key.
	api string
	// write marks calls that change state: never retried, ambiguous on loss.
	write bool
}

// call is one request to send.
type call struct {
	op       operation
	method   string
	segments []string
	query    map[string][]string
	body     any
	language bool
}

// response is a successful response.
type response struct {
	status int
	body   []byte
}

// do sends c, retrying reads, and decodes a success body into out (if not nil).
func (c *httpClient) do(ctx context.Context, cl call, out any) error {
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return &Error{Op: cl.op.name, Class: ClassTerminal, Err: fmt.Errorf("encode request: %w", err)}
		}
	}
	attempts := c.retry.MaxAttempts
	if cl.op.write {
		attempts = 1
	}
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, cl, body)
		if err == nil {
			return c.decode(cl.op, resp, out)
		}
		e, ok := AsError(err)
		if !ok || e.Class != ClassRetryable || attempt >= attempts || ctx.Err() != nil {
			return err
		}
		delay, ok := c.retry.backoff(attempt, e.RetryAfter)
		if !ok || !sleep(ctx, c.clock, delay) {
			return err
		}
	}
}

// decode reads a success body. An undecodable success body of a write is
// ambiguous: the server applied the change but its result was lost.
func (c *httpClient) decode(op operation, resp *response, out any) error {
	if out == nil || len(bytes.TrimSpace(resp.body)) == 0 {
		if out != nil {
			return c.decodeError(op, resp.status, errors.New("empty response body"))
		}
		return nil
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return c.decodeError(op, resp.status, fmt.Errorf("decode response: %w", err))
	}
	return nil
}

func (c *httpClient) decodeError(op operation, status int, err error) error {
	class := ClassTerminal
	if op.write {
		class = ClassAmbiguous
	}
	return &Error{Op: op.name, HTTPStatus: status, Class: class, Err: err}
}

// once makes a single attempt: limiter, signing, sending, error mapping.
func (c *httpClient) once(ctx context.Context, cl call, body []byte) (*response, error) {
	waited, err := c.limiters.Wait(ctx, cl.op.api)
	if waited > 0 {
		c.metrics.ObserveClientThrottle(cl.op.name, waited)
	}
	if err != nil {
		return nil, &Error{Op: cl.op.name, Class: ClassRetryable, Err: err}
	}
	req, err := c.newRequest(ctx, cl, body)
	if err != nil {
		return nil, &Error{Op: cl.op.name, Class: ClassTerminal, Err: err}
	}
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			wrote.Store(true)
		}
	}}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(ctx, cl.op, err, wrote.Load())
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		class := ClassRetryable
		if cl.op.write {
			class = ClassAmbiguous
		}
		return nil, &Error{Op: cl.op.name, HTTPStatus: resp.StatusCode, Class: class,
			RequestID: requestID(resp.Header), Err: fmt.Errorf("read response: %w", err)}
	}
	if e := c.errorFromResponse(cl.op, resp, data); e != nil {
		if e.Throttled {
			c.metrics.ObserveServerThrottle(cl.op.name)
		}
		return nil, e
	}
	return &response{status: resp.StatusCode, body: data}, nil
}

// newRequest builds and authenticates the HTTP request.
func (c *httpClient) newRequest(ctx context.Context, cl call, body []byte) (*http.Request, error) {
	u := *c.base
	path := escapedPath(cl.segments)
	u.RawPath = path
	var err error
	if u.Path, err = url.PathUnescape(path); err != nil {
		return nil, fmt.Errorf("build path: %w", err)
	}
	u.RawQuery = canonicalQuery(cl.query)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Host = u.Host
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.agent)
	if cl.language {
		req.Header.Set("X-Language", c.language)
	}
	if c.creds.Token != "" {
		req.Header.Set(HeaderAuthToken, c.creds.Token)
		return req, nil
	}
	now := c.clock.Now()
	req.Header.Set(HeaderSdkDate, now.UTC().Format(SdkDateFormat))
	if c.domainID != "" {
		req.Header.Set(HeaderDomainID, c.domainID)
	}
	if c.creds.SecurityToken != "" {
		req.Header.Set(HeaderSecurityToken, c.creds.SecurityToken)
	}
	sr := signRequest{
		Method:   cl.method,
		Segments: cl.segments,
		Query:    cl.query,
		Host:     u.Host,
		Headers:  signHeaders(req.Header),
		Body:     body,
	}
	req.Header.Set("Authorization", authorization(sr, now, c.creds.AccessKey, c.creds.SecretKey))
	return req, nil
}

// transportError classifies a failure without a response. A write whose
// request was fully written may have been applied: ambiguous.
func transportError(ctx context.Context, op operation, err error, wrote bool) *Error {
	class := ClassRetryable
	if op.write && (wrote || !neverConnected(err)) {
		// The request may have reached BSS. wrote alone cannot prove the
		// opposite: the transport can return the error of a connection the
		// server closed after applying the request before the WroteRequest
		// trace has run. Only a connection that was never made proves
		// nothing was sent.
		class = ClassAmbiguous
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = fmt.Errorf("%w: %w", ctxErr, err)
	}
	return &Error{Op: op.name, Class: class, Err: fmt.Errorf("send request: %w", err)}
}

// neverConnected reports whether a transport error happened before a
// connection to the server existed (dialing, resolving the name), so that
// no byte of the request can have been sent.
func neverConnected(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

func requestID(h http.Header) string {
	for _, k := range []string{"X-Request-Id", "X-Trace-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// errorBody is the union of the documented error bodies.
type errorBody struct {
	envelope
	OrderIDs           []string `json:"order_ids"`
	ExpiredResourceIDs []string `json:"expiredResourceIds"`
	QuotaInfos         []struct {
		Region           string  `json:"region"`
		ServiceTypeCode  string  `json:"service_type_code"`
		ResourceTypeCode string  `json:"resource_type_code"`
		ResourceSpecCode string  `json:"resource_spec_code"`
		AuthResult       wireInt `json:"auth_result"`
		AvailableZone    string  `json:"available_zone"`
	} `json:"quota_infos"`
	EnterpriseProjects []struct {
		ID         string  `json:"enterprise_project_id"`
		Name       string  `json:"enterprise_project_name"`
		AuthStatus wireInt `json:"auth_statuses"`
	} `json:"enterprise_project_auth_result"`
}

// errorFromResponse returns the error a response carries: a non-2xx status,
// or an error_code other than CBC.0000 in a 2xx body. It returns nil for a
// success.
func (c *httpClient) errorFromResponse(op operation, resp *http.Response, data []byte) *Error {
	var eb errorBody
	parseErr := json.Unmarshal(data, &eb)
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode < 300
	if ok2xx && (parseErr != nil || !eb.failed()) {
		// A 2xx body that is not an error body (or not JSON at all, like
		// 204) is judged by the operation's own decoding, not here.
		return nil //nolint:nilerr // see above
	}
	e := &Error{
		Op:                 op.name,
		HTTPStatus:         resp.StatusCode,
		Code:               eb.ErrorCode,
		Message:            eb.message(),
		RequestID:          eb.RequestID,
		RetryAfter:         parseRetryAfter(resp.Header, c.clock.Now()),
		OrderIDs:           eb.OrderIDs,
		ExpiredResourceIDs: eb.ExpiredResourceIDs,
	}
	if e.RequestID == "" {
		e.RequestID = requestID(resp.Header)
	}
	for _, q := range eb.QuotaInfos {
		e.QuotaInfos = append(e.QuotaInfos, QuotaInfo{Region: q.Region, ServiceTypeCode: q.ServiceTypeCode,
			ResourceTypeCode: q.ResourceTypeCode, ResourceSpecCode: q.ResourceSpecCode,
			AuthResult: q.AuthResult.Int(0), AvailableZone: q.AvailableZone})
	}
	for _, p := range eb.EnterpriseProjects {
		e.EnterpriseProjects = append(e.EnterpriseProjects, EnterpriseProjectAuth{ID: p.ID, Name: p.Name, AuthStatus: p.AuthStatus.Int(0)})
	}
	if parseErr != nil && len(bytes.TrimSpace(data)) > 0 {
		e.Err = fmt.Errorf("undecodable error body: %w", parseErr)
	}
	e.classify(op.write)
	return e
}

// String describes the client without its credentials.
func (c *httpClient) String() string { return "bss.Client(" + c.base.Host + ")" }

// Format redacts for every verb: the client holds credentials.
func (c *httpClient) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }
