// Package simulator is an in-process and standalone simulator of the Huawei
// Cloud BSS (Customer Operation Capabilities) API for yearly/monthly
// subscriptions: resources, renewals, orders, payments, refunds, auto-renew,
// balances and cost data, with AK/SK and token authentication, per-API
// throttling, a controllable clock and fault injection. See docs/simulator.md.
//
// The simulator is an independent implementation of the server side; it does
// not import the client package.
package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net/http"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/utils/clock"
)

// maxBodyBytes is the AK/SK body limit of §3.1.2 (12 MB).
const maxBodyBytes = 12 << 20

// Server is the BSS simulator. It is an http.Handler; its exported methods
// are the in-process admin API. A Server is safe for concurrent use.
type Server struct {
	mu        sync.Mutex
	clock     clock.PassiveClock
	realClock clock.Clock
	cfg       config
	st        *state
	rnd       *rand.Rand
	faults    map[faultKey]Fault
	wlog      *writeLog
	counters  counters
	throttle  *throttler
	reqSeq    int64
	mux       *http.ServeMux
	log       *slog.Logger
}

// config holds the tunables set by Options.
type config struct {
	gracePeriod      time.Duration
	retentionPeriod  time.Duration
	pendingWindow    time.Duration
	handlingFeeRate  decimal.Decimal
	maxSubscription  time.Duration
	maxClockSkew     time.Duration
	allowRemoteAdmin bool
	throttling       bool
	seed             int64
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the simulated clock (default: the real clock). Use a
// *testing.FakeClock in tests, or a *ScaledClock for accelerated time.
func WithClock(c clock.PassiveClock) Option { return func(s *Server) { s.clock = c } }

// WithRealClock sets the real-time clock used for throttling windows and
// injected latency (default clock.RealClock{}). It is separate from the
// simulated clock so that tests advancing simulated time do not reset the
// throttling windows, and vice versa.
func WithRealClock(c clock.Clock) Option { return func(s *Server) { s.realClock = c } }

// WithSeed seeds the random source used by fault injection (default 1).
func WithSeed(seed int64) Option { return func(s *Server) { s.cfg.seed = seed } }

// WithGracePeriod sets how long an expired resource stays in status 5
// (Expired) before it is frozen (default 15 days).
func WithGracePeriod(d time.Duration) Option { return func(s *Server) { s.cfg.gracePeriod = d } }

// WithRetentionPeriod sets how long a resource stays frozen (status 4) after
// the grace period before it is deleted (default 15 days).
func WithRetentionPeriod(d time.Duration) Option {
	return func(s *Server) { s.cfg.retentionPeriod = d }
}

// WithPendingPaymentWindow sets how long a pending-payment order may be paid
// (default 7 days; the deadline is rounded up to 23:59:59 GMT+08:00).
func WithPendingPaymentWindow(d time.Duration) Option {
	return func(s *Server) { s.cfg.pendingWindow = d }
}

// WithHandlingFeeRate sets the unsubscription handling fee as a fraction of
// the refunded unused value of the current term (default 0.1).
func WithHandlingFeeRate(rate decimal.Decimal) Option {
	return func(s *Server) { s.cfg.handlingFeeRate = rate }
}

// WithMaxSubscription sets the longest remaining subscription a renewal may
// produce before CBC.99003154 (default 5 years).
func WithMaxSubscription(d time.Duration) Option {
	return func(s *Server) { s.cfg.maxSubscription = d }
}

// WithRemoteAdmin allows the /_sim/ admin API from non-loopback addresses.
func WithRemoteAdmin(allow bool) Option { return func(s *Server) { s.cfg.allowRemoteAdmin = allow } }

// WithThrottling enables or disables per-API throttling (default enabled).
func WithThrottling(enabled bool) Option { return func(s *Server) { s.cfg.throttling = enabled } }

// WithLogger sets the logger for request logs (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// New returns a simulator with empty state. Seed it with LoadInventory,
// AddAccount and AddResource.
func New(opts ...Option) *Server {
	s := &Server{
		clock:     clock.RealClock{},
		realClock: clock.RealClock{},
		cfg: config{
			gracePeriod:     15 * 24 * time.Hour,
			retentionPeriod: 15 * 24 * time.Hour,
			pendingWindow:   7 * 24 * time.Hour,
			handlingFeeRate: decimal.RequireFromString("0.1"),
			maxSubscription: 5 * 366 * 24 * time.Hour,
			maxClockSkew:    15 * time.Minute,
			throttling:      true,
			seed:            1,
		},
		st:     newState(),
		faults: map[faultKey]Fault{},
		wlog:   &writeLog{},
		log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(s)
	}
	s.wlog.real = s.realClock
	s.rnd = rand.New(rand.NewSource(s.cfg.seed)) //nolint:gosec // deterministic fault injection, not security.
	s.counters.reset()
	s.throttle = newThrottler(s.realClock)
	s.mux = http.NewServeMux()
	s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// endpoint describes one BSS operation.
type endpoint struct {
	op      string
	pattern string
	limit   int
	write   bool
	h       func(*call) reply
}

// Operation names, used for faults and counters.
const (
	OpQueryResources = "QueryResources"
	OpRenew          = "RenewResources"
	OpUnsubscribe    = "UnsubscribeResources"
	OpEnableAuto     = "EnableAutoRenew"
	OpDisableAuto    = "DisableAutoRenew"
	OpToOnDemand     = "ToOnDemand"
	OpListOrders     = "ListOrders"
	OpOrderDetails   = "GetOrderDetails"
	OpOrderDiscounts = "GetOrderDiscounts"
	OpPayOrder       = "PayOrder"
	OpCancelOrder    = "CancelOrder"
	OpRefundOrders   = "ListRefundOrders"
	OpRenewRate      = "GetRenewalPrice"
	OpOnDemandRate   = "GetOnDemandPrice"
	OpBalances       = "GetBalances"
	OpMonthlySum     = "GetMonthlySum"
	OpCostData       = "QueryCostData"
)

func (s *Server) endpoints() []endpoint {
	return []endpoint{
		// 6.3.1 is served only at "suscriptions" (sic), the path the official
		// SDK and the Terraform provider call (DIGEST §4.1, §3): the
		// "subscriptions" spelling of §3.2/§3.3 falls to the unknown-path 404.
		{OpQueryResources, "POST /v2/orders/suscriptions/resources/query", 10, false, s.queryResources},
		{OpRenew, "POST /v2/orders/subscriptions/resources/renew", 10, true, s.renewResources},
		{OpUnsubscribe, "POST /v2/orders/subscriptions/resources/unsubscribe", 10, true, s.unsubscribe},
		{OpEnableAuto, "POST /v2/orders/subscriptions/resources/autorenew/{resource_id}", 10, true, s.enableAutoRenew},
		{OpDisableAuto, "DELETE /v2/orders/subscriptions/resources/autorenew/{resource_id}", 10, true, s.disableAutoRenew},
		{OpToOnDemand, "POST /v2/orders/subscriptions/resources/to-on-demand", 10, true, s.toOnDemand},
		{OpListOrders, "GET /v2/orders/customer-orders", 20, false, s.listOrders},
		{OpOrderDetails, "GET /v2/orders/customer-orders/details/{order_id}", 10, false, s.orderDetails},
		{OpOrderDiscounts, "GET /v2/orders/customer-orders/order-discounts", 10, false, s.orderDiscounts},
		{OpPayOrder, "POST /v3/orders/customer-orders/pay", 10, true, s.payOrder},
		{OpCancelOrder, "PUT /v2/orders/customer-orders/cancel", 10, true, s.cancelOrder},
		{OpRefundOrders, "GET /v2/orders/customer-orders/refund-orders", 10, false, s.refundOrders},
		{OpRenewRate, "POST /v2/bills/ratings/period-resources/renew-rate", 10, false, s.renewRate},
		// 4.2.1: 10/1(s) in §3.3 (DIGEST §1.5).
		{OpOnDemandRate, "POST /v2/bills/ratings/on-demand-resources", 10, false, s.rateOnDemand},
		{OpBalances, "GET /v2/accounts/customer-accounts/balances", 10, false, s.balances},
		// Summary bills: v2, the SDK's only call for them and the path §3.3
		// gives 25/s; the v1.0 path of §7.1 is not served (docs/simulator.md).
		{OpMonthlySum, "GET /v2/bills/customer-bills/monthly-sum", 25, false, s.monthlySum},
		{OpCostData, "POST /v4/costs/cost-analysed-bills/query", 10, false, s.costData},
	}
}

func (s *Server) routes() {
	for _, ep := range s.endpoints() {
		s.mux.Handle(ep.pattern, s.wrap(ep))
	}
	s.adminRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		reqID := s.nextRequestID()
		_ = writeJSON(w, http.StatusNotFound, reqID, gatewayError{
			ErrorCode: "APIGW.0101",
			ErrorMsg:  "The API does not exist or has not been published in the environment",
			RequestID: reqID,
		})
	})
}

// call is one authenticated API request being served.
type call struct {
	r       *http.Request
	body    []byte
	account *Account
	now     time.Time
	// caller is the IAM user (API) or console user behind the call.
	caller Caller
}

// reply is a handler's answer: an HTTP status and a body (nil: no body).
type reply struct {
	status int
	body   any
}

// cbcError is the standard {"error_code","error_msg"} body, with the extra
// fields some endpoints add.
type cbcError struct {
	ErrorCode          string   `json:"error_code"`
	ErrorMsg           string   `json:"error_msg"`
	OrderIDs           []string `json:"order_ids,omitempty"`
	ExpiredResourceIDs []string `json:"expiredResourceIds,omitempty"`
}

// gatewayError is the API gateway's authentication / routing error body.
type gatewayError struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

// throttleError is the exact §3.3 429 body.
type throttleError struct {
	StatusCode                  int    `json:"status_code"`
	RequestID                   string `json:"request_id"`
	ErrorCode                   string `json:"error_code"`
	ErrorMessage                string `json:"error_message"`
	EncodedAuthorizationMessage string `json:"encoded_authorization_message"`
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

func noContent() reply { return reply{status: http.StatusNoContent} }

func fail(status int, code, msg string) reply {
	return reply{status: status, body: cbcError{ErrorCode: code, ErrorMsg: msg}}
}

func badParam(msg string) reply {
	return fail(http.StatusBadRequest, "CBC.0100", "parameter error. "+msg)
}

func (s *Server) nextRequestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqSeq++
	return fmt.Sprintf("%032x", s.reqSeq)
}

// wrap turns an endpoint into an http.Handler: counting, authentication,
// throttling, fault injection, lazy time evaluation, the write log and the
// response.
func (s *Server) wrap(ep endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := s.nextRequestID()
		if ep.write {
			s.counters.write(ep.op)
		}
		// The account the call is counted against: the one it claims
		// until it has authenticated, then the one it proved.
		domain := r.Header.Get("X-Domain-Id")
		// rejected answers a call stopped before its business logic ran.
		rejected := func(caller Caller, body []byte, rep reply, faults []string) {
			var e *WriteEntry
			if ep.write {
				e = s.logRejected(ep.op, caller, r, body, rep, faults)
			}
			s.wlog.finish(e, s.finish(w, ep, domain, reqID, rep), nil)
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			rejected(Caller{}, nil, badParam("request body unreadable or larger than 12 MB"), nil)
			return
		}
		acct, caller, rep, authed := s.authenticate(r, body)
		if !authed {
			if ge, isGW := rep.body.(gatewayError); isGW {
				ge.RequestID = reqID
				rep.body = ge
			}
			rejected(Caller{}, body, rep, nil)
			return
		}
		domain = acct.DomainID
		if s.cfg.throttling && !s.throttle.allow(ep.op+"|"+acct.DomainID, ep.limit) {
			rejected(caller, body, reply{status: http.StatusTooManyRequests, body: throttleError{
				StatusCode:   http.StatusTooManyRequests,
				RequestID:    reqID,
				ErrorCode:    "APIGW.0308",
				ErrorMessage: fmt.Sprintf("The throttling threshold has been reached: policy user over ratelimit,limit:%d,time:1 second", ep.limit),
			}}, nil)
			return
		}
		s.mu.Lock()
		resources, orders := s.requestResources(r, body)
		fk, f := s.faultFor(ep.op, caller, resources)
		s.mu.Unlock()
		var faults []string
		if f.Latency > 0 {
			faults = append(faults, "latency")
			select {
			case <-s.realClock.After(f.Latency):
			case <-r.Context().Done():
				if ep.write {
					s.wlog.finish(s.logRejected(ep.op, caller, r, body, reply{}, nil), false, faults)
				}
				return
			}
		}
		if s.roll(f.ErrorRate) {
			rejected(caller, body, f.errorReply(), append(faults, "error"))
			return
		}
		s.mu.Lock()
		now := s.clock.Now().UTC().Truncate(time.Second)
		s.catchUp(now)
		c := &call{r: r, body: body, account: acct, now: now, caller: caller}
		rep = ep.h(c)
		var e *WriteEntry
		if ep.write {
			e = s.logApplied(ep.op, c, resources, orders, rep)
		}
		s.mu.Unlock()
		if s.roll(f.DropRate) || s.takeDrop(fk) {
			s.counters.record(ep.op, rep.status, true)
			s.counters.recordAccount(domain, ep, rep.status, true)
			s.wlog.finish(e, false, append(faults, "drop"))
			dropConnection(w)
			return
		}
		if f.AnswerDelay > 0 {
			// Applied; the answer waits. A caller that gives up first never
			// learns the outcome (an ambiguous write).
			faults = append(faults, "delay-answer")
			select {
			case <-s.realClock.After(f.AnswerDelay):
			case <-r.Context().Done():
				s.counters.record(ep.op, rep.status, true)
				s.counters.recordAccount(domain, ep, rep.status, true)
				s.wlog.finish(e, false, faults)
				return
			}
		}
		s.wlog.finish(e, s.finish(w, ep, domain, reqID, rep), faults)
	})
}

// finish counts and writes a reply; it reports whether the answer was
// written to the client.
func (s *Server) finish(w http.ResponseWriter, ep endpoint, domain, reqID string, rep reply) bool {
	s.counters.record(ep.op, rep.status, false)
	s.counters.recordAccount(domain, ep, rep.status, false)
	s.log.Debug("bss request", "operation", ep.op, "status", rep.status, "requestId", reqID)
	return writeJSON(w, rep.status, reqID, rep.body) == nil
}

// writeJSON writes a response the way BSS does: JSON with
// "application/json;charset=UTF-8", also on 204.
func writeJSON(w http.ResponseWriter, status int, reqID string, body any) error {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("X-Request-Id", reqID)
	if body == nil {
		w.WriteHeader(status)
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(cbcError{ErrorCode: "CBC.0999", ErrorMsg: "Other errors."})
	}
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// decodeBody strictly decodes a JSON request body into v.
func decodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("empty request body")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode request body: %w", err)
	}
	return nil
}

// num is a decimal that encodes as a JSON number (Double/BigDecimal fields).
type num struct{ d decimal.Decimal }

// MarshalJSON encodes the decimal as an unquoted JSON number.
func (n num) MarshalJSON() ([]byte, error) { return []byte(n.d.String()), nil }

func numOf(d decimal.Decimal) num { return num{d: d} }

func numPtr(d *decimal.Decimal) *num {
	if d == nil {
		return nil
	}
	return &num{d: *d}
}

// javaDecimal renders d like Java's BigDecimal with at least one fraction
// digit ("800.0"), as the 4.2.3 example does.
func javaDecimal(d decimal.Decimal) string {
	if d.Exponent() >= 0 || d.Equal(d.Truncate(0)) {
		return d.StringFixed(1)
	}
	return d.String()
}

func round2(d decimal.Decimal) decimal.Decimal { return d.Round(2) }
