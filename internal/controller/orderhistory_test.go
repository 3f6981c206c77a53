package controller

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

func history(ids ...string) []billingv1alpha1.OrderRecord {
	out := make([]billingv1alpha1.OrderRecord, len(ids))
	for i, id := range ids {
		out[i] = billingv1alpha1.OrderRecord{OrderID: id}
	}
	return out
}

func ids(h []billingv1alpha1.OrderRecord) string {
	s := ""
	for _, o := range h {
		s += o.OrderID + " "
	}
	return s
}

func TestOrderHistoryLimit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy *billingv1alpha1.RenewalPolicy
		want   int
	}{
		{"no policy", nil, 20},
		{"unset", &billingv1alpha1.RenewalPolicy{}, 20},
		{"set", &billingv1alpha1.RenewalPolicy{Spec: billingv1alpha1.RenewalPolicySpec{OrderHistoryLimit: 3}}, 3},
		{"the most the status holds", &billingv1alpha1.RenewalPolicy{Spec: billingv1alpha1.RenewalPolicySpec{OrderHistoryLimit: 100}}, 100},
	} {
		if got := orderHistoryLimit(tc.policy); got != tc.want {
			t.Errorf("%s: orderHistoryLimit = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestPrependOrders(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	many := make([]string, 25)
	for i := range many {
		many[i] = fmt.Sprintf("o%d", i)
	}
	for _, tc := range []struct {
		name  string
		hist  []billingv1alpha1.OrderRecord
		new   []string
		limit int
		want  string
	}{
		{"newest first", history("a"), []string{"b"}, 20, "b a "},
		{"an order already listed is not listed twice", history("a", "b"), []string{"b", "c"}, 20, "c a b "},
		{"bounded by the limit", history("a", "b", "c"), []string{"d"}, 3, "d a b "},
		{"a lowered limit trims at the next order", history(many...), []string{"x"}, 2, "x o0 "},
		{"a raised limit keeps more than 20", history(many[:20]...), []string{"x"}, 25, "x " + ids(history(many[:20]...))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := &billingv1alpha1.RenewalRequest{Status: billingv1alpha1.RenewalRequestStatus{OrderIDs: tc.new}}
			got := prependOrders(tc.hist, rr, metav1.NewTime(now), tc.limit)
			if ids(got) != tc.want {
				t.Errorf("history %q, want %q", ids(got), tc.want)
			}
		})
	}
}
