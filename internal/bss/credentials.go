package bss

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Credentials authenticate calls: either an IAM token, or an AK/SK pair
// (with a security token for temporary credentials). Formatting a
// Credentials value never prints a secret.
type Credentials struct {
	// AccessKey is the AK.
	AccessKey string
	// SecretKey is the SK.
	SecretKey string
	// SecurityToken is the session token of temporary AK/SK credentials.
	SecurityToken string
	// Token is an IAM token sent as X-Auth-Token (valid 24 hours).
	Token string
}

const redacted = "[REDACTED]"

// String prints which kind of credentials these are, without secrets.
func (c Credentials) String() string {
	switch {
	case c.AccessKey != "" || c.SecretKey != "":
		temp := ""
		if c.SecurityToken != "" {
			temp = ", SecurityToken: " + redacted
		}
		return "bss.Credentials{AccessKey: " + redacted + ", SecretKey: " + redacted + temp + "}"
	case c.Token != "":
		return "bss.Credentials{Token: " + redacted + "}"
	default:
		return "bss.Credentials{}"
	}
}

// GoString is used by %#v; it redacts like String.
func (c Credentials) GoString() string { return c.String() }

// Format redacts for every verb, including %v, %+v, %#v, %s and %q.
func (c Credentials) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte(c.String()))
}

// MarshalText redacts, so that structured loggers and encoders that use
// encoding.TextMarshaler never see secrets.
func (c Credentials) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// validate checks that exactly one kind of credentials is set.
func (c Credentials) validate() error {
	aksk := c.AccessKey != "" || c.SecretKey != ""
	switch {
	case aksk && c.Token != "":
		return errors.New("credentials: set either a token or an AK/SK pair, not both")
	case aksk && (c.AccessKey == "" || c.SecretKey == ""):
		return errors.New("credentials: AK/SK needs both the access key and the secret key")
	case !aksk && c.SecurityToken != "":
		return errors.New("credentials: a security token needs an AK/SK pair")
	case !aksk && c.Token == "":
		return errors.New("credentials: none set")
	}
	return nil
}

// fingerprint is a one-way digest of the credentials, used to notice
// rotation. It is never logged; it does not reveal the secret.
func (c Credentials) fingerprint() string {
	h := sha256.New()
	for _, s := range []string{"bss-credentials-v1", c.AccessKey, c.SecretKey, c.SecurityToken, c.Token} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}
