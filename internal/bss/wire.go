package bss

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// The reference mixes Double, BigDecimal and String for amounts, Integer and
// String for measure_id, and uses null freely. These wire types accept every
// spelling seen in the reference and never go through float64.

// maxDecimalExponent bounds the decimal exponent of decoded amounts.
const maxDecimalExponent = 40

// wireDecimal is a JSON number or numeric string decoded exactly. Null and
// "" leave it invalid.
type wireDecimal struct {
	D     decimal.Decimal
	Valid bool
}

// UnmarshalJSON decodes a number literal or a quoted number.
func (w *wireDecimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*w = wireDecimal{}
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode amount: %w", err)
		}
		if s == "" {
			*w = wireDecimal{}
			return nil
		}
	}
	if len(s) > 80 {
		return fmt.Errorf("decode amount: number too long (%d bytes)", len(s))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("decode amount %q: %w", truncate(s, 40), err)
	}
	if e := d.Exponent(); e < -maxDecimalExponent || e > maxDecimalExponent {
		// Such exponents are never money and would expand to huge strings.
		return fmt.Errorf("decode amount %q: exponent out of range", truncate(s, 40))
	}
	*w = wireDecimal{D: d, Valid: true}
	return nil
}

// wireInt is a JSON integer or quoted integer. Null and "" leave it invalid.
type wireInt struct {
	V     int64
	Valid bool
}

// UnmarshalJSON decodes an integer literal or a quoted integer.
func (w *wireInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*w = wireInt{}
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode integer: %w", err)
		}
		if s == "" {
			*w = wireInt{}
			return nil
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Accept integral decimals such as 2.0, never fractional ones, nor
		// ones outside int64, which IntPart would silently wrap.
		d, derr := decimal.NewFromString(s)
		if len(s) > 40 || derr != nil || !d.IsInteger() ||
			d.Cmp(decimal.NewFromInt(math.MinInt64)) < 0 || d.Cmp(decimal.NewFromInt(math.MaxInt64)) > 0 {
			return fmt.Errorf("decode integer %q: %w", truncate(s, 40), err)
		}
		v = d.IntPart()
	}
	*w = wireInt{V: v, Valid: true}
	return nil
}

// Int returns the value, or def when absent.
func (w wireInt) Int(def int) int {
	if !w.Valid {
		return def
	}
	return int(w.V)
}

// wireTime is a UTC timestamp in yyyy-MM-dd'T'HH:mm:ss'Z'. Null and "" give
// the zero time.
type wireTime struct {
	T time.Time
}

// timeLayouts lists the accepted layouts, the documented one first.
var timeLayouts = []string{"2006-01-02T15:04:05Z", time.RFC3339, time.RFC3339Nano}

// UnmarshalJSON decodes a timestamp string.
func (w *wireTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*w = wireTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("decode time: %w", err)
	}
	if s == "" {
		*w = wireTime{}
		return nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			*w = wireTime{T: t.UTC()}
			return nil
		}
	}
	return fmt.Errorf("decode time %q: not yyyy-MM-ddTHH:mm:ssZ", truncate(s, 40))
}

// formatTime renders t in the request format, or "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// Measure ids for amounts (digest §2.8).
const (
	measureUnit = 1 // 1 Yuan/Dollar
	measureCent = 3 // Fen/Cent
)

// moneyFrom normalises an amount with a measure id into Money in major
// units. An absent measure id means major units (1): every API the client
// calls defaults to it (summary bills are v2, in currency units). Unknown
// measure ids are an error: guessing the scale of money is never acceptable.
func moneyFrom(w wireDecimal, measure wireInt, currency string) (Money, error) {
	if !w.Valid {
		return Money{Currency: currency}, nil
	}
	switch m := measure.Int(measureUnit); m {
	case measureUnit:
		return Money{Amount: w.D, Currency: currency}, nil
	case measureCent:
		return Money{Amount: w.D.Shift(-2), Currency: currency}, nil
	default:
		return Money{}, fmt.Errorf("unsupported money measure_id %d", m)
	}
}

// optMoney is like moneyFrom but returns nil for an absent amount.
func optMoney(w wireDecimal, measure wireInt, currency string) (*Money, error) {
	if !w.Valid {
		return nil, nil
	}
	m, err := moneyFrom(w, measure, currency)
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// envelope is the error part shared by every BSS body, including the
// gateway's 429 body (error_message, request_id).
type envelope struct {
	ErrorCode    string `json:"error_code"`
	ErrorMsg     string `json:"error_msg"`
	ErrorMessage string `json:"error_message"`
	RequestID    string `json:"request_id"`
}

func (e envelope) message() string {
	if e.ErrorMsg != "" {
		return e.ErrorMsg
	}
	return e.ErrorMessage
}

// failed reports whether the body carries an error code other than success.
func (e envelope) failed() bool {
	return e.ErrorCode != "" && e.ErrorCode != CodeSuccess
}

// wireFailure is FailResourceInfo (4.2.3, 6.3.2, 6.3.3) and ErrorDetail (6.3.6).
type wireFailure struct {
	ID         string `json:"id"`
	ResourceID string `json:"resource_id"`
	ErrorCode  string `json:"error_code"`
	ErrorMsg   string `json:"error_msg"`
}

func (f wireFailure) toItem() ItemFailure {
	id := f.ResourceID
	if id == "" {
		id = f.ID
	}
	return ItemFailure{ResourceID: id, Code: f.ErrorCode, Message: f.ErrorMsg}
}

func itemFailures(in []wireFailure) []ItemFailure {
	if len(in) == 0 {
		return nil
	}
	out := make([]ItemFailure, 0, len(in))
	for _, f := range in {
		out = append(out, f.toItem())
	}
	return out
}

// wireText is a JSON string, or a number kept as its literal text.
type wireText string

// UnmarshalJSON decodes a string or keeps a number's literal.
func (w *wireText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*w = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode text: %w", err)
		}
		*w = wireText(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("decode text: %w", err)
		}
		*w = wireText(n.String())
	}
	return nil
}
