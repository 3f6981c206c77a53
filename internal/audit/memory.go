package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/go-logr/logr"
)

// Memory keeps what the audit logger writes, as a log pipeline would
// receive it, so that tests can read the records back. It is safe for
// concurrent writers and readers.
type Memory struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (m *Memory) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.buf.Write(p)
}

// Logger is an audit logger (NewLogger) that writes into m.
func (m *Memory) Logger() logr.Logger {
	return NewLogger(m)
}

// Records returns the JSON records written so far, oldest first; with
// reset it also forgets them.
func (m *Memory) Records(reset bool) ([]map[string]any, error) {
	m.mu.Lock()
	data := m.buf.String()
	if reset {
		m.buf.Reset()
	}
	m.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(data, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return nil, fmt.Errorf("audit record is not JSON: %w: %s", err, line)
		}
		out = append(out, rec)
	}
	return out, nil
}
