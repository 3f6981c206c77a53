package notify

import (
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// MaxRecords bounds a Subscription's status.notifications (its CRD
// MaxItems). A notice that would need a record beyond it waits until
// older records are pruned.
const MaxRecords = 64

// Delivery is one notice due at one sink.
type Delivery struct {
	// Sink is where it goes.
	Sink billingv1alpha1.NotificationSink
	// Notice is what is sent.
	Notice Notice
	// Attempts is how many deliveries were tried before this one.
	Attempts int32
}

// Wants reports whether a sink takes notices of a kind: an empty events
// list takes every kind.
func Wants(s billingv1alpha1.NotificationSink, kind billingv1alpha1.NotificationKind) bool {
	return len(s.Events) == 0 || slices.Contains(s.Events, kind)
}

// Plan decides, from the records of earlier deliveries, what to do with
// the current notices: it keeps the records of notices that still hold at
// sinks that still take them (pruning the rest, so a condition that comes
// back after it was gone is notified again), returns the deliveries due
// now (no record yet, or a retry whose time has come), and when the next
// retry is due (zero when none waits). Delivered and Dropped records are
// final: they are never sent again while their notice holds.
func Plan(records []billingv1alpha1.NotificationRecord, notices []Notice, sinks []billingv1alpha1.NotificationSink, now time.Time) (
	kept []billingv1alpha1.NotificationRecord, due []Delivery, wake time.Time) {
	type pair struct{ sink, key string }
	wanted := map[pair]bool{}
	for _, s := range sinks {
		for _, n := range notices {
			if Wants(s, n.Kind) {
				wanted[pair{s.Name, n.Key}] = true
			}
		}
	}
	have := map[pair]*billingv1alpha1.NotificationRecord{}
	for _, r := range records {
		if wanted[pair{r.Sink, r.Key}] {
			kept = append(kept, r)
		}
	}
	for i := range kept {
		have[pair{kept[i].Sink, kept[i].Key}] = &kept[i]
	}
	room := MaxRecords - len(kept)
	for _, s := range sinks {
		for _, n := range notices {
			if !Wants(s, n.Kind) {
				continue
			}
			r := have[pair{s.Name, n.Key}]
			switch {
			case r == nil:
				if room > 0 {
					room--
					due = append(due, Delivery{Sink: s, Notice: n})
				}
			case r.State != billingv1alpha1.NotificationRetrying:
			case r.NextAttempt == nil || !now.Before(r.NextAttempt.Time):
				due = append(due, Delivery{Sink: s, Notice: n, Attempts: r.Attempts})
			case wake.IsZero() || r.NextAttempt.Before(&metav1.Time{Time: wake}):
				wake = r.NextAttempt.Time
			}
		}
	}
	return kept, due, wake
}

// Outcome is what one delivery's result does: the record to keep, and an
// Event to emit on the Subscription (EventType empty for none).
type Outcome struct {
	Record                     billingv1alpha1.NotificationRecord
	EventType, Reason, Message string
}

// Settle turns the result of one delivery into its record: Delivered on
// success; Retrying with backoff (FirstRetry doubling to MaxRetry) when
// the delivery is worth trying again (no answer, 429, 5xx); Dropped when
// the receiver or the webhook policy refused it for good. Failures, drops
// and a delivery after failures come with an Event; a first-time delivery
// does not (the receiver got it).
func Settle(d Delivery, err error, now time.Time) Outcome {
	at := metav1.NewTime(now.Truncate(time.Second))
	rec := billingv1alpha1.NotificationRecord{Sink: d.Sink.Name, Key: d.Notice.Key, Kind: d.Notice.Kind,
		Attempts: d.Attempts + 1, Time: &at}
	what := fmt.Sprintf("notification %s to sink %s", d.Notice.Kind, d.Sink.Name)
	switch {
	case err == nil:
		rec.State = billingv1alpha1.NotificationDelivered
		o := Outcome{Record: rec}
		if d.Attempts > 0 {
			o.EventType, o.Reason = corev1.EventTypeNormal, billingv1alpha1.ReasonWebhookDelivered
			o.Message = fmt.Sprintf("%s delivered after %d failed attempts", what, d.Attempts)
		}
		return o
	case !Retryable(err):
		rec.State = billingv1alpha1.NotificationDropped
		rec.Message = clip(err.Error(), 256)
		reason := billingv1alpha1.ReasonWebhookRejected
		if NotAllowed(err) {
			reason = billingv1alpha1.ReasonWebhookNotAllowed
		}
		return Outcome{Record: rec, EventType: corev1.EventTypeWarning, Reason: reason,
			Message: fmt.Sprintf("%s dropped: %v; it is not sent again", what, err)}
	}
	rec.State = billingv1alpha1.NotificationRetrying
	rec.Message = clip(err.Error(), 256)
	next := metav1.NewTime(now.Add(Backoff(int(rec.Attempts))))
	rec.NextAttempt = &next
	o := Outcome{Record: rec}
	if rec.Attempts == 1 {
		o.EventType, o.Reason = corev1.EventTypeWarning, billingv1alpha1.ReasonWebhookFailed
		o.Message = fmt.Sprintf("%s failed (%v); retrying with backoff", what, err)
	}
	return o
}

// Upsert returns records with rec in place of the record of the same sink
// and key, or appended.
func Upsert(records []billingv1alpha1.NotificationRecord, rec billingv1alpha1.NotificationRecord) []billingv1alpha1.NotificationRecord {
	for i := range records {
		if records[i].Sink == rec.Sink && records[i].Key == rec.Key {
			records[i] = rec
			return records
		}
	}
	return append(records, rec)
}

// clip shortens s to at most n bytes.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
