package simulator

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// WriteEntry is one entry of the write log: a write call (API or console),
// or an event of the cloud itself (Via ViaSystem: auto-renew deductions,
// payment deadlines, held orders moving on, price changes). Seq orders the
// entries as the simulator applied them, so a test can assert the order of
// events ("the operator's order was placed after auto-renew was switched
// on").
type WriteEntry struct {
	Seq int64 `json:"seq"`
	// Time is the simulated time at which the call was applied (or
	// refused); RealTime the real time.
	Time     time.Time `json:"time"`
	RealTime time.Time `json:"realTime"`
	Op       string    `json:"op"`
	// Caller is who made the call; empty when authentication failed.
	Caller Caller `json:"caller"`
	// Request is the request body (JSON), when there was one.
	Request json.RawMessage `json:"request,omitempty"`
	// Resources are the resource IDs the request named, directly, in its
	// path, or through the order it named.
	Resources []string `json:"resources,omitempty"`
	// OrderIDs are the orders the request named or the answer returned.
	OrderIDs []string `json:"orderIds,omitempty"`
	// Status and ErrorCode are the answer (HTTP status, error_code).
	Status    int    `json:"status"`
	ErrorCode string `json:"errorCode,omitempty"`
	// Applied is true when the business logic ran: the outcome is Status
	// and ErrorCode (a refusal is applied with an error outcome; a 400
	// CBC.30050006 still placed its orders). False when the call was stopped
	// before (authentication, throttling, an injected error).
	Applied bool `json:"applied"`
	// Delivered is true when the answer was written to the client: false
	// when a fault dropped it or the client went away first. Console and
	// system entries are always delivered.
	Delivered bool `json:"delivered"`
	// Faults lists the injected faults that hit the call: "latency",
	// "error", "delay-answer", "drop".
	Faults []string `json:"faults,omitempty"`
	// Note says what a system entry did.
	Note string `json:"note,omitempty"`
}

// writeLog is the simulator's write log, optionally mirrored to a file as
// JSON lines (one line per entry, written when its delivery is known).
type writeLog struct {
	mu      sync.Mutex
	seq     int64
	entries []*WriteEntry
	out     io.Writer
	real    clock.PassiveClock
}

// WithWriteLog mirrors the write log to w as JSON lines.
func WithWriteLog(w io.Writer) Option { return func(s *Server) { s.wlog.out = w } }

// maxWriteLog bounds the entries kept in memory (a long accelerated demo
// logs daily auto-renew retries); the file keeps them all.
const maxWriteLog = 100_000

func (l *writeLog) add(e *WriteEntry) *WriteEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.Seq, e.RealTime = l.seq, l.real.Now().UTC()
	l.entries = append(l.entries, e)
	if len(l.entries) > 2*maxWriteLog {
		l.entries = append([]*WriteEntry(nil), l.entries[len(l.entries)-maxWriteLog:]...)
	}
	return e
}

// finish records the delivery of e and writes it to the file. e may be nil
// (a read).
func (l *writeLog) finish(e *WriteEntry, delivered bool, faults []string) {
	if e == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Delivered = delivered
	e.Faults = append(e.Faults, faults...)
	if l.out != nil {
		if b, err := json.Marshal(e); err == nil {
			_, _ = l.out.Write(append(b, '\n'))
		}
	}
}

// Writes returns a copy of the write log, in the order the entries were
// applied.
func (s *Server) Writes() []WriteEntry {
	s.wlog.mu.Lock()
	defer s.wlog.mu.Unlock()
	out := make([]WriteEntry, 0, len(s.wlog.entries))
	for _, e := range s.wlog.entries {
		c := *e
		c.Resources = append([]string(nil), e.Resources...)
		c.OrderIDs = append([]string(nil), e.OrderIDs...)
		c.Faults = append([]string(nil), e.Faults...)
		out = append(out, c)
	}
	return out
}

// ResetWrites empties the write log (the file, if any, is left alone).
func (s *Server) ResetWrites() {
	s.wlog.mu.Lock()
	defer s.wlog.mu.Unlock()
	s.wlog.entries = nil
}

// requestResources returns the resource and order IDs a request names: its
// resource_ids and order_id (body or query), its path values, and the lines
// of the named order. Called with s.mu held.
func (s *Server) requestResources(r *http.Request, body []byte) (resources, orders []string) {
	var b struct {
		ResourceIDs []string `json:"resource_ids"`
		OrderID     string   `json:"order_id"`
	}
	_ = json.Unmarshal(body, &b)
	seen := map[string]bool{}
	addRes := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			resources = append(resources, id)
		}
	}
	for _, id := range b.ResourceIDs {
		addRes(id)
	}
	addRes(r.PathValue("resource_id"))
	for _, oid := range []string{b.OrderID, r.PathValue("order_id"), r.URL.Query().Get("order_id")} {
		if oid == "" || (len(orders) > 0 && orders[0] == oid) {
			continue
		}
		orders = append(orders, oid)
		if o := s.st.findOrder(oid); o != nil {
			for _, l := range o.Lines {
				addRes(l.ResourceID)
			}
		}
	}
	return resources, orders
}

// logApplied records a write whose business logic ran. Called with s.mu held
// so that the log's order is the order of application.
func (s *Server) logApplied(op string, c *call, resources, orders []string, rep reply) *WriteEntry {
	e := &WriteEntry{Time: c.now, Op: op, Caller: c.caller, Resources: resources, Status: rep.status, Applied: true}
	if json.Valid(c.body) {
		e.Request = append(json.RawMessage(nil), c.body...)
	}
	e.OrderIDs = append(e.OrderIDs, orders...)
	switch b := rep.body.(type) {
	case cbcError:
		e.ErrorCode = b.ErrorCode
		e.OrderIDs = append(e.OrderIDs, b.OrderIDs...)
	case orderIDsResponse:
		e.OrderIDs = append(e.OrderIDs, b.OrderIDs...)
	}
	return s.wlog.add(e)
}

// logRejected records a write stopped before its business logic ran.
func (s *Server) logRejected(op string, caller Caller, r *http.Request, body []byte, rep reply, faults []string) *WriteEntry {
	s.mu.Lock()
	resources, orders := s.requestResources(r, body)
	now := s.clock.Now().UTC().Truncate(time.Second)
	s.mu.Unlock()
	e := &WriteEntry{Time: now, Op: op, Caller: caller, Resources: resources, OrderIDs: orders,
		Status: rep.status, Faults: faults}
	if json.Valid(body) {
		e.Request = append(json.RawMessage(nil), body...)
	}
	switch b := rep.body.(type) {
	case cbcError:
		e.ErrorCode = b.ErrorCode
	case gatewayError:
		e.ErrorCode = b.ErrorCode
	case throttleError:
		e.ErrorCode = b.ErrorCode
	}
	return s.wlog.add(e)
}

// logSystem records an event of the cloud itself. Called with s.mu held.
func (s *Server) logSystem(op string, at time.Time, resources, orders []string, errorCode, note string) {
	e := s.wlog.add(&WriteEntry{Time: at, Op: op, Caller: systemCaller, Resources: resources,
		OrderIDs: orders, ErrorCode: errorCode, Applied: true, Note: note})
	s.wlog.finish(e, true, nil)
}

// System operations in the write log.
const (
	OpAutoRenewDeduction = "AutoRenewDeduction"
	OpPaymentDeadline    = "PaymentDeadline"
	OpHoldEnd            = "OrderHoldEnd"
	OpPriceChange        = "PriceChange"
	OpExpiry             = "Expiry"
)
