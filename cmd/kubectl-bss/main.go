// Command kubectl-bss is the `kubectl bss` plugin for bss-operator: put it
// on PATH and run `kubectl bss --help` (docs/kubectl-plugin.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/bss-operator/bss-operator/internal/plugin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	app := &plugin.App{Connect: plugin.KubeconfigConnector, Out: os.Stdout, Err: os.Stderr}
	err := app.Command().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
