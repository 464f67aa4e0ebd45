package client

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// topOf is the Top a parser makes of m.
func topOf(m map[string]float64) Top {
	var t Top
	for k, v := range m {
		t = append(t, Alt{k, v})
	}
	return sortTop(t)
}

// marshal encodes v as the predictions file does (html false) or as
// json.Marshal does (html true).
func marshal(v any, html bool) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	err := enc.Encode(v)
	return b.String(), err
}

// A Top reads and writes as the map it stands for, byte for byte.
func TestTopIsWrittenAsAMap(t *testing.T) {
	keys := []string{"", " Paris", "<b>&amp;</b>", "\u2028\u2029", "\x00\x01\t\n\r\"\\/", "é😀中", "\x7f", "a", "A", "aa", "\ufffd"}
	vals := []float64{0, math.Copysign(0, -1), -0.5, -2e-1, -1e-6, -9.99e-7, -1e-7, 1e20, 1e21, -1.2345678901234567e300,
		5e-324, math.MaxFloat64, -12345678.9, 1, 0.1 + 0.2}
	r := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		m := map[string]float64{}
		for range r.IntN(6) {
			k := keys[r.IntN(len(keys))]
			if r.IntN(3) == 0 {
				b := make([]byte, r.IntN(6))
				for j := range b {
					b[j] = byte(r.IntN(256))
				}
				k = strings.ToValidUTF8(string(b), "\ufffd") // parsers make keys valid
			}
			v := vals[r.IntN(len(vals))]
			if r.IntN(2) == 0 {
				v = math.Float64frombits(r.Uint64())
				if math.IsNaN(v) || math.IsInf(v, 0) {
					v = -1
				}
			}
			m[k] = v
		}
		if len(m) == 0 {
			m = nil // parsers leave a Top nil, as they left the map
		}
		top := topOf(m)
		for _, html := range []bool{false, true} {
			want, _ := marshal(m, html)
			got, err := marshal(top, html)
			if err != nil || got != want {
				t.Fatalf("html %v: %s (%v), want %s", html, got, err, want)
			}
			// In a token, as Token was with a map.
			want, _ = marshal(mapToken{Text: "x", Top: m}, html)
			if got, _ := marshal(Token{Text: "x", Top: top}, html); got != want {
				t.Fatalf("token, html %v: %s, want %s", html, got, want)
			}
		}
		var back Top
		data, _ := json.Marshal(m)
		if err := json.Unmarshal(data, &back); err != nil || !slices.Equal(back, topOf(m)) {
			t.Fatalf("read back %s: %v (%v), want %v", data, back, err, topOf(m))
		}
	}
	var back Top
	if err := json.Unmarshal([]byte("null"), &back); err != nil || back != nil {
		t.Errorf("null read as %v, %v", back, err)
	}
	// Non-finite numbers cannot be written, in a map or a Top.
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := json.Marshal(Top{{"a", v}}); err == nil {
			t.Errorf("%v written", v)
		}
	}
}

// mapToken is Token as it was, with a map.
type mapToken struct {
	Text    string             `json:"text"`
	Logprob *float64           `json:"logprob"`
	Top     map[string]float64 `json:"top,omitempty"`
}

// sortTop keeps the last of equal texts, as map assignments would.
func TestSortTopKeepsTheLast(t *testing.T) {
	got := sortTop(Top{{"b", 1}, {"a", 2}, {"b", 3}, {"c", 4}, {"a", 5}})
	m := map[string]float64{}
	for _, a := range []Alt{{"b", 1}, {"a", 2}, {"b", 3}, {"c", 4}, {"a", 5}} {
		m[a.Text] = a.Logprob
	}
	if want := topOf(m); !slices.Equal(got, want) || !maps.Equal(m, map[string]float64{"a": 5, "b": 3, "c": 4}) {
		t.Errorf("got %v, want %v", got, want)
	}
}
