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
}

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

// SetFault sets the fault configuration of operation op (an Op* constant).
func (s *Server) SetFault(op string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = f
}

// ClearFaults removes all fault configurations.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string]Fault{}
}

func (s *Server) fault(op string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults[op]
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

// takeDrop consumes one DropNext credit of op.
func (s *Server) takeDrop(op string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[op]
	if f.DropNext <= 0 {
		return false
	}
	f.DropNext--
	s.faults[op] = f
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
