package client

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Top is a token's most likely alternatives, sorted by text, each text
// once. It reads and writes as the JSON object a map[string]float64 would
// be, byte for byte, without a map per token.
type Top []Alt

// Alt is one alternative token and its log-probability.
type Alt struct {
	Text    string
	Logprob float64
}

// MarshalJSON writes t as encoding/json writes a map: keys in order,
// escaped but not HTML-escaped (encoding/json escapes the result for
// HTML itself where asked to), numbers as it formats float64s. A
// non-finite number is an error, as in a map.
func (t Top) MarshalJSON() ([]byte, error) {
	if t == nil {
		return []byte("null"), nil // as a nil map
	}
	b := make([]byte, 0, 2+len(t)*24)
	b = append(b, '{')
	for i, a := range t {
		if math.IsNaN(a.Logprob) || math.IsInf(a.Logprob, 0) {
			return nil, &json.UnsupportedValueError{Str: strconv.FormatFloat(a.Logprob, 'g', -1, 64)}
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, a.Text, false)
		b = append(b, ':')
		b = appendJSONFloat(b, a.Logprob)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads t as encoding/json reads a map[string]float64.
func (t *Top) UnmarshalJSON(b []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = nil
	for k, v := range m {
		*t = append(*t, Alt{k, v})
	}
	*t = sortTop(*t)
	return nil
}

// sortTop sorts t by text and keeps the last of equal texts, as
// assignments to a map would.
func sortTop(t Top) Top {
	slices.SortStableFunc(t, func(a, b Alt) int { return strings.Compare(a.Text, b.Text) })
	out := t[:0]
	for i, a := range t {
		if i+1 < len(t) && t[i+1].Text == a.Text {
			continue
		}
		out = append(out, a)
	}
	return out
}

// appendJSONFloat appends a finite f as encoding/json formats a float64.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as in encoding/json.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
