package controller

import (
	"time"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/renewal"
)

// windowOpen reports whether a renewal window is open at now and, if not,
// when it next opens; the rule lives with the other gates in
// internal/renewal.
func windowOpen(w *billingv1alpha1.RenewalWindow, now time.Time) (bool, time.Time, error) {
	return renewal.WindowOpen(w, now)
}
