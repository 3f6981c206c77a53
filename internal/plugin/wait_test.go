package plugin

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestWaitForTimeoutDuringRead: --timeout may pass while a read is in
// flight; the command still says it gave up waiting, not that a read
// failed.
func TestWaitForTimeoutDuringRead(t *testing.T) {
	a := &App{Poll: time.Millisecond}
	tests := []struct {
		name string
		done func(context.Context) (bool, error)
		want string
	}{
		{"timeout between reads", func(context.Context) (bool, error) { return false, nil }, "gave up after 20ms waiting for the refresh"},
		{"timeout during a read", func(ctx context.Context) (bool, error) {
			<-ctx.Done()
			return false, fmt.Errorf("get subscription ns/web: %w", ctx.Err())
		}, "gave up after 20ms waiting for the refresh"},
		{"a read that fails", func(context.Context) (bool, error) {
			return false, fmt.Errorf("get subscription ns/web: %w", context.DeadlineExceeded)
		}, "get subscription ns/web: context deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.waitFor(context.Background(), 20*time.Millisecond, "the refresh", tt.done)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}
