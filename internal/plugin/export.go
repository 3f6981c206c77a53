package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/accounts"
	"github.com/bss-operator/bss-operator/internal/audit"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/fleet/export"
)

// exportFlags are the flags of `kubectl bss export`.
type exportFlags struct {
	dir, policy, output string
	selector            billingv1alpha1.ResourceSelector
	endpoints           []string
	timeout             time.Duration
}

// exportCommand is `kubectl bss export ACCOUNT --dir DIR`.
func (a *App) exportCommand() *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "export ACCOUNT --dir DIR",
		Short: "Write an Observe-mode Subscription file for every yearly/monthly resource of a BillingAccount into a directory for Git, with a kustomization",
		Long: "export reads the BillingAccount and its credentials Secret, lists the account's yearly/monthly resources from BSS\n" +
			"(6.3.1, read-only: nothing is changed in the cloud) and writes DIR/<name>.yaml for every primary resource that is\n" +
			"not closed and matches the selector flags, plus DIR/kustomization.yaml. The names and labels are those discovery\n" +
			"gives the same resources, so applying the directory adopts discovered Subscriptions instead of duplicating them.\n\n" +
			"Run it again to add new resources: files are found by spec.resourceID (renamed files count), no file is ever\n" +
			"rewritten or deleted, only the kustomization's resources list grows, and files whose resource is gone are listed\n" +
			"as released for you to remove in a reviewed change. To move a slice of the fleet to Manage, add a label-selector\n" +
			"patch to the kustomization (docs/fleet.md).",
		Example: "  kubectl bss export huawei -n billing --dir fleet/ --policy monthly\n" +
			"  kubectl bss export huawei -n billing --dir fleet/rds --service-type hws.service.type.rds --region ap-southeast-1 -o json",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.output != "text" && f.output != "json" {
				return fmt.Errorf("-o %q: want text or json", f.output)
			}
			t, err := a.target()
			if err != nil {
				return err
			}
			return a.export(cmd.Context(), t, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", "", "the directory to write to (created if absent)")
	_ = cmd.MarkFlagRequired("dir")
	fl.StringVar(&f.policy, "policy", "", "the RenewalPolicy that new Subscriptions name (spec.renewalPolicyRef); they stay in Observe")
	fl.StringSliceVar(&f.selector.ServiceTypeCodes, "service-type", nil, "only these service type codes, e.g. hws.service.type.ec2 (comma-separated or repeated)")
	fl.StringSliceVar(&f.selector.RegionCodes, "region", nil, "only these region codes, e.g. ap-southeast-1")
	fl.StringSliceVar(&f.selector.EnterpriseProjectIDs, "enterprise-project", nil, `only these enterprise project IDs ("0" is the default project)`)
	fl.StringVarP(&f.output, "output", "o", "text", "summary format: text or json")
	fl.StringSliceVar(&f.endpoints, "bss-endpoints", bss.DefaultEndpoints(),
		"BSS endpoints the account's credentials may be sent to, as the manager's --bss-endpoints")
	fl.DurationVar(&f.timeout, "bss-timeout", 30*time.Second, "timeout of one BSS call")
	return cmd
}

// export builds the account's BSS client as the manager does (its Secret
// must carry the watch label, its endpoint must be allowed), wraps it
// read-only, lists the inventory and writes the directory.
func (a *App) export(ctx context.Context, t Target, name string, f exportFlags) error {
	allow, err := bss.NewEndpointAllowlist(f.endpoints)
	if err != nil {
		return fmt.Errorf("--bss-endpoints: %w", err)
	}
	factory := bss.NewFactory(bss.FactoryConfig{
		Endpoints:  allow,
		HTTPClient: bss.NewHTTPClient(f.timeout),
		// Signatures and rate limits run on real time, whatever the
		// App's clock for display says.
		Clock:     clock.RealClock{},
		UserAgent: "kubectl-bss",
		// The client is read-only, so nothing reaches the audit log.
		Audit: audit.NewLogger(a.Err),
	})
	resolver := &accounts.Resolver{Reader: t.Client, Secrets: &accounts.SecretReader{Metadata: t.Client, Live: t.Client}, Factory: factory}
	resolved, err := resolver.Resolve(ctx, t.Namespace, name)
	if err != nil {
		return fmt.Errorf("BillingAccount %s/%s: %w", t.Namespace, name, err)
	}
	if f.policy != "" {
		var pol billingv1alpha1.RenewalPolicy
		err := t.Client.Get(ctx, client.ObjectKey{Namespace: t.Namespace, Name: f.policy}, &pol)
		switch {
		case apierrors.IsNotFound(err):
			printf(a.Err, "warning: RenewalPolicy %s/%s does not exist yet; the Subscriptions report that until it does\n", t.Namespace, f.policy)
		case err != nil:
			return fmt.Errorf("get RenewalPolicy %s/%s: %w", t.Namespace, f.policy, err)
		}
	}
	resources, err := export.List(ctx, bss.ReadOnly(resolved.BSS), resolved.Key, clock.RealClock{})
	if err != nil {
		return fmt.Errorf("list the resources of %s: %w", resolved.Key, err)
	}
	opts := export.Options{Account: name, Namespace: t.Namespace, Policy: f.policy, Selector: f.selector}
	sum, err := export.Run(filesys.MakeFsOnDisk(), f.dir, opts, resources)
	if err != nil {
		return err
	}
	if f.output == "json" {
		enc := json.NewEncoder(a.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return fmt.Errorf("write the summary: %w", err)
		}
	} else if err := sum.WriteText(a.Out, f.dir); err != nil {
		return fmt.Errorf("write the summary: %w", err)
	}
	if len(sum.Conflicts) > 0 {
		return fmt.Errorf("%d resources were not exported: their file names are taken (listed above)", len(sum.Conflicts))
	}
	return nil
}
