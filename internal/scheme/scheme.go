// Package scheme builds the one runtime.Scheme every binary of the project
// uses: Kubernetes' built-in kinds and the billing kinds.
package scheme

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	billingv1alpha1 "github.com/bss-operator/bss-operator/api/v1alpha1"
)

// New returns a scheme with the client-go kinds and the billing kinds.
func New() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add client-go types: %w", err)
	}
	if err := billingv1alpha1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add billing types: %w", err)
	}
	return s, nil
}
