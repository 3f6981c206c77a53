package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ManagementPolicy is whether the operator may change anything in the cloud.
// +kubebuilder:validation:Enum=Manage;Observe
type ManagementPolicy string

const (
	// ManagementManage lets the operator act on the subscription.
	ManagementManage ManagementPolicy = "Manage"
	// ManagementObserve makes no write call at all; the operator still
	// quotes and reports what it would do, when, and for how much.
	ManagementObserve ManagementPolicy = "Observe"
)

// DeletionPolicy is what deleting the Subscription object does in the cloud.
// +kubebuilder:validation:Enum=Orphan;Unsubscribe
type DeletionPolicy string

const (
	// DeletionOrphan leaves the cloud resource untouched.
	DeletionOrphan DeletionPolicy = "Orphan"
	// DeletionUnsubscribe unsubscribes the resource (6.3.3) when the object
	// is deleted, only if the confirmation annotation repeats the resource ID.
	DeletionUnsubscribe DeletionPolicy = "Unsubscribe"
)

// UnsubscribeType is what an unsubscription removes (6.3.3 unsubscribe_type).
// +kubebuilder:validation:Enum=AllPeriods;RenewalPeriodsOnly
type UnsubscribeType string

const (
	// UnsubscribeAllPeriods unsubscribes from the resource and its renewal
	// periods (type 1). The resource is released.
	UnsubscribeAllPeriods UnsubscribeType = "AllPeriods"
	// UnsubscribeRenewalPeriodsOnly unsubscribes only from renewed periods
	// that have not taken effect yet (type 2).
	UnsubscribeRenewalPeriodsOnly UnsubscribeType = "RenewalPeriodsOnly"
)

// Annotations understood on Subscriptions.
const (
	// AnnotationConfirmUnsubscribe must repeat spec.resourceID for
	// deletionPolicy Unsubscribe to be honoured.
	AnnotationConfirmUnsubscribe = "billing.bss-operator.io/confirm-unsubscribe"
	// AnnotationRenewNow, set to any new value (for example a timestamp),
	// asks for a renewal now instead of at renewalTime; the gates still apply.
	AnnotationRenewNow = "billing.bss-operator.io/renew-now"
	// AnnotationRefresh, set to any new value, asks for an immediate refresh
	// from BSS.
	AnnotationRefresh = "billing.bss-operator.io/refresh"
	// AnnotationAcknowledgeUnknownOutcome, set to the name of the
	// RenewalRequest in status.unknownRenewalOutcome.requestName (for
	// example with `kubectl bss acknowledge-unknown-outcome`), says that a
	// person checked the BSS console after a renew call whose outcome is
	// unknown: the Subscription stops stalling and may start new attempts,
	// each of which searches BSS for orders before ordering. A value naming
	// another attempt acknowledges nothing.
	AnnotationAcknowledgeUnknownOutcome = "billing.bss-operator.io/acknowledge-unknown-outcome"
)

// SubscriptionSpec declares one yearly/monthly cloud resource and how it is managed.
// +kubebuilder:validation:XValidation:rule="!has(self.deletionPolicy) || self.deletionPolicy != 'Unsubscribe' || has(self.unsubscribeType)",message="unsubscribeType is required when deletionPolicy is Unsubscribe"
type SubscriptionSpec struct {
	// accountRef names the BillingAccount, in the same namespace, that owns
	// the resource.
	// +required
	AccountRef LocalObjectReference `json:"accountRef"`

	// resourceID is the cloud resource ID (for example an ECS server ID).
	// It should be a primary resource: an attached resource's ID is
	// resolved to its primary, shown in status, and refused for renewal.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._:-]*$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceID is immutable; create a new Subscription for another resource"
	ResourceID string `json:"resourceID"`

	// renewalPolicyRef names the RenewalPolicy, in the same namespace, that
	// says what happens as expiry nears. Without it the operator only reports.
	// +optional
	RenewalPolicyRef *LocalObjectReference `json:"renewalPolicyRef,omitempty"`

	// managementPolicy is Manage (the operator acts) or Observe (no write
	// call at all; status says what would happen). Start in Observe, the
	// default (DefaultManagementPolicy).
	// +optional
	// +kubebuilder:default=Observe
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// deletionPolicy is Orphan (deleting this object leaves the cloud
	// resource alone) or Unsubscribe (deleting it unsubscribes, only with
	// the confirm-unsubscribe annotation set to the resource ID). Defaults
	// to Orphan (DefaultDeletionPolicy).
	// +optional
	// +kubebuilder:default=Orphan
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// unsubscribeType is what deletion unsubscribes when deletionPolicy is
	// Unsubscribe: AllPeriods or RenewalPeriodsOnly.
	// +optional
	UnsubscribeType UnsubscribeType `json:"unsubscribeType,omitempty"`

	// paused stops every action; status is still refreshed.
	// +optional
	Paused bool `json:"paused,omitempty"`
}

// AttachedResource is a resource renewed together with its primary.
type AttachedResource struct {
	// id of the attached resource.
	// +required
	ID string `json:"id"`

	// name of the attached resource.
	// +optional
	Name string `json:"name,omitempty"`

	// resourceTypeCode is the BSS resource type code (resource_type_code),
	// for example hws.resource.type.volume.
	// +optional
	ResourceTypeCode string `json:"resourceTypeCode,omitempty"`

	// expireTime is the attached resource's expiry.
	// +optional
	ExpireTime *metav1.Time `json:"expireTime,omitempty"`
}

// ObservedResource is the resource as BSS reports it (6.3.1).
type ObservedResource struct {
	// name of the resource.
	// +optional
	Name string `json:"name,omitempty"`

	// serviceTypeCode is the cloud service type code (service_type_code),
	// for example hws.service.type.ec2.
	// +optional
	ServiceTypeCode string `json:"serviceTypeCode,omitempty"`

	// resourceTypeCode is the resource type code (resource_type_code), for
	// example hws.resource.type.vm.
	// +optional
	ResourceTypeCode string `json:"resourceTypeCode,omitempty"`

	// regionCode is the resource's region (region_code), for example
	// ap-southeast-1.
	// +optional
	RegionCode string `json:"regionCode,omitempty"`

	// projectID is the resource's project ID.
	// +optional
	ProjectID string `json:"projectID,omitempty"`

	// enterpriseProjectID is the ID of the resource's enterprise project
	// (enterprise_project.id), the value BillingAccount discovery and
	// BudgetAlert filters select on.
	// +optional
	EnterpriseProjectID string `json:"enterpriseProjectID,omitempty"`

	// enterpriseProjectName is the name of the resource's enterprise
	// project (enterprise_project.name), for people.
	// +optional
	EnterpriseProjectName string `json:"enterpriseProjectName,omitempty"`

	// status is Provisioned, Closed, Frozen or Expired.
	// +optional
	Status string `json:"status,omitempty"`

	// effectiveTime is when the current subscription took effect. Its
	// expiry is status.expireTime.
	// +optional
	EffectiveTime *metav1.Time `json:"effectiveTime,omitempty"`

	// expirePolicy is what BSS does at expiry: GracePeriod, ToPayPerUse,
	// Delete, AutoRenew, Freeze or DeleteFromRetention.
	// +optional
	ExpirePolicy string `json:"expirePolicy,omitempty"`

	// specDescription is BSS's description of the product specification.
	// +optional
	SpecDescription string `json:"specDescription,omitempty"`

	// primary is true for a primary resource.
	// +optional
	Primary bool `json:"primary,omitempty"`

	// primaryResourceID is the primary resource of an attached resource.
	// +optional
	PrimaryResourceID string `json:"primaryResourceID,omitempty"`

	// attached lists the resources renewed together with this primary.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	Attached []AttachedResource `json:"attached,omitempty"`
}

// RenewalRecord is the outcome of the latest renewal.
type RenewalRecord struct {
	// requestName is the RenewalRequest that made the renewal.
	// +optional
	RequestName string `json:"requestName,omitempty"`

	// orderIDs are the BSS orders of the renewal.
	// +optional
	// +listType=atomic
	OrderIDs []string `json:"orderIDs,omitempty"`

	// orderStatus is the word for the order's BSS status.
	// +optional
	OrderStatus string `json:"orderStatus,omitempty"`

	// amountPaid is what the renewal cost.
	// +optional
	AmountPaid *Money `json:"amountPaid,omitempty"`

	// newExpireTime is the expiry after the renewal.
	// +optional
	NewExpireTime *metav1.Time `json:"newExpireTime,omitempty"`

	// completionTime is when the renewal was confirmed.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
}

// OrderType is the kind of a BSS order the operator records.
// +kubebuilder:validation:Enum=Renewal
type OrderType string

const (
	// OrderTypeRenewal is a renewal order (6.3.2) placed by a RenewalRequest.
	// It is the only order the operator records: an unsubscription
	// (6.3.3) happens as the Subscription is deleted, so no status is left
	// to record it in, and orders placed outside the operator are not
	// read.
	OrderTypeRenewal OrderType = "Renewal"
)

// OrderRecord is one BSS order the operator placed for the subscription.
type OrderRecord struct {
	// orderID is the BSS order ID.
	// +required
	OrderID string `json:"orderID"`

	// type is Renewal: the operator records the renewal orders its
	// RenewalRequests place, and no other.
	// +optional
	Type OrderType `json:"type,omitempty"`

	// status is the order's BSS status as a word.
	// +optional
	Status string `json:"status,omitempty"`

	// amount of the order after discounts, once known.
	// +optional
	Amount *Money `json:"amount,omitempty"`

	// requestName is the RenewalRequest that placed the order, if any.
	// +optional
	RequestName string `json:"requestName,omitempty"`

	// time the order was recorded.
	// +optional
	Time *metav1.Time `json:"time,omitempty"`
}

// UnknownRenewalOutcome is the evidence about a renewal attempt that ended
// while a renew call's outcome was unknown: the call may have placed an
// order that no lookup found. The Subscription stalls until a person
// acknowledges it (AnnotationAcknowledgeUnknownOutcome).
type UnknownRenewalOutcome struct {
	// requestName is the RenewalRequest whose renew calls have an unknown
	// outcome. The acknowledge annotation must repeat it.
	// +required
	RequestName string `json:"requestName"`

	// renewCalls is how many renew calls the attempt made.
	// +optional
	RenewCalls int32 `json:"renewCalls,omitempty"`

	// orderIntentTime is when the attempt recorded its intent to order:
	// any order it placed was created after it.
	// +optional
	OrderIntentTime *metav1.Time `json:"orderIntentTime,omitempty"`

	// baselineExpireTime is the expiry the attempt renewed from. A later
	// attempt from the same expiry searches BSS for orders from this
	// attempt's orderIntentTime on; one from a later expiry already counts
	// whatever the attempt renewed.
	// +optional
	BaselineExpireTime *metav1.Time `json:"baselineExpireTime,omitempty"`

	// endTime is when the attempt ended.
	// +optional
	EndTime *metav1.Time `json:"endTime,omitempty"`

	// attemptMessage is the attempt's last message.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	AttemptMessage string `json:"attemptMessage,omitempty"`

	// lookupTime is when the Subscription controller last searched BSS for
	// renewal orders of the resource created since orderIntentTime; unset
	// until a search succeeded.
	// +optional
	LookupTime *metav1.Time `json:"lookupTime,omitempty"`

	// lookupResult says what that search found, for people.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	LookupResult string `json:"lookupResult,omitempty"`

	// foundOrderIDs are the renewal orders of the resource the search
	// found (the operator did not record them as its own).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	FoundOrderIDs []string `json:"foundOrderIDs,omitempty"`

	// acknowledgedTime is when the acknowledge annotation was seen. Until
	// then no new attempt starts; after it every new attempt searches BSS
	// for orders before ordering, until one succeeds.
	// +optional
	AcknowledgedTime *metav1.Time `json:"acknowledgedTime,omitempty"`
}

// PayPerUseQuote is what the resource would cost after the change to
// pay-per-use at expiry (6.3.6), as BSS prices its pay-per-use equivalent
// (4.2.1): the primary and its attached resources, which convert together.
type PayPerUseQuote struct {
	// hourly is the price of one hour of the resource and its attached
	// resources on pay-per-use, after discounts, with up to 6 decimals.
	// +optional
	Hourly *Money `json:"hourly,omitempty"`

	// officialHourly is the hourly list price before discounts, when BSS
	// gave one.
	// +optional
	OfficialHourly *Money `json:"officialHourly,omitempty"`

	// monthlyEstimate is hourly times 730 hours (an average month, 8760 h
	// / 12), rounded to cents: compare it with a one-month renewal quote
	// (status.lastQuote). Actual pay-per-use charges follow actual use.
	// +optional
	MonthlyEstimate *Money `json:"monthlyEstimate,omitempty"`

	// quotedAt is when BSS gave the price. It is refreshed at most daily.
	// +optional
	QuotedAt *metav1.Time `json:"quotedAt,omitempty"`

	// error says why the latest attempt to get the price failed; empty when
	// the price above is the latest. A failed price never stops the
	// Subscription; it is asked again an hour later.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Error string `json:"error,omitempty"`

	// failedAt is when the latest attempt failed, if it did.
	// +optional
	FailedAt *metav1.Time `json:"failedAt,omitempty"`
}

// QuoteFailure is why the latest renewal quote (4.2.3) could not be had.
// It never stops the Subscription: the quote is asked for again an hour
// after failedAt, and the last good quote, if any, stays in lastQuote.
type QuoteFailure struct {
	// period the failed quote was for.
	// +optional
	Period *RenewalPeriod `json:"period,omitempty"`

	// message says why BSS gave no price.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`

	// failedAt is when the quote failed.
	// +optional
	FailedAt *metav1.Time `json:"failedAt,omitempty"`
}

// LongerTermQuote compares the renewal by months with one year (4.2.3
// quotes 1 to 3 years): kept for a Manage Subscription whose next renewal
// (or cloud auto-renew deduction) is within the operator's quote horizon
// (--quote-horizon) and whose period is a whole fraction of a year (1, 2,
// 3, 4 or 6 months).
type LongerTermQuote struct {
	// period is the longer term quoted: one year.
	// +required
	Period RenewalPeriod `json:"period"`

	// price is what renewing for period costs, after discounts; unset until
	// a quote succeeded.
	// +optional
	Price *Money `json:"price,omitempty"`

	// quotedAt is when BSS gave price. It is refreshed at most daily.
	// +optional
	QuotedAt *metav1.Time `json:"quotedAt,omitempty"`

	// comparedPeriod is the shorter period it is compared with: the
	// period of status.lastQuote (the policy's period, or the unit the
	// cloud auto-renews by).
	// +optional
	ComparedPeriod *RenewalPeriod `json:"comparedPeriod,omitempty"`

	// comparedPrice is the price of one comparedPeriod (status.lastQuote)
	// used for savingPerYear.
	// +optional
	ComparedPrice *Money `json:"comparedPrice,omitempty"`

	// savingPerYear is (12 / comparedPeriod months) x comparedPrice minus
	// price: what a year costs less when renewed at once than in shorter
	// renewals. It carries its sign: negative when the year costs more.
	// Unset while either price is missing or the two are in different
	// currencies (never converted).
	// +optional
	SavingPerYear *Money `json:"savingPerYear,omitempty"`

	// error says why the latest attempt to get price failed; empty when
	// price is the latest. A failure never stops the Subscription; the
	// quote is asked for again an hour later.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Error string `json:"error,omitempty"`

	// failedAt is when the latest attempt failed, if it did.
	// +optional
	FailedAt *metav1.Time `json:"failedAt,omitempty"`
}

// SubscriptionStatus is the observed state of the resource and of its renewal.
type SubscriptionStatus struct {
	// observedGeneration is the spec generation the status reflects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready, Renewing, ExpiringSoon, Expired, DriftDetected;
	// Reconciling and Stalled (kstatus) only while True; ApprovalRequired,
	// PaymentPending and BudgetBlocked, copied from the active
	// RenewalRequest, only while a renewal is under way.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// resource is the resource as BSS last reported it.
	// +optional
	Resource *ObservedResource `json:"resource,omitempty"`

	// expireTime is when the resource's subscription expires, as BSS last
	// reported it.
	// +optional
	ExpireTime *metav1.Time `json:"expireTime,omitempty"`

	// releasedTime is when the operator first saw that BSS released the
	// resource: BSS lists it as Closed (6.3.1 status 3), or no longer
	// lists it at all after it had been read (unsubscribed, deleted at the
	// end of its retention period, converted to pay-per-use). From then on
	// the operator makes no BSS write for this Subscription, and condition
	// ResourceReleased is True. A discovered Subscription is deleted once
	// this is older than its account's spec.discovery.releasedGracePeriod;
	// others are kept. Cleared if BSS lists the resource again.
	// +optional
	ReleasedTime *metav1.Time `json:"releasedTime,omitempty"`

	// renewalTime is when the operator will renew (or would, in Observe);
	// unset when the policy does not renew explicitly.
	// +optional
	RenewalTime *metav1.Time `json:"renewalTime,omitempty"`

	// plannedAction says what the operator will do (or would do, in
	// Observe) at renewalTime, and for how much.
	// +optional
	PlannedAction string `json:"plannedAction,omitempty"`

	// lastQuote is the latest renewal price quote (4.2.3). A Manage
	// Subscription keeps it at most a day old (MaxQuoteAge) while its next
	// renewal or cloud auto-renew deduction is within the operator's quote
	// horizon (--quote-horizon, 35 days by default); for auto-renew it is
	// the price of the period the applied auto-renew settings deduct.
	// +optional
	LastQuote *PriceQuote `json:"lastQuote,omitempty"`

	// lastQuoteFailure is set while the latest attempt to refresh
	// lastQuote failed; cleared by the next quote.
	// +optional
	LastQuoteFailure *QuoteFailure `json:"lastQuoteFailure,omitempty"`

	// longerTermQuote is, for a Manage Subscription renewed (or
	// auto-renewed) by 1, 2, 3, 4 or 6 months with its next renewal within
	// the operator's quote horizon, the price of renewing one year instead
	// and the saving per year (kubectl bss report shows it). Unset
	// otherwise.
	// +optional
	LongerTermQuote *LongerTermQuote `json:"longerTermQuote,omitempty"`

	// payPerUseQuote is, for a Subscription whose RenewalPolicy mode is
	// PayPerUse, what the resource will cost per hour (and about per month)
	// after the change to pay-per-use (4.2.1), next to lastQuote, the price
	// of renewing one month (4.2.3), so the two can be compared. Unset for
	// other modes.
	// +optional
	PayPerUseQuote *PayPerUseQuote `json:"payPerUseQuote,omitempty"`

	// lastRenewal is the outcome of the latest renewal.
	// +optional
	LastRenewal *RenewalRecord `json:"lastRenewal,omitempty"`

	// orderHistory lists recent orders, newest first, at most the
	// policy's orderHistoryLimit (20 by default, 100 at most).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	OrderHistory []OrderRecord `json:"orderHistory,omitempty"`

	// renewalRevision numbers renewal attempts; RenewalRequests are named
	// <subscription>-r<revision>.
	// +optional
	RenewalRevision int64 `json:"renewalRevision,omitempty"`

	// activeRequest is the RenewalRequest under way, if any.
	// +optional
	ActiveRequest string `json:"activeRequest,omitempty"`

	// failureCount counts consecutive failed attempts.
	// +optional
	FailureCount int32 `json:"failureCount,omitempty"`

	// nextAttemptTime is when the next attempt after a failure is due.
	// +optional
	NextAttemptTime *metav1.Time `json:"nextAttemptTime,omitempty"`

	// lastSyncTime is when BSS was last read for this resource.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// lastCorrectionTime is when the operator last changed the cloud's
	// expiry mechanism (auto-renew or to-on-demand) to match the policy.
	// +optional
	LastCorrectionTime *metav1.Time `json:"lastCorrectionTime,omitempty"`

	// autoRenewSettings are the cloud auto-renew settings the operator last
	// set (6.3.4) for the policy's autoRenew; BSS does not report them, so
	// a difference from the policy is drift. Cleared when auto-renew is
	// seen off.
	// +optional
	AutoRenewSettings *AppliedAutoRenew `json:"autoRenewSettings,omitempty"`

	// refreshHandled is the last refresh annotation value acted on.
	// +optional
	RefreshHandled string `json:"refreshHandled,omitempty"`

	// renewNowHandled is the last renew-now annotation value acted on.
	// +optional
	RenewNowHandled string `json:"renewNowHandled,omitempty"`

	// unknownRenewalOutcome is set when a renewal attempt ended while a
	// renew call's outcome was unknown, with what a search of BSS found.
	// Until acknowledged it stalls the Subscription (no new attempt); after
	// that it makes every new attempt search BSS before ordering, and it is
	// cleared when an attempt succeeds.
	// +optional
	UnknownRenewalOutcome *UnknownRenewalOutcome `json:"unknownRenewalOutcome,omitempty"`

	// notifications records the notifications sent to the BillingAccount's
	// sinks (spec.notifications) about this Subscription and its active
	// RenewalRequest, so that each is sent once per condition change, also
	// across restarts. Written only by the notifier; a record is pruned
	// once its condition is gone.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Notifications []NotificationRecord `json:"notifications,omitempty"`
}

// Subscription is one yearly/monthly cloud resource whose expiry the
// operator watches and, under Manage, acts on according to its RenewalPolicy.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=bsub;bsubs,categories=bss
// +kubebuilder:printcolumn:name="Resource",type=string,JSONPath=`.spec.resourceID`
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.renewalPolicyRef.name`
// +kubebuilder:printcolumn:name="Management",type=string,JSONPath=`.spec.managementPolicy`
// +kubebuilder:printcolumn:name="Expires",type=string,JSONPath=`.status.expireTime`
// +kubebuilder:printcolumn:name="Renews",type=string,JSONPath=`.status.renewalTime`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Quote",type=string,JSONPath=`.status.lastQuote.price.amount`,priority=1
// +kubebuilder:printcolumn:name="PayPerUse/Month",type=string,JSONPath=`.status.payPerUseQuote.monthlyEstimate.amount`,priority=1
// +kubebuilder:printcolumn:name="Action",type=string,JSONPath=`.status.plannedAction`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Subscription struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the resource and how it is managed.
	// +required
	Spec SubscriptionSpec `json:"spec"`

	// status is the observed state of the resource and of its renewal.
	// +optional
	Status SubscriptionStatus `json:"status,omitempty"`
}

// SubscriptionList is a list of Subscriptions.
// +kubebuilder:object:root=true
type SubscriptionList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the list's metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the Subscriptions.
	Items []Subscription `json:"items"`
}

// AppliedAutoRenew is what the operator set with 6.3.4, and when.
type AppliedAutoRenew struct {
	// periodUnit is the unit set, empty when left to BSS.
	// +optional
	PeriodUnit PeriodUnit `json:"periodUnit,omitempty"`

	// times is the number of automatic renewals set; unset means no limit.
	// +optional
	Times *int32 `json:"times,omitempty"`

	// appliedTime is when 6.3.4 accepted them.
	// +optional
	AppliedTime *metav1.Time `json:"appliedTime,omitempty"`
}
