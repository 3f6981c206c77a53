package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/rest"
)

// freeAddress returns a loopback address with a port free right now.
func freeAddress(ctx context.Context) (string, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

// profiling captures a CPU profile of the manager from start until stop,
// and a heap profile at stop, when the bench was asked to profile.
type profiling struct {
	dir, name, addr string
	cancel          context.CancelFunc
	done            chan error
	// apiserverDone reports the kube-apiserver's CPU profile of the same
	// span (it shows what a status write costs on the other side).
	apiserverDone chan error
}

// startProfile begins a CPU profile of at most limit; it does nothing
// unless -profile-dir was given.
func (b *bench) startProfile(ctx context.Context, p *managerProc, name string, limit time.Duration) *profiling {
	if b.cfg.profileDir == "" || p.pprof == "" {
		return nil
	}
	pctx, cancel := context.WithCancel(ctx)
	pr := &profiling{dir: b.cfg.profileDir, name: name, addr: p.pprof, cancel: cancel,
		done: make(chan error, 1), apiserverDone: make(chan error, 1)}
	go func() {
		// A manager just started may not listen yet.
		for i := 0; i < 50; i++ {
			d := net.Dialer{Timeout: time.Second}
			if conn, err := d.DialContext(pctx, "tcp", pr.addr); err == nil {
				_ = conn.Close()
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pr.addr, int(limit.Seconds()))
		pr.done <- fetchTo(pctx, http.DefaultClient, url, filepath.Join(pr.dir, name+".cpu.pprof"))
	}()
	go func() {
		hc, err := rest.HTTPClientFor(b.env.Config)
		if err != nil {
			pr.apiserverDone <- fmt.Errorf("apiserver client: %w", err)
			return
		}
		url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", strings.TrimSuffix(b.env.Config.Host, "/"), int(limit.Seconds()))
		pr.apiserverDone <- fetchTo(pctx, hc, url, filepath.Join(pr.dir, name+".apiserver.cpu.pprof"))
	}()
	return pr
}

// stop waits for the CPU profile (it ends after its duration) and takes a
// heap profile.
func (pr *profiling) stop(ctx context.Context) {
	if pr == nil {
		return
	}
	defer pr.cancel()
	if err := <-pr.done; err != nil {
		fmt.Fprintln(os.Stderr, "   cpu profile:", err)
	}
	if err := <-pr.apiserverDone; err != nil {
		fmt.Fprintln(os.Stderr, "   apiserver cpu profile:", err)
	}
	if err := fetchTo(ctx, http.DefaultClient, fmt.Sprintf("http://%s/debug/pprof/heap", pr.addr), filepath.Join(pr.dir, pr.name+".heap.pprof")); err != nil {
		fmt.Fprintln(os.Stderr, "   heap profile:", err)
	}
	fmt.Fprintf(os.Stderr, "   profiles in %s (go tool pprof)\n", pr.dir)
}

// fetchTo writes the body of a GET into a file.
func fetchTo(ctx context.Context, hc *http.Client, url, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("profile dir: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("profile request: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
