package client

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// parseProcess must read every body encoding/json accepts exactly as
// encoding/json does. It may accept a little more (fastjson reads nan and
// inf as numbers); it must never panic.
func TestProcessParserAgreesWithEncodingJSON(t *testing.T) {
	bodies := []string{
		`{"text": " Paris", "tokens": [{"text": " Paris", "logprob": -0.5, "top_logprob": {" Paris": -0.5, " Rome": -2e-1}}], "logprob": -0.5, "request_time": 0.1}`,
		`{"request_time": 1, "extra": {"a": [1, 2, {"b": null}], "c": "x\"y"}, "text": "esc \" \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00 \ud800 x", "tokens": [], "logprob": null}`,
		`{"text": "", "tokens": null}`,
		`{"text": "ünïcödé ✓", "tokens": [{"text": "a", "logprob": null, "top_logprob": {"a": null, "b": 1}}, {"text": "b", "logprob": 3, "top_logprob": {}}], "logprob": 1E2}`,
		`{"text": "bad \xff utf8", "tokens": [{"text": "\xff", "logprob": -1, "top_logprob": {"\xfe": -1}}]}`,
		`  {"text":"x","tokens":[{"logprob":-1,"text":"x","unknown":[true,false,null]}]}  `,
		`{"te\u0078t": "escaped key"}`,
		`{"text": 5}`,
		`{"text": "x"} trailing`,
		`{"text": "x",}`,
		`{"tokens": []}`,
		`[1]`,
		``,
		`{"text": "unterminated`,
	}
	for _, b := range bodies {
		checkAgree(t, b)
	}
	// Random mutations of a valid body.
	base := bodies[0]
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		bs := []byte(base)
		for range 1 + r.IntN(3) {
			i := r.IntN(len(bs))
			switch r.IntN(3) {
			case 0:
				bs = append(bs[:i], bs[i+1:]...)
			case 1:
				const set = `{}[]",:\ -0123456789.eEnulltrfas`
				bs[i] = set[r.IntN(len(set))]
			default:
				bs = append(bs[:i], append([]byte{`"\{}[,`[r.IntN(6)]}, bs[i:]...)...)
			}
		}
		checkAgree(t, string(bs))
	}
}

func checkAgree(t *testing.T, body string) {
	t.Helper()
	std, errStd := parseProcessStd([]byte(body), "")
	got, errGot := parseProcess([]byte(body), "")
	if errStd != nil {
		return
	}
	if errGot != nil {
		t.Fatalf("%q: encoding/json reads it, ours fails: %v", body, errGot)
	}
	got.Body, std.Body = nil, nil
	if !reflect.DeepEqual(norm(got), norm(std)) {
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(std)
		t.Fatalf("%q:\n ours %s\n std  %s", body, a, b)
	}
}

func norm(r *Response) *Response {
	c := *r
	if len(c.Tokens) == 0 {
		c.Tokens = nil
	}
	for i := range c.Tokens {
		if len(c.Tokens[i].Top) == 0 {
			c.Tokens[i].Top = nil
		}
	}
	return &c
}

// hasSurrogateEscape finds what two bytes.Contains would.
func TestHasSurrogateEscape(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = `\udDx`[r.IntN(5)]
		}
		want := bytes.Contains(b, []byte(`\ud`)) || bytes.Contains(b, []byte(`\uD`))
		if got := hasSurrogateEscape(b); got != want {
			t.Fatalf("%q: %v, want %v", b, got, want)
		}
	}
}
