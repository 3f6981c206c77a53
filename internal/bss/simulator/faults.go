package simulator

import (
	"net/http"
	"sort"
	"sync"
	"time"
)

// Fault is the fault injection configuration of one operation.
type Fault struct {
	// ErrorRate is the probability (0..1) of answering with an injected error
	// before the request is applied.
	ErrorRate float64 `json:"errorRate,omitempty"`
	// ErrorStatus is the injected HTTP status (default 500).
	ErrorStatus int `json:"errorStatus,omitempty"`
	// ErrorCode is the injected error_code (default CBC.0999).
	ErrorCode string `json:"errorCode,omitempty"`
	// ErrorMsg is the injected error_msg (default "Other errors.").
	ErrorMsg string `json:"errorMsg,omitempty"`
	// Latency is added (in real time) before the request is processed.
	Latency time.Duration `json:"latency,omitempty"`
	// DropRate is the probability (0..1) of applying the request and then
	// closing the connection without a response, so the client sees EOF.
	DropRate float64 `json:"dropRate,omitempty"`
	// DropNext drops the responses of the next N requests after applying them.
	DropNext int `json:"dropNext,omitempty"`
	// AnswerDelay applies the request, then waits this long (real time)
	// before answering: the write has happened while the caller still waits,
	// and may time out.
	AnswerDelay time.Duration `json:"answerDelay,omitempty"`
	// Caller scopes the fault to one caller: an IAM user name or an access
	// key. Empty: every caller.
	Caller string `json:"caller,omitempty"`
	// Resource scopes the fault to requests that name this resource ID
	// (in resource_ids, the path, or through the lines of the order they
	// name). Empty: every request.
	Resource string `json:"resource,omitempty"`
}

// AnyOp is the operation name of a fault that applies to every operation
// (the specific operation's fault of the same scope wins).
const AnyOp = "*"

// faultKey is an operation and a scope; one fault is set per key.
type faultKey struct{ op, caller, resource string }

func keyOf(op string, f Fault) faultKey { return faultKey{op, f.Caller, f.Resource} }

func (f Fault) errorReply() reply {
	st, code, msg := f.ErrorStatus, f.ErrorCode, f.ErrorMsg
	if st == 0 {
		st = http.StatusInternalServerError
	}
	if code == "" {
		code = "CBC.0999"
	}
	if msg == "" {
		msg = "Other errors."
	}
	return fail(st, code, msg)
}

// SetFault sets the fault configuration of operation op (an Op* constant,
// or AnyOp) for the scope f.Caller and f.Resource, replacing the fault of
// the same operation and scope. A request gets the most specific fault that
// matches it: caller and resource, then caller, then resource, then none;
// the operation's own before AnyOp.
func (s *Server) SetFault(op string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[keyOf(op, f)] = f
}

// ClearFaults removes all fault configurations.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[faultKey]Fault{}
}

// faultFor returns the fault that applies to a call of op by caller naming
// resources, and its key. Called with s.mu held.
func (s *Server) faultFor(op string, caller Caller, resources []string) (faultKey, Fault) {
	var users []string
	for _, u := range []string{caller.User, caller.AccessKey} {
		if u != "" {
			users = append(users, u)
		}
	}
	for _, o := range []string{op, AnyOp} {
		for _, u := range users {
			for _, r := range resources {
				if f, found := s.faults[faultKey{o, u, r}]; found {
					return faultKey{o, u, r}, f
				}
			}
		}
		for _, u := range users {
			if f, found := s.faults[faultKey{o, u, ""}]; found {
				return faultKey{o, u, ""}, f
			}
		}
		for _, r := range resources {
			if f, found := s.faults[faultKey{o, "", r}]; found {
				return faultKey{o, "", r}, f
			}
		}
		if f, found := s.faults[faultKey{o, "", ""}]; found {
			return faultKey{o, "", ""}, f
		}
	}
	return faultKey{}, Fault{}
}

// roll draws from the seeded random source; it is true with probability p.
func (s *Server) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rnd.Float64() < p
}

// takeDrop consumes one DropNext credit of the fault at k.
func (s *Server) takeDrop(k faultKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.faults[k]
	if !found || f.DropNext <= 0 {
		return false
	}
	f.DropNext--
	s.faults[k] = f
	return true
}

// dropConnection closes the client connection without writing a response.
func dropConnection(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	conn, _, err := rc.Hijack()
	if err != nil {
		// HTTP/2 or a recorder: abort the handler, which resets the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// Counters is a snapshot of the call counters.
type Counters struct {
	// Writes counts requests received per write operation, whatever their
	// outcome (a read-only client must leave these at zero).
	Writes map[string]int `json:"writes"`
	// Calls counts responses per operation and HTTP status.
	Calls map[string]map[int]int `json:"calls"`
	// Dropped counts responses dropped after applying, per operation.
	Dropped map[string]int `json:"dropped"`
}

// Total returns the number of calls of op with any status.
func (c Counters) Total(op string) int {
	n := 0
	for _, v := range c.Calls[op] {
		n += v
	}
	return n
}

// Operations returns the operations that were called, sorted.
func (c Counters) Operations() []string {
	var ops []string
	for op := range c.Calls {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

type counters struct {
	mu sync.Mutex
	c  Counters
	// byAccount holds the same counts per domain ID (see AccountCounters).
	byAccount map[string]*Counters
}

func emptyCounters() Counters {
	return Counters{Writes: map[string]int{}, Calls: map[string]map[int]int{}, Dropped: map[string]int{}}
}

func (c *counters) write(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.c.Writes[op]++
}

func (c *counters) record(op string, status int, dropped bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c.Calls[op] == nil {
		c.c.Calls[op] = map[int]int{}
	}
	c.c.Calls[op][status]++
	if dropped {
		c.c.Dropped[op]++
	}
}

// recordAccount counts a response against an account. Unlike the global
// Writes, a write is counted per account once it is answered (the account
// is known after authentication).
func (c *counters) recordAccount(domain string, ep endpoint, status int, dropped bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.byAccount[domain]
	if a == nil {
		n := emptyCounters()
		a = &n
		c.byAccount[domain] = a
	}
	if ep.write {
		a.Writes[ep.op]++
	}
	if a.Calls[ep.op] == nil {
		a.Calls[ep.op] = map[int]int{}
	}
	a.Calls[ep.op][status]++
	if dropped {
		a.Dropped[ep.op]++
	}
}

func (c *counters) snapshot() Counters {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.c.clone()
}

func (c *counters) snapshotAccount(domain string) Counters {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a := c.byAccount[domain]; a != nil {
		return a.clone()
	}
	return emptyCounters()
}

func (c Counters) clone() Counters {
	out := emptyCounters()
	for k, v := range c.Writes {
		out.Writes[k] = v
	}
	for k, v := range c.Dropped {
		out.Dropped[k] = v
	}
	for k, m := range c.Calls {
		out.Calls[k] = map[int]int{}
		for st, n := range m {
			out.Calls[k][st] = n
		}
	}
	return out
}

func (c *counters) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.c = emptyCounters()
	c.byAccount = map[string]*Counters{}
}
