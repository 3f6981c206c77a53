package v1alpha1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Site is the Huawei Cloud website whose BSS endpoint an account uses.
// +kubebuilder:validation:Enum=International;China
type Site string

const (
	// SiteInternational is bss-intl.myhuaweicloud.com (prices in USD).
	SiteInternational Site = "International"
	// SiteChina is bss.myhuaweicloud.com (prices in CNY).
	SiteChina Site = "China"
)

// Secret keys read from a BillingAccount's credentials Secret.
const (
	// SecretKeyAccessKey holds the access key ID (AK) for AK/SK signing.
	SecretKeyAccessKey = "accessKey"
	// SecretKeySecretKey holds the secret access key (SK) for AK/SK signing.
	SecretKeySecretKey = "secretKey"
	// SecretKeySecurityToken holds the security token of temporary AK/SK
	// credentials (sent as X-Security-Token).
	SecretKeySecurityToken = "securityToken"
	// SecretKeyToken holds an IAM token (sent as X-Auth-Token) instead of AK/SK.
	SecretKeyToken = "token"
)

// Labels the operator recognises.
const (
	// LabelWatchSecret, set to "true", marks a Secret the operator may
	// read: a BillingAccount's credentials or a BudgetAlert's webhook URL.
	// The manager's cache watches only Secrets with this label, so it
	// neither lists nor keeps the metadata of any other Secret, and a
	// referenced Secret without it is reported, not read.
	LabelWatchSecret = "billing.bss-operator.io/watch"
)

// BillingAccountSpec is how to reach the BSS API for one Huawei Cloud account.
// +kubebuilder:validation:XValidation:rule="!has(self.endpoint) || self.endpoint.startsWith('https://') || self.endpoint.matches('^http://(127[.]0[.]0[.]1|localhost|[[]::1[]])(:[0-9]+)?(/.*)?$')",message="endpoint must use https, or http only on a loopback address (the BSS simulator)"
type BillingAccountSpec struct {
	// site selects the BSS endpoint: International (bss-intl.myhuaweicloud.com,
	// USD) or China (bss.myhuaweicloud.com, CNY).
	// Defaults to International (DefaultSite).
	// +optional
	// +kubebuilder:default=International
	Site Site `json:"site,omitempty"`

	// endpoint overrides the site's endpoint URL, for example a private
	// gateway or the BSS simulator on loopback. It must use https, except on
	// a loopback address.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Endpoint string `json:"endpoint,omitempty"`

	// credentialsSecretRef names a Secret in the same namespace with either
	// accessKey and secretKey (and optionally securityToken) for AK/SK
	// signing, or token for IAM token authentication. The operator watches
	// it, so rotated credentials apply without a restart.
	// +required
	CredentialsSecretRef LocalObjectReference `json:"credentialsSecretRef"`

	// domainID is the account ID (domain ID). It is sent as X-Domain-Id.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[0-9a-zA-Z_-]*$`
	DomainID string `json:"domainID,omitempty"`

	// refreshInterval is how often the account's balance and its
	// subscriptions' resources are read from BSS. Every Subscription of the
	// account shares one refresh. Between 30s and 24h; defaults to 10m
	// (DefaultAccountRefreshInterval).
	// +optional
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('30s') && duration(self) <= duration('24h')",message="refreshInterval must be between 30s and 24h"
	RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`

	// discovery, when set, makes the operator create a Subscription in
	// Observe mode, owned by this account, for every yearly/monthly primary
	// resource that matches the filters, so that admins see everything that
	// can expire. Discovered Subscriptions never spend money until an admin
	// switches them to Manage.
	// +optional
	Discovery *DiscoverySpec `json:"discovery,omitempty"`

	// notifications sends on-call what needs a person about this account's
	// Subscriptions (approval needed, renewal failed or stalled, payment
	// pending, auto-renew overdue, expiry ahead without a plan) to webhook
	// sinks, once per change of the triggering condition. Budget thresholds
	// are notified by each BudgetAlert's own spec.webhook.
	// +optional
	Notifications *NotificationsSpec `json:"notifications,omitempty"`
}

// DiscoverySpec selects the yearly/monthly resources for which Subscriptions
// are created automatically.
type DiscoverySpec struct {
	// enabled turns discovery on.
	// +required
	Enabled bool `json:"enabled"`

	// ResourceSelector keeps only the resources that match its
	// serviceTypeCodes, regionCodes and enterpriseProjectIDs; empty lists
	// match everything. BudgetAlert spec.filters selects with the same fields.
	ResourceSelector `json:",inline"`

	// renewalPolicyRef is set on discovered Subscriptions, which still start
	// in Observe mode.
	// +optional
	RenewalPolicyRef *LocalObjectReference `json:"renewalPolicyRef,omitempty"`

	// deleteWithAccount, when true, makes the account the controller owner
	// of the Subscriptions it discovered, so that deleting the account
	// deletes them (Kubernetes garbage collection). When false (the
	// default) they carry no owner reference and outlive the account: each
	// then reports the missing account (Ready False, reason
	// AccountNotFound) until the account is created again or the
	// Subscriptions are deleted. Changing it adds or removes the owner
	// reference of the Subscriptions already discovered. Deleting a
	// Subscription never unsubscribes anything: discovered ones are
	// created in Observe mode with deletionPolicy Orphan.
	// +optional
	DeleteWithAccount bool `json:"deleteWithAccount,omitempty"`

	// releasedGracePeriod is how long a discovered Subscription whose
	// resource BSS released (unsubscribed, deleted at the end of its
	// retention period, or converted to pay-per-use; see the Subscription's
	// ResourceReleased condition and status.releasedTime) is kept before
	// the operator deletes it. Subscriptions written by people (without the
	// billing.bss-operator.io/discovered label) are never deleted, only
	// marked. At least 1h; defaults to 168h, 7 days
	// (DefaultReleasedGracePeriod).
	// +optional
	// +kubebuilder:default="168h"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1h')",message="releasedGracePeriod must be at least 1h"
	ReleasedGracePeriod *metav1.Duration `json:"releasedGracePeriod,omitempty"`
}

// GracePeriod is how long a discovered Subscription of a released resource
// is kept: spec.discovery.releasedGracePeriod, or
// DefaultReleasedGracePeriod when unset. A nil DiscoverySpec has the
// default.
func (d *DiscoverySpec) GracePeriod() time.Duration {
	if d == nil || d.ReleasedGracePeriod == nil || d.ReleasedGracePeriod.Duration < MinReleasedGracePeriod {
		return DefaultReleasedGracePeriod
	}
	return d.ReleasedGracePeriod.Duration
}

// AccountBalance is the balance of one account type (5.1).
type AccountBalance struct {
	// accountType is the kind of balance: Cash, Credit, or another BSS
	// account type by its number.
	// +required
	AccountType string `json:"accountType"`

	// amount is the balance. For Credit it is the total credit limit, not
	// the remaining credit (5.1).
	// +required
	Amount Money `json:"amount"`

	// designatedAmount is the part of the balance reserved for designated
	// purposes.
	// +optional
	DesignatedAmount *Money `json:"designatedAmount,omitempty"`
}

// BillingAccountStatus is what the operator last learned about the account.
type BillingAccountStatus struct {
	// observedGeneration is the spec generation the status reflects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready is True when a live BSS call with the current
	// credentials succeeded; Reconciling and Stalled for kstatus, present
	// only while True.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// balance is the cash balance (also listed in balances), for the
	// printer columns.
	// +optional
	Balance *Money `json:"balance,omitempty"`

	// balances lists the balance of every account type.
	// +optional
	// +listType=atomic
	Balances []AccountBalance `json:"balances,omitempty"`

	// debt is the amount owed (5.1 debt_amount).
	// +optional
	Debt *Money `json:"debt,omitempty"`

	// lastSyncTime is when BSS was last read successfully.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// credentialsVersion is the resourceVersion of the Secret whose
	// credentials were last used successfully.
	// +optional
	CredentialsVersion string `json:"credentialsVersion,omitempty"`

	// discoveredResources is how many resources discovery matched.
	// +optional
	DiscoveredResources int32 `json:"discoveredResources,omitempty"`
}

// BillingAccount is a Huawei Cloud account whose yearly/monthly resources
// the operator manages through the BSS API.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=bacct,categories=bss
// +kubebuilder:printcolumn:name="Site",type=string,JSONPath=`.spec.site`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Balance",type=string,JSONPath=`.status.balance.amount`
// +kubebuilder:printcolumn:name="Currency",type=string,JSONPath=`.status.balance.currency`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Synced",type=date,JSONPath=`.status.lastSyncTime`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type BillingAccount struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is how to reach BSS for this account.
	// +required
	Spec BillingAccountSpec `json:"spec"`

	// status is what the operator last learned about the account.
	// +optional
	Status BillingAccountStatus `json:"status,omitempty"`
}

// BillingAccountList is a list of BillingAccounts.
// +kubebuilder:object:root=true
type BillingAccountList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the list's metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the BillingAccounts.
	Items []BillingAccount `json:"items"`
}
