package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SimulatorInfo is the JSON line the simulator prints at start.
type SimulatorInfo struct {
	// URL is the BSS API's base URL.
	URL string `json:"url"`
	// AdminURL is the base URL of the /_sim/ admin API.
	AdminURL string `json:"adminUrl"`
	// Now is the simulated time at start.
	Now time.Time `json:"now"`
	// Speed is simulated seconds per real second.
	Speed float64 `json:"speed"`
	// Accounts are the seeded accounts and their credentials.
	Accounts []SimulatorAccount `json:"accounts"`
}

// SimulatorAccount is one seeded account with its first credentials.
type SimulatorAccount struct {
	// DomainID is the account ID.
	DomainID string `json:"domainId"`
	// Name is the account's user name.
	Name string `json:"name"`
	// AccessKey is the first access key ID.
	AccessKey string `json:"accessKey,omitempty"`
	// SecretKey is the secret of AccessKey.
	SecretKey string `json:"secretKey,omitempty"`
	// Token is the first IAM token.
	Token string `json:"token,omitempty"`
}

// parseSimulatorInfo decodes the simulator's startup line.
func parseSimulatorInfo(line string) (SimulatorInfo, error) {
	var info SimulatorInfo
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		return info, fmt.Errorf("decode the simulator's startup line %q: %w", strings.TrimSpace(line), err)
	}
	if info.URL == "" || len(info.Accounts) == 0 {
		return info, fmt.Errorf("the simulator's startup line %q has no URL or no account", strings.TrimSpace(line))
	}
	a := info.Accounts[0]
	if a.DomainID == "" || a.AccessKey == "" || a.SecretKey == "" {
		return info, fmt.Errorf("the simulator's first account %q has no domain ID or AK/SK", a.Name)
	}
	return info, nil
}

// startSimulator starts the simulator binary on loopback and reads its
// startup line.
func (s *Stack) startSimulator(ctx context.Context) error {
	cfg := s.Config
	cmd := exec.CommandContext(ctx, cfg.Binaries.Simulator,
		"--inventory", cfg.Inventory,
		"--speed", strconv.FormatFloat(cfg.Speed, 'f', -1, 64),
		"--start-time", cfg.StartTime.UTC().Format(time.RFC3339),
		"--listen", "127.0.0.1:0",
	)
	// Stop sends SIGTERM itself; the context only bounds the startup.
	cmd.Cancel = func() error { return nil }
	p, line, err := startProcess("bss-simulator", filepath.Join(s.logsDir, "bss-simulator.log"), cmd, true, 30*time.Second)
	if err != nil {
		return err
	}
	s.SimulatorProcess = p
	if s.Simulator, err = parseSimulatorInfo(line); err != nil {
		return err
	}
	return nil
}

// SimulatorNow reads the simulator's current simulated time from its admin API.
func (s *Stack) SimulatorNow(ctx context.Context) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	if err := s.SimulatorAdmin(ctx, http.MethodGet, "clock", &out); err != nil {
		return time.Time{}, err
	}
	return out.Now, nil
}

// SimulatorAdmin calls GET or DELETE on the simulator's admin API (path
// relative to /_sim/, for example "orders") and decodes the JSON answer
// into out.
func (s *Stack) SimulatorAdmin(ctx context.Context, method, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	url := strings.TrimSuffix(s.Simulator.AdminURL, "/") + "/" + strings.TrimPrefix(path, "/")
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return fmt.Errorf("simulator admin %s %s: %w", method, path, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("simulator admin %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("simulator admin %s %s: read the answer: %w", method, path, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("simulator admin %s %s: %s: %s", method, path, res.Status, body)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("simulator admin %s %s: decode %q: %w", method, path, body, err)
	}
	return nil
}
