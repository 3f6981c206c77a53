package bss

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Class says what a caller may do after a failed BSS call.
type Class int

const (
	// ClassTerminal means the request was refused and repeating it unchanged
	// cannot succeed: bad parameters, business refusals, authentication.
	ClassTerminal Class = iota
	// ClassRetryable means the request was not applied and may be repeated
	// later: throttling, server errors on reads, transport errors before the
	// request was written.
	ClassRetryable
	// ClassNotFound means the order or resource named in the request does not
	// exist (BSS reports this as HTTP 400 with a code, never 404).
	ClassNotFound
	// ClassAmbiguous means a write was sent but its outcome is unknown: the
	// response was lost, or the server failed in a way that does not prove the
	// request was not applied. Look the outcome up before acting again.
	ClassAmbiguous
)

// String returns the lower-case name of the class, used in messages and
// metric labels.
func (c Class) String() string {
	switch c {
	case ClassTerminal:
		return "terminal"
	case ClassRetryable:
		return "retryable"
	case ClassNotFound:
		return "not_found"
	case ClassAmbiguous:
		return "ambiguous"
	default:
		return fmt.Sprintf("class(%d)", int(c))
	}
}

// Error codes the operator branches on. The reference spells them with the
// "CBC." prefix; comparisons are exact.
const (
	// CodeSuccess is the in-body success code of the summary-bill API (7.1).
	CodeSuccess = "CBC.0000"
	// CodeParameterError is "parameter error" (400).
	CodeParameterError = "CBC.0100"
	// CodeInvalidParameter is "Invalid parameter" (400).
	CodeInvalidParameter = "CBC.0101"
	// CodeInvalidOperation is "Invalid operation" (403).
	CodeInvalidOperation = "CBC.0150"
	// CodeAccessDenied is "Access denied" (403).
	CodeAccessDenied = "CBC.0151"
	// CodeInvalidToken is "Invalid or expired token" (401, 403 in 4.2.3).
	CodeInvalidToken = "CBC.0154"
	// CodeRequestRefused is "the server is refusing to respond" (403).
	CodeRequestRefused = "CBC.0155"
	// CodeWrongSite is "The customer does not belong to the website" (403).
	CodeWrongSite = "CBC.0156"
	// CodeFlowControl is CBC-level throttling (429).
	CodeFlowControl = "CBC.0250"
	// CodeOtherError is "Other errors" (500).
	CodeOtherError = "CBC.0999"
	// CodeInsufficientBalanceLegacy is the legacy insufficient-balance code.
	CodeInsufficientBalanceLegacy = "CBC.5003"
	// CodeAccountFrozen is "Your account has been frozen" (renew, pay).
	CodeAccountFrozen = "CBC.7281"
	// CodeOrderInvalid is "Invalid order (maybe the order does not exist)".
	CodeOrderInvalid = "CBC.30000010"
	// CodeUnsubscribeSavingsPlan refuses unsubscribing Savings Plans resources.
	CodeUnsubscribeSavingsPlan = "CBC.30000053"
	// CodeUnsubscribeNotSynced refuses unsubscribing deleted or unsynced resources.
	CodeUnsubscribeNotSynced = "CBC.30000067"
	// CodeResourceDeleted is "resource deleted".
	CodeResourceDeleted = "CBC.30010035"
	// CodeNotPrimaryResource is "Renewal is only supported for primary resources".
	CodeNotPrimaryResource = "CBC.30010036"
	// CodeRenewalPeriodMissing is "The renewal period does not exist".
	CodeRenewalPeriodMissing = "CBC.30010069"
	// CodeAutoPayFailed is "Automatic order payment failed" (renew).
	CodeAutoPayFailed = "CBC.30050006"
	// CodeQuoteNotPrimary is the renewal-price (HTTP 200) non-primary refusal.
	CodeQuoteNotPrimary = "CBC.30050007"
	// CodeQuotePeriodMissing is the renewal-price (HTTP 200) missing period.
	CodeQuotePeriodMissing = "CBC.30050008"
	// CodeQuoteResourceMissing is the renewal-price (HTTP 200) expired/deleted resource.
	CodeQuoteResourceMissing = "CBC.30050009"
	// CodeQuotePendingOrder is the renewal-price (HTTP 200) pending-order refusal.
	CodeQuotePendingOrder = "CBC.30050010"
	// CodeQuoteChanging is the renewal-price (HTTP 200) "being unsubscribed or changed".
	CodeQuoteChanging = "CBC.30050011"
	// CodeQuoteDuplicateIDs is the renewal-price duplicate resource IDs (400).
	CodeQuoteDuplicateIDs = "CBC.30050012"
	// CodeQuoteNotRenewable is the renewal-price (HTTP 200) "cannot be renewed".
	CodeQuoteNotRenewable = "CBC.30050013"
	// CodeInsufficientBudget is "Insufficient budget" (pay).
	CodeInsufficientBudget = "CBC.99000046"
	// CodeResellerNoBalance is "BindType cannot be resale" (balance).
	CodeResellerNoBalance = "CBC.99000049"
	// CodePaymentInProgress is "payment is currently being processed" (pay).
	CodePaymentInProgress = "CBC.99000088"
	// CodeCombinedSubOrder refuses operating on a sub-order of a combined order.
	CodeCombinedSubOrder = "CBC.99000089"
	// CodeIncorrectPeriod is "Incorrect subscription period" (renew).
	CodeIncorrectPeriod = "CBC.99000092"
	// CodeResourceIDNotExist is "The resource ID does not exist".
	CodeResourceIDNotExist = "CBC.99003012"
	// CodeResourceExpiredOrMissing is "expired and been deleted or do not exist" (renew).
	CodeResourceExpiredOrMissing = "CBC.99003016"
	// CodePendingOrder is "some resources are included in your orders to be paid".
	CodePendingOrder = "CBC.99003100"
	// CodeOrderStatusChanged is "The order status has changed and no payment can be made".
	CodeOrderStatusChanged = "CBC.99003106"
	// CodeDiscountUnavailable is "Unavailable discount" (pay).
	CodeDiscountUnavailable = "CBC.99003108"
	// CodeOrderPaymentExpired is "The order has not been paid before the expiration time".
	CodeOrderPaymentExpired = "CBC.99003110"
	// CodeTryAgainLater is "An error occurred. Try again later.".
	CodeTryAgainLater = "CBC.99003115"
	// CodeNoRenewedPeriods refuses unsubscribing renewal periods that do not exist.
	CodeNoRenewedPeriods = "CBC.99003128"
	// CodeQuotaInsufficient is "quota or capacity is insufficient" (pay, with quota_infos).
	CodeQuotaInsufficient = "CBC.99003141"
	// CodeOrderInProgress is "There is an order in progress for this resource" (renew).
	CodeOrderInProgress = "CBC.99003144"
	// CodeRenewalTooLong is "existing and renewal durations exceeded the maximum".
	CodeRenewalTooLong = "CBC.99003154"
	// CodeEnterpriseProjectFunds is "Insufficient enterprise project fund quota" (pay).
	CodeEnterpriseProjectFunds = "CBC.99003155"
	// CodeUnsubscribeAsWhole refuses unsubscribing associated resources independently.
	CodeUnsubscribeAsWhole = "CBC.99003185"
	// CodeAutoRenewNotSupported is "not supported for expired or frozen resources".
	CodeAutoRenewNotSupported = "CBC.99003602"
	// CodeAutoRenewAlreadyOff is "The automatic renewal has been canceled".
	CodeAutoRenewAlreadyOff = "CBC.99003605"
	// CodeToOnDemandNotSupported is "this product type cannot be converted into pay-per-use".
	CodeToOnDemandNotSupported = "CBC.99003609"
	// CodeToOnDemandGracePeriod refuses pay-per-use conversion in grace or retention (HTTP 200).
	CodeToOnDemandGracePeriod = "CBC.99003610"
	// CodeToOnDemandInProgress refuses conversion while transactions are processed.
	CodeToOnDemandInProgress = "CBC.99003623"
	// CodeDiscountPackageWhole requires renewing discount packages as a whole.
	CodeDiscountPackageWhole = "CBC.99003634"
	// CodeUnsubscribeInProgress refuses unsubscribing while an operation is in progress.
	CodeUnsubscribeInProgress = "CBC.99003651"
	// CodeResourceFrozen is "Operation not allowed. Your account has been frozen" (unsubscribe).
	CodeResourceFrozen = "CBC.99003656"
	// CodeInsufficientBalance is "Your balance is insufficient" (pay).
	CodeInsufficientBalance = "CBC.99005003"
	// CodeOrderNotCancelable is "Orders in this state cannot be canceled".
	CodeOrderNotCancelable = "CBC.99005010"
	// CodeNotRefundOrder is "The order is not a degrade or unsubscription order".
	CodeNotRefundOrder = "CBC.99005026"
	// CodeAPIPaymentNotAllowed is "The customer does not support payment via interface".
	CodeAPIPaymentNotAllowed = "CBC.99005036"
	// CodeTooManyAttempts is "Too many attempts" (pay).
	CodeTooManyAttempts = "CBC.99008040"
	// CodeDailyTransactionLimit is "maximum number of transactions allowed today".
	CodeDailyTransactionLimit = "CBC.99008056"
	// CodeProductNotFound is "Product not found." (4.2.1, 4.2.2, 4.2.3).
	CodeProductNotFound = "CBC.99006006"
	// CodeCostCenterDisabled is "Inactive Cost Management" (cost data).
	CodeCostCenterDisabled = "CBC.18000014"
	// CodeCostPermissionPartner is "Insufficient permissions. Contact your associated partner.".
	CodeCostPermissionPartner = "CBC.18000016"
	// CodeCostPermissionMaster is "Insufficient permissions. Contact your enterprise master.".
	CodeCostPermissionMaster = "CBC.18000053"
	// CodeGatewayThrottled is the API gateway's throttling code (429).
	CodeGatewayThrottled = "APIGW.0308"
)

// Sentinel errors for errors.Is; an *Error matches the sentinel of its class
// and flags (for example errors.Is(err, ErrAmbiguous)).
var (
	// ErrTerminal matches terminal errors (including not-found and auth).
	ErrTerminal = errors.New("bss: terminal error")
	// ErrRetryable matches retryable errors.
	ErrRetryable = errors.New("bss: retryable error")
	// ErrNotFound matches not-found errors.
	ErrNotFound = errors.New("bss: not found")
	// ErrAmbiguous matches writes whose outcome is unknown.
	ErrAmbiguous = errors.New("bss: ambiguous write outcome")
	// ErrThrottled matches server-side throttling (HTTP 429, APIGW.0308, CBC.0250).
	ErrThrottled = errors.New("bss: throttled")
	// ErrAuth matches authentication and authorization failures.
	ErrAuth = errors.New("bss: authentication failed")
)

// Error is the single error type returned by the BSS client. It never holds
// credentials or request signatures.
type Error struct {
	// Op is the client operation, e.g. "Renew".
	Op string
	// HTTPStatus is the response status, or 0 when no response was received.
	HTTPStatus int
	// Code is the BSS error_code (e.g. "CBC.99003100"), empty when unknown.
	Code string
	// Message is error_msg (or error_message for gateway errors).
	Message string
	// RequestID is the gateway request id, when the response carried one.
	RequestID string
	// Class says what the caller may do next.
	Class Class
	// Throttled is true for HTTP 429, APIGW.0308 and CBC.0250.
	Throttled bool
	// Auth is true for authentication and authorization failures.
	Auth bool
	// RetryAfter is the server's Retry-After hint, zero when absent.
	RetryAfter time.Duration
	// ResourceID names the resource of a per-item failure, when known.
	ResourceID string
	// ExpiredResourceIDs lists expired or missing resources (renew, CBC.99003016).
	ExpiredResourceIDs []string
	// OrderIDs lists order ids returned alongside an error body.
	OrderIDs []string
	// QuotaInfos lists resources whose quota is insufficient (pay, CBC.99003141).
	QuotaInfos []QuotaInfo
	// EnterpriseProjects lists enterprise projects whose funds are
	// insufficient (pay, CBC.99003155).
	EnterpriseProjects []EnterpriseProjectAuth
	// Err is the underlying cause (transport or decoding error), if any.
	Err error
}

// Error returns a single-line description without credentials.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("bss")
	if e.Op != "" {
		b.WriteString(" ")
		b.WriteString(e.Op)
	}
	b.WriteString(": ")
	e.writeSummary(&b)
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// writeSummary writes what identifies the error itself: class, status,
// code, message and resource, but nothing that differs between calls.
func (e *Error) writeSummary(b *strings.Builder) {
	b.WriteString(e.Class.String())
	if e.HTTPStatus != 0 {
		fmt.Fprintf(b, ", HTTP %d", e.HTTPStatus)
	}
	if e.Code != "" {
		b.WriteString(", ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(truncate(e.Message, 512))
	}
	if e.ResourceID != "" {
		b.WriteString(" (resource ")
		b.WriteString(e.ResourceID)
		b.WriteString(")")
	}
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel for e's class or flags.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrTerminal:
		return e.Class == ClassTerminal || e.Class == ClassNotFound
	case ErrRetryable:
		return e.Class == ClassRetryable
	case ErrNotFound:
		return e.Class == ClassNotFound
	case ErrAmbiguous:
		return e.Class == ClassAmbiguous
	case ErrThrottled:
		return e.Throttled
	case ErrAuth:
		return e.Auth
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// IsTerminal reports whether err is a BSS error that must not be retried
// unchanged. Not-found and authentication errors are terminal too.
func IsTerminal(err error) bool { return errors.Is(err, ErrTerminal) }

// IsRetryable reports whether err is a BSS error after which the request was
// not applied and may be repeated later.
func IsRetryable(err error) bool { return errors.Is(err, ErrRetryable) }

// IsNotFound reports whether err says the order or resource does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsAmbiguous reports whether err is a write whose outcome is unknown.
func IsAmbiguous(err error) bool { return errors.Is(err, ErrAmbiguous) }

// IsThrottled reports whether err is a server-side throttling error.
func IsThrottled(err error) bool { return errors.Is(err, ErrThrottled) }

// IsAuth reports whether err is an authentication or authorization failure.
func IsAuth(err error) bool { return errors.Is(err, ErrAuth) }

// HasCode reports whether err is a BSS error with the given error_code.
func HasCode(err error, code string) bool {
	e, ok := AsError(err)
	return ok && e.Code == code
}

// notFoundCodes are the codes BSS uses for "does not exist".
var notFoundCodes = map[string]bool{
	CodeOrderInvalid:             true,
	CodeResourceIDNotExist:       true,
	CodeResourceExpiredOrMissing: true,
	CodeQuoteResourceMissing:     true,
	CodeResourceDeleted:          true,
	"CBC.5042":                   true,
}

// authCodes are the CBC codes for authentication and authorization failures.
var authCodes = map[string]bool{
	CodeInvalidOperation:      true,
	CodeAccessDenied:          true,
	CodeInvalidToken:          true,
	CodeRequestRefused:        true,
	CodeWrongSite:             true,
	CodeCostPermissionPartner: true,
	CodeCostPermissionMaster:  true,
}

// classify fills Class, Throttled and Auth from the status and code. write
// says whether the operation changes state, which decides how server
// failures are read.
func (e *Error) classify(write bool) {
	code := e.Code
	switch {
	case e.HTTPStatus == http.StatusTooManyRequests || code == CodeGatewayThrottled || code == CodeFlowControl:
		// The gateway refused before forwarding: nothing was applied.
		e.Throttled = true
		e.Class = ClassRetryable
	case e.HTTPStatus == http.StatusUnauthorized || e.HTTPStatus == http.StatusForbidden ||
		authCodes[code] || (strings.HasPrefix(code, "APIGW.03") && code != CodeGatewayThrottled) ||
		strings.HasPrefix(code, "APIGW.01"):
		e.Auth = true
		e.Class = ClassTerminal
	case notFoundCodes[code] || (e.HTTPStatus == http.StatusNotFound && code == ""):
		e.Class = ClassNotFound
	case code == CodeTryAgainLater:
		e.Class = ClassRetryable
	case e.HTTPStatus >= 500 || code == CodeOtherError:
		e.Class = classifyServerFailure(e.HTTPStatus, write)
	case e.HTTPStatus == http.StatusRequestTimeout:
		if write {
			e.Class = ClassAmbiguous
		} else {
			e.Class = ClassRetryable
		}
	default:
		e.Class = ClassTerminal
	}
}

// classifyServerFailure reads a 5xx. Reads are retryable. For writes only 503
// (service unavailable: refused before processing) proves nothing happened;
// 500, 502, 504 and others may come after the backend applied the change.
func classifyServerFailure(status int, write bool) Class {
	if !write || status == http.StatusServiceUnavailable {
		return ClassRetryable
	}
	return ClassAmbiguous
}

// Describe renders an error for object status: like Error, but without the
// request id and transport details, which differ on every call. Status built
// from it only changes when the error does, so a failing call does not
// rewrite the status (and trigger another reconcile) each time.
func Describe(err error) string {
	e, ok := AsError(err)
	if !ok {
		return err.Error()
	}
	var b strings.Builder
	e.writeSummary(&b)
	return b.String()
}
