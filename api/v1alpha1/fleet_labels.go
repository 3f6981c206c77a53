package v1alpha1

// Labels that describe the cloud resource a Subscription names. Discovery
// sets them and `kubectl bss export` writes them, so that kustomize patches,
// label selectors and `kubectl get -l` can address a slice of a fleet (a
// region, a service, an enterprise project) in one reviewed change.
const (
	// LabelDiscovered, set to "true", marks a Subscription that discovery
	// created (not one written in Git).
	LabelDiscovered = "billing.bss-operator.io/discovered"
	// LabelAccount names the BillingAccount whose inventory the resource is in.
	LabelAccount = "billing.bss-operator.io/account"
	// LabelRegion is the resource's region code, e.g. ap-southeast-1.
	LabelRegion = "billing.bss-operator.io/region"
	// LabelServiceType is the resource's cloud service type code, e.g.
	// hws.service.type.ec2.
	LabelServiceType = "billing.bss-operator.io/service-type"
	// LabelEnterpriseProject is the resource's enterprise project ID ("0"
	// is the default project).
	LabelEnterpriseProject = "billing.bss-operator.io/enterprise-project"
)
