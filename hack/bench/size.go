package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// storedSizes are the sizes of a namespace's Subscriptions as stored.
type storedSizes struct {
	// values are the bytes of each object.
	values []int
	// parts are the bytes of each part of the objects (sizeParts), summed.
	parts map[string]int
	// source says where the sizes were read: "etcd", or "api" when etcd
	// could not be reached and the objects were read back through the
	// kube-apiserver instead.
	source string
}

// subscriptionSizes reads the stored size of every Subscription in ns.
//
// It reads etcd, because what a status write costs grows with what the
// kube-apiserver decodes, patches, validates, encodes and hands etcd, and
// etcd's value is exactly that: for a custom resource, the object's JSON
// with its managedFields, without resourceVersion (the storage layer
// clears it), and no protobuf or encryption envelope in envtest. Reading
// the objects back through the API gives nearly the same figure (the
// resourceVersion added, about 25 bytes); the bench falls back to it when
// it cannot find etcd.
func (b *bench) subscriptionSizes(ctx context.Context, ns string) (storedSizes, error) {
	values, err := b.etcdValues(ctx, ns)
	source := "etcd"
	if err != nil {
		fmt.Fprintf(os.Stderr, "   stored size: %v; reading the objects through the kube-apiserver instead\n", err)
		if values, err = b.apiValues(ctx, ns); err != nil {
			return storedSizes{}, err
		}
		source = "api"
	}
	s := storedSizes{parts: map[string]int{}, source: source}
	for _, v := range values {
		s.values = append(s.values, len(v))
		p, err := sizeParts(v)
		if err != nil {
			return storedSizes{}, err
		}
		for k, n := range p {
			s.parts[k] += n
		}
	}
	return s, nil
}

// etcdValues reads the stored Subscriptions of ns from etcd, through its
// gRPC gateway (plain HTTP and JSON: the bench needs no etcd client).
func (b *bench) etcdValues(ctx context.Context, ns string) ([][]byte, error) {
	endpoint, prefix, err := etcdOfAPIServer()
	if err != nil {
		return nil, err
	}
	// The key of a custom resource: <prefix>/<group>/<plural>/<namespace>/<name>.
	keyPrefix := path.Join(prefix, billingv1alpha1.GroupVersion.Group, "subscriptions", ns) + "/"
	end := []byte(keyPrefix)
	end[len(end)-1]++ // the first key after every key with the prefix
	var values [][]byte
	key := []byte(keyPrefix)
	for {
		page, more, err := etcdRange(ctx, endpoint, key, end)
		if err != nil {
			return nil, err
		}
		for _, kv := range page {
			if len(kv.value) == 0 || kv.value[0] != '{' {
				return nil, fmt.Errorf("etcd value of %s is not JSON (an encryption or protobuf envelope?)", kv.key)
			}
			values = append(values, kv.value)
		}
		if !more || len(page) == 0 {
			break
		}
		key = append([]byte(page[len(page)-1].key), 0)
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("no keys under %s in etcd", keyPrefix)
	}
	return values, nil
}

// etcdKV is one key and its value.
type etcdKV struct {
	key   string
	value []byte
}

// etcdPage is the most keys one etcd range request returns.
const etcdPage = 500

// etcdRange reads up to etcdPage keys from key (inclusive) to end
// (exclusive) and says whether more follow.
func etcdRange(ctx context.Context, endpoint string, key, end []byte) ([]etcdKV, bool, error) {
	body, err := json.Marshal(map[string]any{
		"key": base64.StdEncoding.EncodeToString(key), "range_end": base64.StdEncoding.EncodeToString(end), "limit": etcdPage,
	})
	if err != nil {
		return nil, false, fmt.Errorf("etcd range request: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+"/v3/kv/range", bytes.NewReader(body))
	if err != nil {
		return nil, false, fmt.Errorf("etcd range request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("etcd range: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, false, fmt.Errorf("etcd range: %s", resp.Status)
	}
	var out struct {
		KVs []struct {
			Key   []byte `json:"key"`   // base64 in the gateway's JSON
			Value []byte `json:"value"` // likewise
		} `json:"kvs"`
		More bool `json:"more"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, false, fmt.Errorf("decode etcd range: %w", err)
	}
	kvs := make([]etcdKV, 0, len(out.KVs))
	for _, kv := range out.KVs {
		kvs = append(kvs, etcdKV{key: string(kv.Key), value: kv.Value})
	}
	return kvs, out.More, nil
}

// etcdOfAPIServer finds the etcd behind the bench's kube-apiserver: envtest
// starts kube-apiserver as a child of this process, with --etcd-servers
// (and the default --etcd-prefix, /registry, unless it says otherwise).
func etcdOfAPIServer() (endpoint, prefix string, err error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return "", "", fmt.Errorf("find kube-apiserver: %w", err)
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		comm, ppid, ok := parseStat(string(stat))
		if !ok || ppid != self || comm != "kube-apiserver" {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			return "", "", fmt.Errorf("read kube-apiserver flags: %w", err)
		}
		return etcdFlags(strings.Split(string(cmdline), "\x00"))
	}
	return "", "", fmt.Errorf("no kube-apiserver child of this process")
}

// parseStat returns the command name and parent pid from /proc/<pid>/stat.
func parseStat(stat string) (comm string, ppid int, ok bool) {
	open, closing := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || closing < open || closing+2 > len(stat) {
		return "", 0, false
	}
	f := strings.Fields(stat[closing+2:]) // state, ppid, ...
	if len(f) < 2 {
		return "", 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return stat[open+1 : closing], ppid, err == nil
}

// etcdFlags reads the first etcd server and the key prefix from
// kube-apiserver's arguments.
func etcdFlags(args []string) (endpoint, prefix string, err error) {
	prefix = "/registry"
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--etcd-servers="); ok {
			endpoint, _, _ = strings.Cut(v, ",")
		}
		if v, ok := strings.CutPrefix(a, "--etcd-prefix="); ok {
			prefix = v
		}
	}
	if endpoint == "" {
		return "", "", fmt.Errorf("kube-apiserver has no --etcd-servers flag")
	}
	return endpoint, prefix, nil
}

// apiValues reads the Subscriptions of ns through the kube-apiserver and
// encodes each as the apiserver stores a custom resource (JSON of the
// object with sorted keys), without the resourceVersion it does not store.
func (b *bench) apiValues(ctx context.Context, ns string) ([][]byte, error) {
	var list unstructured.UnstructuredList
	list.SetGroupVersionKind(billingv1alpha1.GroupVersion.WithKind("SubscriptionList"))
	if err := b.env.Client.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("list Subscriptions: %w", err)
	}
	values := make([][]byte, 0, len(list.Items))
	for i := range list.Items {
		list.Items[i].SetResourceVersion("")
		v, err := json.Marshal(list.Items[i].Object)
		if err != nil {
			return nil, fmt.Errorf("encode Subscription: %w", err)
		}
		values = append(values, v)
	}
	return values, nil
}

// sizeParts splits a stored object's bytes into the parts a size
// reduction would look at: metadata.managedFields, each status field,
// spec, and the rest (the remaining metadata, apiVersion, kind, and the
// JSON punctuation). Each part counts its key and separators; the parts
// add up to the object's size.
func sizeParts(obj []byte) (map[string]int, error) {
	var o map[string]json.RawMessage
	if err := json.Unmarshal(obj, &o); err != nil {
		return nil, fmt.Errorf("decode stored object: %w", err)
	}
	parts := map[string]int{}
	// field is a member's share: its value, its quoted key, the colon and a comma.
	field := func(key string, v json.RawMessage) int { return len(key) + 2 + 1 + 1 + len(v) }
	if md, ok := o["metadata"]; ok {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(md, &m); err != nil {
			return nil, fmt.Errorf("decode metadata: %w", err)
		}
		if mf, ok := m["managedFields"]; ok {
			parts["metadata.managedFields"] = field("managedFields", mf)
		}
	}
	if st, ok := o["status"]; ok {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(st, &m); err != nil {
			return nil, fmt.Errorf("decode status: %w", err)
		}
		for k, v := range m {
			parts["status."+k] = field(k, v)
		}
	}
	if sp, ok := o["spec"]; ok {
		parts["spec"] = field("spec", sp)
	}
	rest := len(obj)
	for _, n := range parts {
		rest -= n
	}
	parts["rest"] = rest
	return parts, nil
}

// sizeStats returns the mean and the largest of sizes (zeros for none).
func sizeStats(sizes []int) (mean float64, largest int) {
	if len(sizes) == 0 {
		return 0, 0
	}
	sum := 0
	for _, s := range sizes {
		sum += s
		largest = max(largest, s)
	}
	return float64(sum) / float64(len(sizes)), largest
}

// formatParts says what the mean object is made of, largest part first.
func formatParts(parts map[string]int, objects int) string {
	if objects == 0 {
		return ""
	}
	names := make([]string, 0, len(parts))
	for k := range parts {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if parts[names[i]] != parts[names[j]] {
			return parts[names[i]] > parts[names[j]]
		}
		return names[i] < names[j]
	})
	out := make([]string, 0, len(names))
	for _, k := range names {
		out = append(out, fmt.Sprintf("%s %.0f", k, float64(parts[k])/float64(objects)))
	}
	return strings.Join(out, ", ")
}
