package plugin

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/report"
)

// Report output formats.
const (
	reportTable = "table"
	reportJSON  = "json"
	reportCSV   = "csv"
)

// maxReportDays bounds --days: ten years, the longest a subscription's
// expiry can be away.
const maxReportDays = 3660

// reportCommand is `kubectl bss report`.
func (a *App) reportCommand() *cobra.Command {
	var (
		all    bool
		days   int
		output string
	)
	cmd := &cobra.Command{
		Use:   "report",
		Short: "What renews, converts or lapses in the next N days, priced, with totals per currency and what is blocked",
		Long: "report lists what happens to each Subscription in the next --days days: a renewal the operator orders, the cloud's\n" +
			"auto-renew deduction, a conversion to pay-per-use or a lapse, at the quoted or last known price, with totals per\n" +
			"currency (never converted), per account, policy and enterprise project, what holds it (approval, budget, window,\n" +
			"payment, a stalled Subscription), and what renewing a year at once would save. It only reads the cluster: the\n" +
			"prices are the quotes the operator keeps in status (see docs/report.md).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if days < 1 || days > maxReportDays {
				return fmt.Errorf("--days must be 1 to %d, got %d", maxReportDays, days)
			}
			switch output {
			case reportTable, reportJSON, reportCSV:
			default:
				return fmt.Errorf("-o must be table, json or csv, got %q", output)
			}
			t, err := a.target()
			if err != nil {
				return err
			}
			return a.report(cmd.Context(), t, all, days, output)
		},
	}
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "report on every namespace")
	cmd.Flags().IntVar(&days, "days", 30, "how many days ahead to look")
	cmd.Flags().StringVarP(&output, "output", "o", reportTable, "output format: table, json or csv")
	return cmd
}

// report reads the objects, builds the report and prints it.
func (a *App) report(ctx context.Context, t Target, all bool, days int, output string) error {
	var opts []client.ListOption
	if !all {
		opts = append(opts, client.InNamespace(t.Namespace))
	}
	var (
		subs     billingv1alpha1.SubscriptionList
		policies billingv1alpha1.RenewalPolicyList
		requests billingv1alpha1.RenewalRequestList
		accounts billingv1alpha1.BillingAccountList
	)
	for _, l := range []struct {
		what string
		list client.ObjectList
	}{{"Subscriptions", &subs}, {"RenewalPolicies", &policies}, {"RenewalRequests", &requests}, {"BillingAccounts", &accounts}} {
		if err := t.Client.List(ctx, l.list, opts...); err != nil {
			return fmt.Errorf("list %s: %w", l.what, err)
		}
	}
	rep := report.Build(report.Input{Subscriptions: subs.Items, Policies: policies.Items, Requests: requests.Items,
		Accounts: accounts.Items, Now: a.Now(), Days: days})
	switch output {
	case reportJSON:
		enc := json.NewEncoder(a.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
		return nil
	case reportCSV:
		return writeReportCSV(a.Out, rep)
	}
	return writeReportTable(a.Out, rep)
}

// reportCSVHeader are the CSV columns, one row per action.
var reportCSVHeader = []string{"namespace", "name", "account", "policy", "management", "enterpriseProject", "enterpriseProjectName",
	"resourceID", "action", "due", "times", "period", "price", "amount", "currency", "priceSource", "pricedAt", "blocked",
	"blockedMessage", "savingPerYear"}

// writeReportCSV writes the rows (not the totals: a spreadsheet adds them
// up), with a header.
func writeReportCSV(out io.Writer, rep report.Report) error {
	w := csv.NewWriter(out)
	if err := w.Write(reportCSVHeader); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	for _, r := range rep.Rows {
		pricedAt := ""
		if r.PricedAt != nil {
			pricedAt = r.PricedAt.UTC().Format(time.RFC3339)
		}
		rec := []string{r.Namespace, r.Name, r.Account, r.Policy, r.Management, r.EnterpriseProject, r.EnterpriseProjectName,
			r.ResourceID, string(r.Action), r.Due.UTC().Format(time.RFC3339), strconv.Itoa(r.Times), r.Period, r.Price, r.Amount,
			r.Currency, string(r.PriceSource), pricedAt, string(r.Blocked), r.BlockedMessage, r.SavingPerYear}
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// writeReportTable prints the rows, the totals per currency and the groups.
func writeReportTable(out io.Writer, rep report.Report) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "NEXT %d DAYS (%s to %s)\n", rep.Days, rep.Now.UTC().Format(time.RFC3339), rep.Until.UTC().Format(time.RFC3339))
	fmt.Fprintln(w, "NAMESPACE\tNAME\tACCOUNT\tPOLICY\tPROJECT\tRESOURCE\tACTION\tDUE\tTIMES\tPRICE\tAMOUNT\tSOURCE\tBLOCKED\tSAVING/YEAR\t")
	for _, r := range rep.Rows {
		project := r.EnterpriseProjectName
		if project == "" {
			project = r.EnterpriseProject
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", r.Namespace, r.Name, r.Account, dash(r.Policy),
			dash(project), r.ResourceID, r.Action, r.Due.UTC().Format(time.RFC3339), r.Times, amount(r.Price, r.Currency),
			amount(r.Amount, r.Currency), r.PriceSource, dash(string(r.Blocked)), amount(r.SavingPerYear, r.Currency))
	}
	fmt.Fprintln(w, "\t")
	fmt.Fprintln(w, "TOTALS PER CURRENCY")
	fmt.Fprintln(w, "CURRENCY\tAMOUNT\tPAYMENTS\tSAVING/YEAR\t")
	for _, t := range rep.Totals {
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t\n", t.Currency, t.Amount, t.Payments, t.SavingPerYear)
	}
	fmt.Fprintf(w, "unknown price: %d payment(s), not in the totals; blocked: %d\n", rep.Unpriced, rep.Blocked)
	for _, g := range []struct {
		title  string
		groups []report.Group
	}{{"BY ACCOUNT", rep.ByAccount}, {"BY POLICY", rep.ByPolicy}, {"BY ENTERPRISE PROJECT", rep.ByEnterpriseProject}} {
		fmt.Fprintln(w, "\t")
		fmt.Fprintln(w, g.title)
		fmt.Fprintln(w, "KEY\tROWS\tBLOCKED\tUNKNOWN PRICE\tTOTALS\tSAVING/YEAR\tBALANCE\t")
		for _, grp := range g.groups {
			key := dash(grp.Key)
			if grp.Name != "" {
				key += " (" + grp.Name + ")"
			}
			var totals, savings []string
			for _, t := range grp.Totals {
				totals = append(totals, t.Amount+" "+t.Currency)
				savings = append(savings, t.SavingPerYear+" "+t.Currency)
			}
			fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t\n", key, grp.Rows, grp.Blocked, grp.Unpriced,
				dash(strings.Join(totals, ", ")), dash(strings.Join(savings, ", ")), money(grp.Balance))
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// amount renders an amount and its currency, or "-" for none.
func amount(a, currency string) string {
	if a == "" {
		return "-"
	}
	return a + " " + currency
}
