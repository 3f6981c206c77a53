package demo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Binaries are the paths of the built manager and simulator.
type Binaries struct {
	// Manager is the operator binary (./cmd/manager).
	Manager string
	// Simulator is the BSS simulator binary (./cmd/bss-simulator).
	Simulator string
}

// Build compiles ./cmd/manager and ./cmd/bss-simulator of the repository
// at repoRoot into dir, statically (CGO_ENABLED=0), in one go build.
func Build(ctx context.Context, repoRoot, dir string) (Binaries, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Binaries{}, fmt.Errorf("create binary directory: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator),
		"./cmd/manager", "./cmd/bss-simulator")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return Binaries{}, fmt.Errorf("go build ./cmd/manager ./cmd/bss-simulator: %w\n%s", err, out)
	}
	return Binaries{
		Manager:   filepath.Join(dir, "manager"),
		Simulator: filepath.Join(dir, "bss-simulator"),
	}, nil
}
