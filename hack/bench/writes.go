package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"k8s.io/client-go/rest"
)

// statusWrites counts the kube-apiserver's answers to Subscription status
// writes (PATCH and PUT on subscriptions/status) by HTTP code, from its
// apiserver_request_total metric. The difference of two readings says how
// many writes a phase cost and how many of them lost a conflict (409):
// whether the manager wrote each changed status once, as "apiserver alone"
// assumes.
func (b *bench) statusWrites(ctx context.Context) (map[string]int, error) {
	hc, err := rest.HTTPClientFor(b.env.Config)
	if err != nil {
		return nil, fmt.Errorf("apiserver client: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(b.env.Config.Host, "/")+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("apiserver metrics request: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read apiserver metrics: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read apiserver metrics: %s", resp.Status)
	}
	return parseStatusWrites(resp.Body)
}

// parseStatusWrites sums apiserver_request_total for Subscription status
// writes by code.
func parseStatusWrites(r io.Reader) (map[string]int, error) {
	out := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "apiserver_request_total{")
		if !ok {
			continue
		}
		labelText, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		labels := parseLabels(labelText)
		if labels["resource"] != "subscriptions" || labels["subresource"] != "status" ||
			(labels["verb"] != "PATCH" && labels["verb"] != "PUT") {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metric line %q: %w", line, err)
		}
		out[labels["code"]] += int(v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read apiserver metrics: %w", err)
	}
	return out, nil
}

// parseLabels reads `a="x",b="y"` (values without quotes or commas, as the
// labels read here are).
func parseLabels(s string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			out[k] = strings.Trim(v, `"`)
		}
	}
	return out
}

// writesBetween returns the status writes and the conflicts among them
// between two readings of statusWrites.
func writesBetween(before, after map[string]int) (writes, conflicts int) {
	for code, n := range after {
		d := n - before[code]
		writes += d
		if code == "409" {
			conflicts += d
		}
	}
	return writes, conflicts
}
