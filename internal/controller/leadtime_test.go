package controller

import (
	"testing"
	"time"
)

func TestParseLeadTime(t *testing.T) {
	tests := []struct {
		in      string
		dur     time.Duration
		percent int
		wantErr bool
	}{
		{in: "720h", dur: 720 * time.Hour},
		{in: "1h30m", dur: 90 * time.Minute},
		{in: "30d", dur: 30 * 24 * time.Hour},
		{in: "0d", dur: 0},
		{in: "10%", percent: 10},
		{in: "0%", wantErr: true},
		{in: "100%", wantErr: true},
		{in: "2w", wantErr: true},
		{in: "-5h", wantErr: true},
		{in: "d", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, p, err := parseLeadTime(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if d != tt.dur || p != tt.percent {
				t.Fatalf("got %v %d%%, want %v %d%%", d, p, tt.dur, tt.percent)
			}
		})
	}
}
