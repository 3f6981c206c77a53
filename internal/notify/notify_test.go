package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 0},
		{1, 30 * time.Second},
		{2, time.Minute},
		{3, 2 * time.Minute},
		{7, 32 * time.Minute},
		{8, time.Hour},
		{50, time.Hour},
	} {
		if got := Backoff(tc.failures); got != tc.want {
			t.Errorf("Backoff(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		raw string
		ok  bool
	}{
		{"https://hooks.example.com/x?token=s3cret", true},
		{"http://127.0.0.1:8080/hook", true},
		{"", false},
		{"ftp://example.com/", false},
		{"https://", false},
		{"://s3cret", false},
	} {
		_, err := ParseURL(tc.raw)
		if (err == nil) != tc.ok {
			t.Errorf("ParseURL(%q) error %v, want ok=%v", tc.raw, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseURL error echoes the URL: %v", err)
		}
	}
}

// TestPost posts to a local receiver and classifies each answer.
// lab is the policy of tests and labs: http and loopback receivers.
var lab = Policy{AllowHTTP: true, AllowPrivate: true}

func TestPost(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		wantErr   bool
		retryable bool
	}{
		{"ok", http.StatusNoContent, false, false},
		{"server error", http.StatusBadGateway, true, true},
		{"throttled", http.StatusTooManyRequests, true, true},
		{"gone", http.StatusGone, true, false},
		{"bad request", http.StatusBadRequest, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got BudgetThresholdCrossed
			var contentType string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				contentType = r.Header.Get("Content-Type")
				data, _ := io.ReadAll(r.Body)
				_ = json.Unmarshal(data, &got)
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			sent := BudgetThresholdCrossed{Version: PayloadVersion, Kind: KindBudgetThresholdCrossed, Name: "team", Percent: 80}
			err := Sender{HTTP: srv.Client(), Policy: lab}.Post(context.Background(), srv.URL+"/hook?token=s3cret", sent)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Post error %v, want error=%v", err, tc.wantErr)
			}
			if err != nil {
				if Retryable(err) != tc.retryable {
					t.Errorf("Retryable(%v) = %v, want %v", err, !tc.retryable, tc.retryable)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error echoes the URL: %v", err)
				}
			}
			if got != sent || contentType != "application/json" {
				t.Errorf("receiver got %+v (%s), want %+v", got, contentType, sent)
			}
		})
	}
}

// TestPostUnreachable: no answer is retryable and names no URL.
func TestPostUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	target := srv.URL + "/hook?token=s3cret"
	srv.Close()
	err := Sender{Policy: lab}.Post(context.Background(), target, BudgetThresholdCrossed{})
	if err == nil || !Retryable(err) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Post to a closed port: %v (retryable %v)", err, Retryable(err))
	}
}
