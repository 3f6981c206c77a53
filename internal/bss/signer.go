package bss

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Huawei Cloud API Gateway AK/SK signing (SDK-HMAC-SHA256), as implemented
// by the official SDKs:
//
//	CanonicalRequest = Method "\n" CanonicalURI "\n" CanonicalQuery "\n"
//	                   CanonicalHeaders "\n" SignedHeaders "\n" hex(SHA256(body))
//
// where CanonicalHeaders is one "name:value\n" line per signed header (so the
// block itself ends with a newline), CanonicalURI escapes every path segment
// and always ends in "/", and CanonicalQuery sorts keys (then values) and
// escapes both. StringToSign = "SDK-HMAC-SHA256\n" X-Sdk-Date "\n"
// hex(SHA256(CanonicalRequest)); the signature is hex(HMAC-SHA256(SK, StringToSign)).

const (
	// SignAlgorithm is the AK/SK signing algorithm name.
	SignAlgorithm = "SDK-HMAC-SHA256"
	// HeaderSdkDate carries the signing time.
	HeaderSdkDate = "X-Sdk-Date"
	// SdkDateFormat is the X-Sdk-Date layout (UTC).
	SdkDateFormat = "20060102T150405Z"
	// HeaderAuthToken carries an IAM token.
	HeaderAuthToken = "X-Auth-Token"
	// HeaderSecurityToken carries the session token of temporary credentials.
	HeaderSecurityToken = "X-Security-Token"
	// HeaderDomainID carries the account (domain) id for global services.
	HeaderDomainID = "X-Domain-Id"
)

// signedHeaderNames are the request headers the client signs besides host,
// when present. Content-Type is left out, as in the official SDKs.
var signedHeaderNames = []string{HeaderSdkDate, HeaderDomainID, HeaderSecurityToken}

// signRequest is the input of the signer, independent of net/http so that
// the canonical form is fully determined by it.
type signRequest struct {
	Method string
	// Segments are the decoded path segments, e.g. ["v2","orders","x"].
	Segments []string
	// Query are the decoded query parameters.
	Query map[string][]string
	// Host is the Host header value as sent (host[:port]).
	Host string
	// Headers are the header values to sign besides host, by canonical name.
	Headers http.Header
	// Body is the exact request body.
	Body []byte
}

// escapeSigning percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ with
// upper-case hex, the encoding of the signing scheme (space is %20).
func escapeSigning(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		const hexUpper = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

// escapedPath renders decoded segments as "/a/b" with every segment escaped.
// The same string is sent on the wire, so the server decodes exactly the
// segments that were signed.
func escapedPath(segments []string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(escapeSigning(s))
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// canonicalURI is the escaped path, always ending in "/".
func canonicalURI(segments []string) string {
	p := escapedPath(segments)
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// canonicalQuery sorts keys, then each key's values, and escapes both. The
// wire query string uses the same form.
func canonicalQuery(q map[string][]string) string {
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
			parts = append(parts, escapeSigning(k)+"="+escapeSigning(v))
		}
	}
	return strings.Join(parts, "&")
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonicalRequest builds the canonical request and the signed header list.
func canonicalRequest(r signRequest) (canonical, signed string) {
	values := map[string]string{"host": strings.TrimSpace(r.Host)}
	names := []string{"host"}
	for name, vals := range r.Headers {
		lower := strings.ToLower(name)
		if lower == "host" || len(vals) == 0 {
			continue
		}
		sorted := append([]string(nil), vals...)
		sort.Strings(sorted)
		for i := range sorted {
			sorted[i] = strings.TrimSpace(sorted[i])
		}
		values[lower] = strings.Join(sorted, ",")
		names = append(names, lower)
	}
	sort.Strings(names)
	var hb strings.Builder
	for _, n := range names {
		hb.WriteString(n)
		hb.WriteByte(':')
		hb.WriteString(values[n])
		hb.WriteByte('\n')
	}
	signed = strings.Join(names, ";")
	canonical = strings.Join([]string{
		r.Method,
		canonicalURI(r.Segments),
		canonicalQuery(r.Query),
		hb.String(),
		signed,
		hexSHA256(r.Body),
	}, "\n")
	return canonical, signed
}

// stringToSign hashes the canonical request under the algorithm and date.
func stringToSign(canonical, sdkDate string) string {
	return SignAlgorithm + "\n" + sdkDate + "\n" + hexSHA256([]byte(canonical))
}

// authorization computes the Authorization header value for r signed at t.
// r.Headers must already hold X-Sdk-Date formatted from t.
func authorization(r signRequest, t time.Time, ak, sk string) string {
	canonical, signed := canonicalRequest(r)
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(stringToSign(canonical, t.UTC().Format(SdkDateFormat))))
	sig := hex.EncodeToString(mac.Sum(nil))
	return SignAlgorithm + " Access=" + ak + ", SignedHeaders=" + signed + ", Signature=" + sig
}

// signHeaders returns the subset of h that is signed.
func signHeaders(h http.Header) http.Header {
	out := http.Header{}
	for _, n := range signedHeaderNames {
		if v := h.Values(n); len(v) > 0 {
			out[http.CanonicalHeaderKey(n)] = append([]string(nil), v...)
		}
	}
	return out
}
