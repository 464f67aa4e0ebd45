package client

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// The hand-written /process body must be byte for byte what encoding/json
// writes, on any prompt.
func TestProcessBodyMatchesEncodingJSON(t *testing.T) {
	prompts := []string{"", "plain", "Question: 2 < 3 && 4 > 1?\nAnswer:", "tab\tquote\" back\\slash \r\b\f \x00\x01\x1f\x7f",
		"bad utf8 \xff\xfe end", "line sep \u2028 para \u2029", "émoji 😀 中文", "\xe2\x80", "trailing \xc3"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		prompts = append(prompts, string(b))
	}
	for i, p := range prompts {
		temp := []float64{0, 0.8, 1, 0.25, 1.5}[i%5]
		body := processRequest{Prompt: p, NumSamples: 1, MaxNewTokens: 50, TopK: 200, Temperature: temp, Seed: int64(i) - 3}
		want, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := body.appendJSON(nil)
		if !ok || string(got) != string(want) {
			t.Fatalf("prompt %q:\n got %s\nwant %s", p, got, want)
		}
	}
}
