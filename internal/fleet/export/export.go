// Package export is `kubectl bss export`: it writes one Subscription file
// per yearly/monthly resource of a billing account into a directory that
// is kept in Git, plus a kustomization listing them. A re-run adds files
// for new resources only: it never rewrites or deletes a file, and it
// lists the files whose resource is gone so that a person removes them in
// a reviewed change (docs/fleet.md).
//
// The Subscriptions it writes carry the name and labels that discovery
// gives the same resource (internal/fleet), so that applying an exported
// file adopts a discovered object instead of creating a second one.
package export

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/utils/clock"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
	"github.com/bss-operator/bss-operator/internal/bss"
	"github.com/bss-operator/bss-operator/internal/inventory"
)

// Options say what to export.
type Options struct {
	// Account is the BillingAccount's name (spec.accountRef of every
	// Subscription, and their account label).
	Account string
	// Namespace is the namespace of the account and of the Subscriptions.
	Namespace string
	// Policy, when set, is the RenewalPolicy every new Subscription names.
	Policy string
	// Selector keeps the resources it matches; empty lists match all.
	Selector billingv1alpha1.ResourceSelector
}

// List reads every yearly/monthly resource of an account with the paged
// 6.3.1 listing that the operator's inventory uses, through a read-only
// client: exporting never changes anything in the cloud.
func List(ctx context.Context, cl bss.Client, accountKey string, clk clock.PassiveClock) ([]bss.Resource, error) {
	cache := inventory.New(clk, nil)
	if err := cache.Refresh(ctx, accountKey, bss.ReadOnly(cl)); err != nil {
		return nil, err
	}
	return cache.All(accountKey), nil
}

// Eligible reports whether a resource gets a Subscription: a primary
// resource (only those can be renewed, 6.3.1 is_main_resource) that is not
// closed (status 3, digest §2.5) and that the selector matches, exactly as
// discovery decides.
func Eligible(res bss.Resource, sel *billingv1alpha1.ResourceSelector) bool {
	return res.IsMain && res.Status != bss.ResourceClosed &&
		sel.Matches(res.ServiceTypeCode, res.Region, res.EnterpriseProject.ID)
}

// Conflict is a resource that got no file because its file name is taken
// by a file that does not hold its Subscription.
type Conflict struct {
	Entry
	// Reason says what is in the way.
	Reason string `json:"reason"`
}

// KustomizationChange is what the export did to the kustomization.
type KustomizationChange struct {
	// File is the kustomization's path relative to the directory.
	File string `json:"file"`
	// Created is true when the export wrote a new kustomization.
	Created bool `json:"created"`
	// Added are the entries added to its resources.
	Added []string `json:"added"`
}

// Summary is the outcome of an export.
type Summary struct {
	// Matched is how many resources are eligible.
	Matched int `json:"matched"`
	// Added are the files written by this run.
	Added []Entry `json:"added"`
	// Kept is how many Subscriptions of the account were already in the
	// directory for resources that still exist.
	Kept int `json:"kept"`
	// Released are the Subscriptions in the directory whose resource is
	// gone from the inventory or closed. Their files are left alone.
	Released []Entry `json:"released"`
	// Duplicates are Subscriptions in the directory that name a resource
	// another file names too.
	Duplicates []Entry `json:"duplicates,omitempty"`
	// Conflicts are resources that got no file.
	Conflicts []Conflict `json:"conflicts,omitempty"`
	// Kustomization is what happened to the kustomization.
	Kustomization KustomizationChange `json:"kustomization"`
}

// Run exports the eligible resources of inventory into dir, which it
// creates if needed: a file for each resource without a Subscription in
// dir, and the new files in the kustomization's resources. Existing files
// are never written to, except the kustomization's resources list.
func Run(fsys filesys.FileSystem, dir string, opts Options, resources []bss.Resource) (*Summary, error) {
	if fsys.Exists(dir) && !fsys.IsDir(dir) {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	if err := fsys.MkdirAll(dir); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	existing, err := Scan(fsys, dir, opts.Account)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Added: []Entry{}, Released: []Entry{}, Kustomization: KustomizationChange{Added: []string{}}}
	byID := map[string][]Entry{}
	for _, e := range existing {
		byID[e.ResourceID] = append(byID[e.ResourceID], e)
	}
	alive := map[string]bool{}
	for _, res := range resources {
		if res.Status != bss.ResourceClosed {
			alive[res.ID] = true
		}
	}
	for _, e := range existing {
		if alive[e.ResourceID] {
			sum.Kept++
		} else {
			sum.Released = append(sum.Released, e)
		}
		if len(byID[e.ResourceID]) > 1 {
			sum.Duplicates = append(sum.Duplicates, e)
		}
	}

	eligible := make([]bss.Resource, 0, len(resources))
	for _, res := range resources {
		if Eligible(res, &opts.Selector) {
			eligible = append(eligible, res)
		}
	}
	sort.Slice(eligible, func(i, j int) bool { return FileName(eligible[i]) < FileName(eligible[j]) })
	sum.Matched = len(eligible)
	for _, res := range eligible {
		if len(byID[res.ID]) > 0 {
			continue
		}
		e := Entry{File: FileName(res), Name: strings.TrimSuffix(FileName(res), ".yaml"), ResourceID: res.ID}
		path := filepath.Join(dir, e.File)
		if fsys.Exists(path) {
			sum.Conflicts = append(sum.Conflicts, Conflict{Entry: e,
				Reason: fmt.Sprintf("%s exists and holds no Subscription of resource %s; rename it or export this resource by hand", e.File, res.ID)})
			continue
		}
		data, err := Render(opts, res)
		if err != nil {
			return sum, err
		}
		if err := fsys.WriteFile(path, data); err != nil {
			return sum, fmt.Errorf("write %s: %w", path, err)
		}
		sum.Added = append(sum.Added, e)
	}
	if err := updateKustomization(fsys, dir, opts, existing, sum); err != nil {
		return sum, err
	}
	return sum, nil
}

// updateKustomization writes a new kustomization listing every top-level
// file with a Subscription of the account, or adds the new files to the
// resources of the existing one.
func updateKustomization(fsys filesys.FileSystem, dir string, opts Options, existing []Entry, sum *Summary) error {
	path, found := findKustomization(fsys, dir)
	sum.Kustomization.File = filepath.Base(path)
	added := make([]string, 0, len(sum.Added))
	for _, e := range sum.Added {
		added = append(added, e.File)
	}
	if !found {
		files := map[string]bool{}
		for _, e := range existing {
			if !strings.Contains(e.File, "/") {
				files[e.File] = true
			}
		}
		for _, f := range added {
			files[f] = true
		}
		list := make([]string, 0, len(files))
		for f := range files {
			list = append(list, f)
		}
		sort.Strings(list)
		if err := fsys.WriteFile(path, NewKustomization(opts, list)); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		sum.Kustomization.Created, sum.Kustomization.Added = true, list
		return nil
	}
	content, err := fsys.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	out, listed, err := AddResources(content, added)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(listed) == 0 {
		return nil
	}
	sum.Kustomization.Added = listed
	if err := fsys.WriteFile(path, out); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
