package demo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// managerReadyTimeout bounds the wait for the manager's readiness probe.
const managerReadyTimeout = 60 * time.Second

// startManager starts the manager binary against the control plane, with
// its business clock started at the simulator's current time and running
// at the same speed, and waits until its readiness probe answers.
func (s *Stack) startManager(ctx context.Context) error {
	cfg := s.Config
	probeAddr, err := freeLoopbackAddr(ctx)
	if err != nil {
		return err
	}
	// Read the simulator's clock just before the start, so that the two
	// clocks differ only by the manager's start-up time (times the speed).
	simNow, err := s.SimulatorNow(ctx)
	if err != nil {
		return fmt.Errorf("read the simulator's clock for the manager: %w", err)
	}
	args := append([]string{
		"--metrics-bind-address=0",
		"--health-probe-bind-address=" + probeAddr,
		"--clock-start=" + simNow.UTC().Format(time.RFC3339Nano),
		"--clock-speed=" + strconv.FormatFloat(cfg.Speed, 'f', -1, 64),
		// The simulator listens on loopback, which the default allowlist
		// (the documented BSS hosts) refuses.
		"--bss-endpoints=" + s.Simulator.URL,
	}, cfg.ManagerArgs...)
	if s.Receiver != nil {
		args = append(args, webhookFlags...)
	}
	cmd := exec.CommandContext(ctx, cfg.Binaries.Manager, args...)
	// Stop sends SIGTERM itself; the context only bounds the startup.
	cmd.Cancel = func() error { return nil }
	cmd.Env = append(os.Environ(), "KUBECONFIG="+s.Kubeconfig)
	p, _, err := startProcess("manager", filepath.Join(s.logsDir, "manager.log"), cmd, false, 0)
	if err != nil {
		return err
	}
	s.Manager = p
	return waitReady(ctx, p, "http://"+probeAddr+"/readyz")
}

// waitReady polls url until it answers 200, the process exits, or
// managerReadyTimeout passes.
func waitReady(ctx context.Context, p *Process, url string) error {
	ctx, cancel := context.WithTimeout(ctx, managerReadyTimeout)
	defer cancel()
	httpClient := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("probe %s: %w", p.Name, err)
		}
		if res, err := httpClient.Do(req); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.Done():
			return fmt.Errorf("%s exited during start-up: %w (see %s)", p.Name, p.exitErr(), p.LogPath)
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s: %w (see %s)", p.Name, url, ctx.Err(), p.LogPath)
		case <-tick.C:
		}
	}
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port that was free a
// moment ago.
func freeLoopbackAddr(ctx context.Context) (string, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}
