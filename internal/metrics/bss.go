// Package metrics holds the operator's custom Prometheus metrics. Nothing is
// registered globally: constructors take the Registerer to use (the manager
// passes controller-runtime's metrics.Registry).
package metrics

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BSS holds the metrics of calls to the Huawei Cloud BSS API. Labels are
// bounded: operation is one of the client's operation names, result one of
// "success" or an error class, source one of "client" or "server".
type BSS struct {
	// Requests counts calls by operation and result.
	Requests *prometheus.CounterVec
	// Latency observes call duration in seconds by operation, retries and
	// client-side waits included.
	Latency *prometheus.HistogramVec
	// Throttles counts throttling events by operation and source: "client"
	// when the client-side limiter made a call wait, "server" for HTTP 429.
	Throttles *prometheus.CounterVec
	// ThrottleWait observes client-side limiter waits in seconds by operation.
	ThrottleWait *prometheus.HistogramVec
}

// Result label values besides the error classes.
const (
	// ResultSuccess labels a successful call.
	ResultSuccess = "success"
	// SourceClient labels a wait imposed by the client-side limiter.
	SourceClient = "client"
	// SourceServer labels an HTTP 429 from the server.
	SourceServer = "server"
)

// NewBSS creates the BSS metrics and registers them on reg.
func NewBSS(reg prometheus.Registerer) (*BSS, error) {
	m := &BSS{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "bss_operator",
			Subsystem: "bss",
			Name:      "requests_total",
			Help:      "BSS API calls by operation and result (success, terminal, retryable, not_found, ambiguous).",
		}, []string{"operation", "result"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "bss_operator",
			Subsystem: "bss",
			Name:      "request_duration_seconds",
			Help:      "Duration of BSS API calls, retries and client-side throttling included.",
			Buckets:   []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		Throttles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "bss_operator",
			Subsystem: "bss",
			Name:      "throttles_total",
			Help:      "BSS throttling events: client-side limiter waits (source=client) and HTTP 429 answers (source=server).",
		}, []string{"operation", "source"}),
		ThrottleWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "bss_operator",
			Subsystem: "bss",
			Name:      "throttle_wait_seconds",
			Help:      "Time BSS calls waited for the client-side rate limiter.",
			Buckets:   []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}, []string{"operation"}),
	}
	for _, c := range []prometheus.Collector{m.Requests, m.Latency, m.Throttles, m.ThrottleWait} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register BSS metrics: %w", err)
		}
	}
	return m, nil
}

// ObserveRequest records one call's result and duration. It is nil-safe.
func (m *BSS) ObserveRequest(operation, result string, d time.Duration) {
	if m == nil {
		return
	}
	m.Requests.WithLabelValues(operation, result).Inc()
	m.Latency.WithLabelValues(operation).Observe(d.Seconds())
}

// ObserveClientThrottle records a wait imposed by the client-side limiter.
// It is nil-safe.
func (m *BSS) ObserveClientThrottle(operation string, wait time.Duration) {
	if m == nil {
		return
	}
	m.Throttles.WithLabelValues(operation, SourceClient).Inc()
	m.ThrottleWait.WithLabelValues(operation).Observe(wait.Seconds())
}

// ObserveServerThrottle records an HTTP 429 answer. It is nil-safe.
func (m *BSS) ObserveServerThrottle(operation string) {
	if m == nil {
		return
	}
	m.Throttles.WithLabelValues(operation, SourceServer).Inc()
}
