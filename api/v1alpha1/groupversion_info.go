// Package v1alpha1 contains the API types of the billing.bss-operator.io
// group: BillingAccount, Subscription, RenewalPolicy, RenewalRequest and
// BudgetAlert.
// +kubebuilder:object:generate=true
// +groupName=billing.bss-operator.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version used to register these objects.
	GroupVersion = schema.GroupVersion{Group: "billing.bss-operator.io", Version: "v1alpha1"}

	// SchemeBuilder adds the types of this package to a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types in this group-version to the given scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
