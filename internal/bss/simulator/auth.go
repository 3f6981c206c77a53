package simulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Signing constants of the APIG SDK-HMAC-SHA256 scheme.
const (
	signAlgorithm     = "SDK-HMAC-SHA256"
	sdkDateLayout     = "20060102T150405Z"
	headerSdkDate     = "X-Sdk-Date"
	headerContentHash = "X-Sdk-Content-Sha256"
	unsignedPayload   = "UNSIGNED-PAYLOAD"
)

// authHeader is a parsed "SDK-HMAC-SHA256 Access=..., SignedHeaders=...,
// Signature=..." Authorization header.
type authHeader struct {
	access        string
	signedHeaders []string
	signature     string
}

// errAuth is the message prefix of APIGW.0301 bodies.
const errAuthPrefix = "Incorrect IAM authentication information: "

func authFailure(detail string) reply {
	return reply{status: http.StatusUnauthorized, body: gatewayError{ErrorCode: "APIGW.0301", ErrorMsg: errAuthPrefix + detail}}
}

// authenticate identifies the calling account and IAM user from X-Auth-Token
// or an AK/SK signature. On failure it returns the reply to send.
func (s *Server) authenticate(r *http.Request, body []byte) (*Account, Caller, reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		for _, id := range s.st.accountOrder {
			a := s.st.accounts[id]
			for _, t := range a.Tokens {
				if subtle.ConstantTimeCompare([]byte(t.Value), []byte(tok)) == 1 {
					if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
						return nil, Caller{}, authFailure("token expired"), false
					}
					return a, userCaller(a, t.User, ViaToken, ""), reply{}, true
				}
			}
		}
		return nil, Caller{}, authFailure("verify token failed"), false
	}
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return nil, Caller{}, authFailure("no Authorization or X-Auth-Token header"), false
	}
	ah, err := parseAuthorization(authz)
	if err != nil {
		return nil, Caller{}, authFailure(err.Error()), false
	}
	var acct *Account
	var cred Credential
	for _, id := range s.st.accountOrder {
		a := s.st.accounts[id]
		for _, c := range a.Credentials {
			if c.AccessKey == ah.access {
				acct, cred = a, c
			}
		}
	}
	if acct == nil {
		return nil, Caller{}, authFailure("access key not found"), false
	}
	// X-Sdk-Date is transport time: it is checked against the real clock,
	// not the simulated one, so that an accelerated or fake simulated clock
	// does not make every signature stale.
	if err := verifyRequest(r, body, ah, cred.SecretKey, s.realClock.Now(), s.cfg.maxClockSkew); err != nil {
		return nil, Caller{}, authFailure(err.Error()), false
	}
	if cred.SecurityToken != "" && r.Header.Get("X-Security-Token") != cred.SecurityToken {
		return nil, Caller{}, authFailure("security token mismatch"), false
	}
	if d := r.Header.Get("X-Domain-Id"); d != "" && d != acct.DomainID {
		return nil, Caller{}, reply{status: http.StatusForbidden, body: gatewayError{
			ErrorCode: "APIGW.0302", ErrorMsg: "The IAM user is not authorized to access the API: domain id mismatch",
		}}, false
	}
	return acct, userCaller(acct, cred.User, ViaAKSK, cred.AccessKey), reply{}, true
}

// parseAuthorization parses the SDK-HMAC-SHA256 Authorization header.
func parseAuthorization(v string) (authHeader, error) {
	var ah authHeader
	rest, found := strings.CutPrefix(v, signAlgorithm+" ")
	if !found {
		return ah, errors.New("unsupported signing algorithm")
	}
	for part := range strings.SplitSeq(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ah, errors.New("malformed Authorization header")
		}
		switch k {
		case "Access":
			ah.access = val
		case "SignedHeaders":
			if val != "" {
				ah.signedHeaders = strings.Split(val, ";")
			}
		case "Signature":
			ah.signature = val
		}
	}
	if ah.access == "" || ah.signature == "" || len(ah.signedHeaders) == 0 {
		return ah, errors.New("the Authorization header lacks Access, SignedHeaders or Signature")
	}
	return ah, nil
}

// VerifySignature verifies an SDK-HMAC-SHA256 signed request against the
// secret key: the Authorization header syntax, an X-Sdk-Date within 15
// minutes of now, and the signature over the canonical request. It never
// panics on malformed input.
func VerifySignature(r *http.Request, body []byte, secret string, now time.Time) error {
	ah, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	return verifyRequest(r, body, ah, secret, now, 15*time.Minute)
}

// verifyRequest checks the X-Sdk-Date freshness and the signature of r.
func verifyRequest(r *http.Request, body []byte, ah authHeader, secret string, now time.Time, skew time.Duration) error {
	ds := r.Header.Get(headerSdkDate)
	if ds == "" {
		return errors.New("X-Sdk-Date header missing")
	}
	date, err := time.Parse(sdkDateLayout, ds)
	if err != nil {
		return fmt.Errorf("X-Sdk-Date %q is not YYYYMMDDTHHMMSSZ: %w", ds, err)
	}
	if d := now.Sub(date); d > skew || d < -skew {
		return errors.New("request time skew too large: X-Sdk-Date is more than 15 minutes from the server time")
	}
	for _, h := range ah.signedHeaders {
		if h == "" || h != strings.ToLower(h) {
			return errors.New("SignedHeaders must be non-empty lower-case header names")
		}
	}
	if !containsString(ah.signedHeaders, "x-sdk-date") {
		return errors.New("x-sdk-date must be a signed header")
	}
	cr, err := canonicalRequest(r, body, ah.signedHeaders)
	if err != nil {
		return err
	}
	want := signString(stringToSign(cr, ds), secret)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(ah.signature))) {
		return errors.New("verify aksk signature fail")
	}
	return nil
}

func containsString(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// CanonicalRequest builds the canonical request of the SDK-HMAC-SHA256 scheme
// exactly as the APIG signing SDK does:
//
//	METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n hex(sha256(body))
//
// where CanonicalURI escapes each path segment and always ends in "/",
// CanonicalQuery sorts escaped keys (and values of repeated keys), and
// CanonicalHeaders is "name:trimmed-value\n" per signed header (so it ends
// with a newline, giving an empty line before SignedHeaders). It is exported
// for tests and tools that need to sign requests against the simulator.
func CanonicalRequest(r *http.Request, body []byte, signedHeaders []string) (string, error) {
	return canonicalRequest(r, body, signedHeaders)
}

func canonicalRequest(r *http.Request, body []byte, signedHeaders []string) (string, error) {
	uri, err := canonicalURI(r.URL)
	if err != nil {
		return "", err
	}
	var hash string
	if r.Header.Get(headerContentHash) == unsignedPayload {
		hash = unsignedPayload
	} else {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	return strings.Join([]string{
		r.Method,
		uri,
		canonicalQuery(r.URL.Query()),
		canonicalHeaders(r, signedHeaders),
		strings.Join(signedHeaders, ";"),
		hash,
	}, "\n"), nil
}

func canonicalURI(u *url.URL) (string, error) {
	segs := strings.Split(u.EscapedPath(), "/")
	for i, seg := range segs {
		raw, err := url.PathUnescape(seg)
		if err != nil {
			return "", fmt.Errorf("bad path segment %q: %w", seg, err)
		}
		segs[i] = sdkEscape(raw)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p, nil
}

func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, sdkEscape(k)+"="+sdkEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

func canonicalHeaders(r *http.Request, signed []string) string {
	lower := map[string][]string{}
	for k, v := range r.Header {
		lower[strings.ToLower(k)] = v
	}
	var b strings.Builder
	for _, name := range signed {
		vals := append([]string(nil), lower[name]...)
		if name == "host" {
			vals = []string{r.Host}
		}
		sort.Strings(vals)
		for _, v := range vals {
			b.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	return b.String()
}

// StringToSign returns "SDK-HMAC-SHA256\n" + sdkDate + "\n" +
// hex(sha256(canonicalRequest)).
func StringToSign(canonicalRequest, sdkDate string) string {
	return stringToSign(canonicalRequest, sdkDate)
}

func stringToSign(cr, sdkDate string) string {
	sum := sha256.Sum256([]byte(cr))
	return signAlgorithm + "\n" + sdkDate + "\n" + hex.EncodeToString(sum[:])
}

func signString(sts, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(sts))
	return hex.EncodeToString(m.Sum(nil))
}

// sdkEscape percent-encodes everything except the RFC 3986 unreserved
// characters A-Z a-z 0-9 - _ . ~ (upper-case hex), like the APIG signer.
func sdkEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
