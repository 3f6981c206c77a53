// Command bss-simulator serves the Huawei Cloud BSS simulator over HTTP for
// demos and end-to-end tests. It prints one line of JSON (URL and
// credentials) and a human summary at start, and shuts down gracefully on
// SIGTERM or SIGINT. See docs/simulator.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/utils/clock"

	"github.com/bss-operator/bss-operator/internal/bss/simulator"
	"github.com/bss-operator/bss-operator/internal/scaledclock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "bss-simulator:", err)
		os.Exit(1)
	}
}

// startup is the JSON line printed at start.
type startup struct {
	URL      string        `json:"url"`
	AdminURL string        `json:"adminUrl"`
	Now      time.Time     `json:"now"`
	Speed    float64       `json:"speed"`
	Accounts []accountInfo `json:"accounts"`
}

type accountInfo struct {
	DomainID  string `json:"domainId"`
	Name      string `json:"name"`
	AccessKey string `json:"accessKey,omitempty"`
	SecretKey string `json:"secretKey,omitempty"`
	Token     string `json:"token,omitempty"`
}

// run parses flags, starts the server and blocks until ctx is done. ready, if
// not nil, receives the base URL once the listener is up.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("bss-simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	inventory := fs.String("inventory", "", "YAML inventory to seed (accounts, resources, cost records)")
	speed := fs.Float64("speed", 1, "simulated seconds per real second (3600: one real second is one simulated hour)")
	startTime := fs.String("start-time", "", "simulated start time, RFC 3339 (default: now)")
	seed := fs.Int64("seed", 1, "seed of the fault-injection random source")
	remoteAdmin := fs.Bool("remote-admin", false, "allow the /_sim/ admin API from non-loopback addresses")
	writeLog := fs.String("write-log", "", "append the write log (every write call and cloud event) to this file as JSON lines")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	start := time.Now().UTC()
	if *startTime != "" {
		t, err := time.Parse(time.RFC3339, *startTime)
		if err != nil {
			return fmt.Errorf("--start-time: %w", err)
		}
		start = t
	}
	clk := scaledclock.New(clock.RealClock{}, start, *speed)
	opts := []simulator.Option{
		simulator.WithClock(clk),
		simulator.WithSeed(*seed),
		simulator.WithRemoteAdmin(*remoteAdmin),
		simulator.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))),
	}
	if *writeLog != "" {
		f, err := os.OpenFile(*writeLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("--write-log: %w", err)
		}
		defer func() { _ = f.Close() }()
		opts = append(opts, simulator.WithWriteLog(f))
	}
	srv := simulator.New(opts...)
	if *inventory != "" {
		if err := srv.LoadInventoryFile(*inventory); err != nil {
			return fmt.Errorf("load inventory: %w", err)
		}
	} else if err := srv.AddAccount(defaultAccount(*seed)); err != nil {
		return fmt.Errorf("add default account: %w", err)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	if err := announce(stdout, srv, base, *speed); err != nil {
		_ = ln.Close()
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if ready != nil {
		ready <- base
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(stdout, "bss-simulator: stopped")
	return nil
}

// defaultAccount is the account served when no inventory is given; its
// credentials derive from the seed so runs are reproducible.
func defaultAccount(seed int64) simulator.AccountSeed {
	var a simulator.AccountSeed
	a.DomainID = fmt.Sprintf("sim%029d", seed)
	a.Name = "sim-customer"
	a.Credentials = []simulator.Credential{{
		AccessKey: fmt.Sprintf("SIMAK%015d", seed),
		SecretKey: fmt.Sprintf("SimSecretKey%028d", seed),
	}}
	a.Tokens = []simulator.TokenSeed{{Token: fmt.Sprintf("MIIsim-token-%d", seed)}}
	_ = a.Cash.UnmarshalJSON([]byte(`"1000.00"`))
	return a
}

func announce(w io.Writer, srv *simulator.Server, base string, speed float64) error {
	info := startup{URL: base, AdminURL: base + "/_sim/", Now: srv.Now().UTC(), Speed: speed}
	for _, a := range srv.Accounts() {
		ai := accountInfo{DomainID: a.DomainID, Name: a.Name}
		if len(a.Credentials) > 0 {
			ai.AccessKey, ai.SecretKey = a.Credentials[0].AccessKey, a.Credentials[0].SecretKey
		}
		if len(a.Tokens) > 0 {
			ai.Token = a.Tokens[0].Value
		}
		info.Accounts = append(info.Accounts, ai)
	}
	line, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("encode startup line: %w", err)
	}
	fmt.Fprintln(w, string(line))
	fmt.Fprintf(w, "bss-simulator: serving the BSS API at %s (admin API at %s, loopback only)\n", base, info.AdminURL)
	fmt.Fprintf(w, "bss-simulator: simulated time %s, speed %gx\n", info.Now.Format(time.RFC3339), speed)
	for _, a := range info.Accounts {
		fmt.Fprintf(w, "bss-simulator: account %s (%s): AK %s SK %s token %s\n", a.DomainID, a.Name, a.AccessKey, a.SecretKey, a.Token)
	}
	return nil
}
