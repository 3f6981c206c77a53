package main

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// counters builds simulator counters from operation -> status -> calls.
func counters(calls map[string]map[int]int) simulator.Counters {
	c := simulator.Counters{Writes: map[string]int{}, Calls: map[string]map[int]int{}, Dropped: map[string]int{}}
	for op, byStatus := range calls {
		c.Calls[op] = map[int]int{}
		for st, n := range byStatus {
			c.Calls[op][st] = n
		}
	}
	return c
}

func TestRefreshCounts(t *testing.T) {
	const (
		list = simulator.OpQueryResources
		bal  = simulator.OpBalances
		ok   = http.StatusOK
	)
	tests := []struct {
		name          string
		before, after simulator.Counters
		calls, refr   int
	}{
		{
			name:   "nothing happened",
			before: counters(nil), after: counters(nil),
		},
		{
			name:   "three refreshes of 1,000: two pages and a balance query each",
			before: counters(nil),
			after:  counters(map[string]map[int]int{list: {ok: 6}, bal: {ok: 3}}),
			calls:  9, refr: 3,
		},
		{
			// Dividing by the 3 intervals waited gave 14.0 for 21 calls a refresh.
			name:   "two refreshes of 10,000 in a window of three intervals",
			before: counters(nil),
			after:  counters(map[string]map[int]int{list: {ok: 40}, bal: {ok: 2}}),
			calls:  42, refr: 2,
		},
		{
			name:   "counts only what happened between the snapshots",
			before: counters(map[string]map[int]int{list: {ok: 4}, bal: {ok: 2}}),
			after:  counters(map[string]map[int]int{list: {ok: 10}, bal: {ok: 5}}),
			calls:  9, refr: 3,
		},
		{
			name:   "a refused balance query is a call but no refresh",
			before: counters(nil),
			after:  counters(map[string]map[int]int{list: {ok: 2}, bal: {ok: 1, http.StatusTooManyRequests: 1, http.StatusInternalServerError: 1}}),
			calls:  5, refr: 1,
		},
		{
			name:   "ten accounts, one refresh each",
			before: counters(nil),
			after:  counters(map[string]map[int]int{list: {ok: 20}, bal: {ok: 10}}),
			calls:  30, refr: 10,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls, refr := refreshCounts(tt.before, tt.after)
			if calls != tt.calls || refr != tt.refr {
				t.Errorf("refreshCounts = %d calls, %d refreshes; want %d, %d", calls, refr, tt.calls, tt.refr)
			}
		})
	}
}

func TestWriteRatio(t *testing.T) {
	one := scenario{name: "1000", accounts: 1, perAccount: 1000}
	tests := []struct {
		name string
		r    result
		want string
	}{
		{
			// 1,000 writes at 250/s alone take 4 s; the manager took 4.4 s.
			name: "met",
			r:    result{scenario: one, convergence: 34400 * time.Millisecond, firstSeen: 30 * time.Second, apiserverWrites: 250},
			want: "1.10 (aim 1.15: met)",
		},
		{
			name: "the session 4 run of 1,000",
			r:    result{scenario: one, convergence: 34700 * time.Millisecond, firstSeen: 29600 * time.Millisecond, apiserverWrites: 261},
			want: "1.33 (aim 1.15: missed)",
		},
		{
			name: "judged at the two decimals shown: 1.1525 prints 1.15 and meets the aim",
			r:    result{scenario: one, convergence: 34610 * time.Millisecond, firstSeen: 30 * time.Second, apiserverWrites: 250},
			want: "1.15 (aim 1.15: met)",
		},
		{
			name: "1.16 misses",
			r:    result{scenario: one, convergence: 34640 * time.Millisecond, firstSeen: 30 * time.Second, apiserverWrites: 250},
			want: "1.16 (aim 1.15: missed)",
		},
		{
			name: "several accounts list at different moments: not defined",
			r: result{scenario: scenario{name: "10x1000", accounts: 10, perAccount: 1000},
				convergence: 71800 * time.Millisecond, firstSeen: 2900 * time.Millisecond, apiserverWrites: 208},
			want: "-",
		},
		{
			name: "no apiserver-alone figure",
			r:    result{scenario: one, convergence: 34 * time.Second, firstSeen: 30 * time.Second},
			want: "-",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ratio, ok := tt.r.writeRatio()
			if got := formatRatio(ratio, ok); got != tt.want {
				t.Errorf("formatRatio(%v, %v) = %q, want %q", ratio, ok, got, tt.want)
			}
		})
	}
}

func TestMeetsTargetsRatio(t *testing.T) {
	base := result{scenario: scenario{name: "1000", accounts: 1, perAccount: 1000}, target: 4, callsPerRefresh: 3, refreshes: 3,
		firstSeen: 30 * time.Second, apiserverWrites: 250}
	met, missed := base, base
	met.convergence = 34400 * time.Millisecond    // 1.10
	missed.convergence = 35600 * time.Millisecond // 1.40
	noRefresh := met
	noRefresh.refreshes, noRefresh.callsPerRefresh = 0, 0
	tests := []struct {
		name string
		r    result
		want bool
	}{
		{"ratio met", met, true},
		{"ratio missed", missed, false},
		{"no refresh counted", noRefresh, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := meetsTargets([]result{tt.r}, nil); got != tt.want {
				t.Errorf("meetsTargets = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFormatCells(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"calls per refresh", formatCallsPerRefresh(3, 9), "3.0"},
		{"no refresh counted", formatCallsPerRefresh(0, 0), "-"},
		{"stored in etcd", formatStored(3204.4, 3260, "etcd"), "3204 (3260)"},
		{"read through the API", formatStored(3229.6, 3285, "api"), "3230 (3285) api"},
		{"not measured", formatStored(0, 0, ""), "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestSizeStats(t *testing.T) {
	tests := []struct {
		name    string
		sizes   []int
		mean    float64
		largest int
	}{
		{"none", nil, 0, 0},
		{"one", []int{3200}, 3200, 3200},
		{"several", []int{3100, 3300, 3200}, 3200, 3300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mean, largest := sizeStats(tt.sizes)
			if mean != tt.mean || largest != tt.largest {
				t.Errorf("sizeStats = %v, %d; want %v, %d", mean, largest, tt.mean, tt.largest)
			}
		})
	}
}

func TestSizeParts(t *testing.T) {
	tests := []struct {
		name string
		obj  string
		want map[string]int
	}{
		{
			name: "parts add up to the object",
			obj: `{"apiVersion":"v1","kind":"K","metadata":{"name":"a","managedFields":[{"manager":"m"}]},` +
				`"spec":{"x":1},"status":{"conditions":[{"type":"Ready"}],"expireTime":"2027-01-01T00:00:00Z"}}` + "\n",
			want: map[string]int{
				"metadata.managedFields": len(`"managedFields":[{"manager":"m"}],`),
				"spec":                   len(`"spec":{"x":1},`),
				"status.conditions":      len(`"conditions":[{"type":"Ready"}],`),
				"status.expireTime":      len(`"expireTime":"2027-01-01T00:00:00Z",`),
			},
		},
		{
			name: "no status",
			obj:  `{"metadata":{"name":"a"},"spec":{}}`,
			want: map[string]int{"spec": len(`"spec":{},`)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sizeParts([]byte(tt.obj))
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for k, n := range got {
				sum += n
				if k != "rest" && n != tt.want[k] {
					t.Errorf("%s = %d bytes, want %d", k, n, tt.want[k])
				}
			}
			if len(got) != len(tt.want)+1 {
				t.Errorf("parts %v, want %v and rest", got, tt.want)
			}
			if sum != len(tt.obj) {
				t.Errorf("parts add up to %d bytes, the object has %d", sum, len(tt.obj))
			}
		})
	}
}

func TestEtcdFlags(t *testing.T) {
	tests := []struct {
		name                   string
		args                   []string
		endpoint, prefix, fail string
	}{
		{name: "envtest's flags", args: []string{"kube-apiserver", "--etcd-servers=http://127.0.0.1:41234", "--secure-port=1"},
			endpoint: "http://127.0.0.1:41234", prefix: "/registry"},
		{name: "several servers and a prefix", args: []string{"--etcd-prefix=/k", "--etcd-servers=http://a:1,http://b:2"},
			endpoint: "http://a:1", prefix: "/k"},
		{name: "no etcd flag", args: []string{"kube-apiserver"}, fail: "no --etcd-servers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint, prefix, err := etcdFlags(tt.args)
			if tt.fail != "" {
				if err == nil {
					t.Fatalf("want an error, got %q %q", endpoint, prefix)
				}
				return
			}
			if err != nil || endpoint != tt.endpoint || prefix != tt.prefix {
				t.Errorf("etcdFlags = %q, %q, %v; want %q, %q", endpoint, prefix, err, tt.endpoint, tt.prefix)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, stat string
		comm       string
		ppid       int
		ok         bool
	}{
		{"plain", "123 (kube-apiserver) S 42 123 42 0", "kube-apiserver", 42, true},
		{"a name with spaces and parentheses", "7 (a (b) c) R 1 7 7", "a (b) c", 1, true},
		{"truncated", "7 (etcd)", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			comm, ppid, ok := parseStat(tt.stat)
			if comm != tt.comm || ppid != tt.ppid || ok != tt.ok {
				t.Errorf("parseStat = %q, %d, %v; want %q, %d, %v", comm, ppid, ok, tt.comm, tt.ppid, tt.ok)
			}
		})
	}
}

func TestStatusWrites(t *testing.T) {
	const metrics = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="billing.bss-operator.io",resource="subscriptions",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 1200
apiserver_request_total{code="409",component="apiserver",dry_run="",group="billing.bss-operator.io",resource="subscriptions",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="billing.bss-operator.io",resource="subscriptions",scope="resource",subresource="status",verb="PUT",version="v1alpha1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="billing.bss-operator.io",resource="subscriptions",scope="resource",subresource="",verb="PATCH",version="v1alpha1"} 50
apiserver_request_total{code="200",component="apiserver",dry_run="",group="billing.bss-operator.io",resource="billingaccounts",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 9
apiserver_request_total{code="200",component="apiserver",dry_run="",group="billing.bss-operator.io",resource="subscriptions",scope="namespace",subresource="",verb="LIST",version="v1alpha1"} 4
`
	got, err := parseStatusWrites(strings.NewReader(metrics))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"200": 1202, "409": 3}; !reflect.DeepEqual(got, want) {
		t.Fatalf("parseStatusWrites = %v, want %v", got, want)
	}
	tests := []struct {
		name              string
		before, after     map[string]int
		writes, conflicts int
	}{
		{"from nothing", nil, map[string]int{"200": 1000}, 1000, 0},
		{"one write each, no conflict", map[string]int{"200": 1000}, map[string]int{"200": 2000}, 1000, 0},
		{"conflicts are writes too", map[string]int{"200": 1000, "409": 1}, map[string]int{"200": 2000, "409": 6}, 1005, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writes, conflicts := writesBetween(tt.before, tt.after)
			if writes != tt.writes || conflicts != tt.conflicts {
				t.Errorf("writesBetween = %d, %d; want %d, %d", writes, conflicts, tt.writes, tt.conflicts)
			}
		})
	}
}
