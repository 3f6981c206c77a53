package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
)

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesSampleInventory(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--inventory", "../../config/simulator/inventory.yaml",
			"--speed", "3600", "--start-time", "2025-03-10T02:00:00Z"}, &out, io.Discard, ready)
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("simulator did not start")
	}
	first, _, _ := bufio.NewReader(strings.NewReader(out.String())).ReadLine()
	var info startup
	if err := json.Unmarshal(first, &info); err != nil {
		t.Fatalf("first line %q is not JSON: %v", first, err)
	}
	if info.URL != base || len(info.Accounts) != 1 || info.Accounts[0].Token == "" || info.Accounts[0].AccessKey == "" {
		t.Fatalf("startup line = %+v", info)
	}
	req, _ := http.NewRequest("POST", base+"/v2/orders/suscriptions/resources/query", strings.NewReader(`{"limit":100}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", info.Accounts[0].Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		TotalCount int `json:"total_count"`
	}
	err = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || body.TotalCount != 9 {
		t.Fatalf("query: %d %+v %v", res.StatusCode, body, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	if !strings.Contains(out.String(), "stopped") {
		t.Errorf("output = %s", out.String())
	}
}

func TestRunWithoutInventory(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--seed", "7"}, &out, io.Discard, ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out.String(), "SIMAK000000000000007") {
		t.Fatalf("output = %s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"--start-time", "yesterday"}, io.Discard, io.Discard, nil); err == nil {
		t.Fatal("bad --start-time accepted")
	}
}

func TestRunWritesTheWriteLogFile(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := t.TempDir() + "/writes.jsonl"
	var out syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--seed", "3", "--write-log", path}, &out, io.Discard, ready) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	admin := simulator.NewAdminClient(base, nil)
	res, err := admin.Console(fmt.Sprintf("sim%029d", 3), "carol").Cancel(ctx, "CS0000000000NONE1")
	if err != nil || res.Status != 400 {
		t.Fatalf("console cancel of an unknown order: %+v %v", res, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var e simulator.WriteEntry
	if err := json.Unmarshal(bytes.TrimSpace(data), &e); err != nil {
		t.Fatalf("write log %q: %v", data, err)
	}
	if e.Op != simulator.OpCancelOrder || e.Caller.User != "carol" || e.Caller.Via != simulator.ViaConsole || e.Status != 400 {
		t.Fatalf("write log entry = %+v", e)
	}
}
