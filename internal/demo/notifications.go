package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/notify"
	"github.com/bss-operator/bss-operator/internal/plugin"
)

// Names of the demo's notification sink.
const (
	// NotificationSink is the sink the overlay adds to the BillingAccount.
	NotificationSink = "demo-receiver"
	// NotificationSecret holds the local receiver's URL.
	NotificationSecret = "demo-notifications"
)

// Receiver is a local webhook receiver for the demo's notifications: it
// answers 204 and passes each JSON v1 notification on.
type Receiver struct {
	// URL is where it listens (http on 127.0.0.1).
	URL string
	// Notifications carries what arrived; a full channel drops (the
	// receiver never blocks the operator).
	Notifications chan notify.SubscriptionNotice

	srv *http.Server
}

// startReceiver listens on a loopback port.
func startReceiver(ctx context.Context) (*Receiver, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for notifications: %w", err)
	}
	r := &Receiver{URL: "http://" + ln.Addr().String() + "/notify", Notifications: make(chan notify.SubscriptionNotice, 64)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// serve takes one POST.
func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	data, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	var n notify.SubscriptionNotice
	if err != nil || json.Unmarshal(data, &n) != nil || n.Version != notify.PayloadVersion {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	select {
	case r.Notifications <- n:
	default:
	}
	w.WriteHeader(http.StatusNoContent)
}

// close stops the receiver.
func (r *Receiver) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("stop the notification receiver: %w", err)
	}
	return nil
}

// webhookFlags let the manager post to the loopback receiver, which its
// default webhook policy (https to public addresses) refuses. Demo only.
var webhookFlags = []string{"--webhook-allow-http", "--webhook-allow-private"}

// createNotificationSecret creates the Secret holding the receiver's URL.
func (s *Stack) createNotificationSecret(ctx context.Context) error {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: NotificationSecret, Namespace: s.Config.Namespace,
			Labels: map[string]string{billingv1alpha1.LabelWatchSecret: "true"}},
		StringData: map[string]string{notify.URLKey: s.Receiver.URL},
	}
	if err := s.Client.Create(ctx, secret); err != nil {
		return fmt.Errorf("create Secret %s/%s: %w", secret.Namespace, secret.Name, err)
	}
	return nil
}

// notificationsPatch is the overlay's JSON patch operation that sends the
// BillingAccount's notifications to the receiver.
func notificationsPatch() map[string]any {
	return map[string]any{"op": "add", "path": "/spec/notifications", "value": billingv1alpha1.NotificationsSpec{
		Sinks: []billingv1alpha1.NotificationSink{{Name: NotificationSink,
			WebhookSecretRef: billingv1alpha1.LocalObjectReference{Name: NotificationSecret},
			Format:           billingv1alpha1.NotificationFormatJSON}},
	}}
}

// Approve approves a RenewalRequest as `kubectl bss approve NAME` does,
// through the plugin's own command, and returns what it printed.
func (s *Stack) Approve(ctx context.Context, name string) (string, error) {
	var out, errOut bytes.Buffer
	app := &plugin.App{Connect: plugin.KubeconfigConnector, Out: &out, Err: &errOut}
	cmd := app.Command()
	cmd.SetArgs([]string{"approve", name, "-n", s.Config.Namespace, "--kubeconfig", s.Kubeconfig})
	if err := cmd.ExecuteContext(ctx); err != nil {
		return out.String(), fmt.Errorf("kubectl bss approve %s: %w", name, err)
	}
	return out.String(), nil
}
