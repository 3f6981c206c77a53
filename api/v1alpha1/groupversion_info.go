// Package v1alpha1 contains the API types of the billing.bss-operator.io
// group: BillingAccount, Subscription, RenewalPolicy, RenewalRequest and
// BudgetAlert.
// +kubebuilder:object:generate=true
// +groupName=billing.bss-operator.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version used to register these objects.
	GroupVersion = schema.GroupVersion{Group: "billing.bss-operator.io", Version: "v1alpha1"}

	// SchemeBuilder adds the types of this package to a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types in this group-version to the given scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// addKnownTypes registers every kind of the group-version.
func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion,
		&BillingAccount{}, &BillingAccountList{},
		&Subscription{}, &SubscriptionList{},
		&RenewalPolicy{}, &RenewalPolicyList{},
		&RenewalRequest{}, &RenewalRequestList{},
		&BudgetAlert{}, &BudgetAlertList{},
	)
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}
