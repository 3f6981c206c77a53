package plugin

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// statusCommand is `kubectl bss status`.
func (a *App) statusCommand() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Accounts, subscriptions (expiry, next action, price) and open renewal requests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := a.target()
			if err != nil {
				return err
			}
			return a.status(cmd.Context(), t, all)
		},
	}
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "list every namespace")
	return cmd
}

// status prints the three tables.
func (a *App) status(ctx context.Context, t Target, all bool) error {
	var opts []client.ListOption
	if !all {
		opts = append(opts, client.InNamespace(t.Namespace))
	}
	var accounts billingv1alpha1.BillingAccountList
	if err := t.Client.List(ctx, &accounts, opts...); err != nil {
		return fmt.Errorf("list BillingAccounts: %w", err)
	}
	var subs billingv1alpha1.SubscriptionList
	if err := t.Client.List(ctx, &subs, opts...); err != nil {
		return fmt.Errorf("list Subscriptions: %w", err)
	}
	var requests billingv1alpha1.RenewalRequestList
	if err := t.Client.List(ctx, &requests, opts...); err != nil {
		return fmt.Errorf("list RenewalRequests: %w", err)
	}
	now := a.Now()

	w := tabwriter.NewWriter(a.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ACCOUNTS")
	fmt.Fprintln(w, "NAMESPACE\tNAME\tREADY\tBALANCE\tDEBT\t")
	sort.Slice(accounts.Items, func(i, j int) bool { return key(&accounts.Items[i]) < key(&accounts.Items[j]) })
	for _, acct := range accounts.Items {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", acct.Namespace, acct.Name, ready(acct.Status.Conditions),
			money(acct.Status.Balance), money(acct.Status.Debt))
	}
	fmt.Fprintln(w, "\t")
	fmt.Fprintln(w, "SUBSCRIPTIONS")
	fmt.Fprintln(w, "NAMESPACE\tNAME\tRESOURCE\tMANAGEMENT\tPOLICY\tEXPIRES\tDAYS LEFT\tRENEWAL AT\tLAST QUOTE\tREADY\tNEXT ACTION\t")
	sort.Slice(subs.Items, func(i, j int) bool { return key(&subs.Items[i]) < key(&subs.Items[j]) })
	for _, s := range subs.Items {
		policy := "-"
		if s.Spec.RenewalPolicyRef != nil {
			policy = s.Spec.RenewalPolicyRef.Name
		}
		quote := "-"
		if q := s.Status.LastQuote; q != nil {
			quote = money(&q.Price)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Namespace, s.Name, s.Spec.ResourceID,
			s.Spec.ManagementPolicy, policy, timestamp(s.Status.ExpireTime), daysLeft(s.Status.ExpireTime, now),
			timestamp(s.Status.RenewalTime), quote, ready(s.Status.Conditions), dash(s.Status.PlannedAction))
	}
	fmt.Fprintln(w, "\t")
	fmt.Fprintln(w, "OPEN RENEWAL REQUESTS")
	fmt.Fprintln(w, "NAMESPACE\tNAME\tSUBSCRIPTION\tPHASE\tQUOTE\tAPPROVAL\tMESSAGE\t")
	sort.Slice(requests.Items, func(i, j int) bool { return key(&requests.Items[i]) < key(&requests.Items[j]) })
	for _, rr := range requests.Items {
		if rr.Status.Phase.Finished() {
			continue
		}
		quote := "-"
		if q := rr.Status.Quote; q != nil {
			quote = money(&q.Price)
		}
		phase := rr.Status.Phase
		if phase == "" {
			phase = billingv1alpha1.RenewalPhasePending
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", rr.Namespace, rr.Name, rr.Spec.SubscriptionName, phase,
			quote, dash(string(rr.Status.ApprovalState)), dash(rr.Status.Message))
	}
	return w.Flush()
}

func key(o client.Object) string { return o.GetNamespace() + "/" + o.GetName() }

// ready renders the Ready condition as "True (Reason)".
func ready(conds []metav1.Condition) string {
	c := meta.FindStatusCondition(conds, billingv1alpha1.ConditionReady)
	if c == nil {
		return "-"
	}
	return fmt.Sprintf("%s (%s)", c.Status, c.Reason)
}

// money renders an amount as "129.90 USD", or "-" for none.
func money(m *billingv1alpha1.Money) string {
	if m == nil || m.Amount == "" {
		return "-"
	}
	return m.Amount + " " + m.Currency
}

// timestamp renders a status time in RFC 3339, or "-" for none.
func timestamp(t *metav1.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// daysLeft renders the whole days until an expiry.
func daysLeft(expire *metav1.Time, now time.Time) string {
	if expire == nil {
		return "-"
	}
	return fmt.Sprintf("%d", int(math.Floor(expire.Sub(now).Hours()/24)))
}

// printf writes to w, for the commands' one-line results.
func printf(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format, args...)
}
