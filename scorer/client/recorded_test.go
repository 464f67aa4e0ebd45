package client

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// serveRecorded answers every request with one recorded body.
func serveRecorded(t *testing.T, file string) string {
	t.Helper()
	body, err := readTestdata(file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func spell(toks []Token) (string, float64) {
	var b strings.Builder
	sum := 0.0
	for _, t := range toks {
		b.WriteString(t.Text)
		if t.Logprob != nil {
			sum += *t.Logprob
		}
	}
	return b.String(), sum
}

// Responses recorded from the real sample submission (see
// testdata/submission-llamacpp-RECORDED.md).
func TestRecordedSubmissionResponses(t *testing.T) {
	opt := Options{Timeout: 2 * time.Second, Retries: -1, Model: "wordnet-tiny"}
	ctx := context.Background()

	// Both logprob shapes of /v1/completions give the same tokens.
	var shapes [][]Token
	for _, f := range []string{"submission-llamacpp-completions-legacy.json", "submission-llamacpp-completions-llamacpp.json"} {
		opt.Protocol = OpenAI
		c, _ := New(serveRecorded(t, f), opt)
		r, err := c.Complete(ctx, Request{Prompt: "Question: Which word means to watch and direct?\nA. oversee\nB. harbor\nC. sing\nAnswer:", MaxTokens: 12})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		text, sum := spell(r.Tokens)
		if r.Text != " the major of the United States." || text != r.Text || len(r.Tokens) != 9 || math.Abs(sum-r.Logprob) > 1e-12 {
			t.Errorf("%s: text %q, tokens spell %q (%d), logprob %v vs %v", f, r.Text, text, len(r.Tokens), r.Logprob, sum)
		}
		for i, tok := range r.Tokens {
			if tok.Logprob == nil || *tok.Logprob >= 0 || len(tok.Top) != 3 {
				t.Errorf("%s: token %d %+v", f, i, tok)
			}
		}
		shapes = append(shapes, r.Tokens)
	}
	for i := range shapes[0] {
		a, b := shapes[0][i], shapes[1][i]
		if a.Text != b.Text || *a.Logprob != *b.Logprob || !slices.Equal(a.Top, b.Top) {
			t.Errorf("token %d: legacy %+v, llama.cpp %+v", i, a, b)
		}
	}

	// /process, without and with the echo quirk.
	opt.Protocol = Challenge
	c, _ := New(serveRecorded(t, "submission-llamacpp-process.json"), opt)
	r, err := c.Complete(ctx, Request{Prompt: "Question: Which word means to watch and direct?\nA. oversee\nB. harbor\nC. sing\nAnswer:", MaxTokens: 6})
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := spell(r.Tokens); r.Text != " the major of the" || text != r.Text {
		t.Errorf("process: %q, tokens spell %q", r.Text, text)
	}
	c, _ = New(serveRecorded(t, "submission-llamacpp-process-echo.json"), opt)
	r, err = c.Complete(ctx, Request{Prompt: "The capital of France is ", MaxTokens: 6})
	if err != nil {
		t.Fatal(err)
	}
	text, sum := spell(r.Tokens)
	if r.Text != "1986 (1" || text != r.Text || math.Abs(sum-r.Logprob) > 1e-12 {
		t.Errorf("echoed process: %q, tokens spell %q, logprob %v vs %v", r.Text, text, r.Logprob, sum)
	}
}

func TestStripEchoSplitsAStraddlingToken(t *testing.T) {
	lp := -1.0
	r := &Response{Text: "Say hi there", Tokens: []Token{{Text: "Say"}, {Text: " h", Logprob: &lp}, {Text: "i"}, {Text: " there"}}}
	stripEcho(r, "Say ")
	if text, _ := spell(r.Tokens); r.Text != "hi there" || text != "hi there" || r.Tokens[0].Logprob != &lp {
		t.Errorf("%q, tokens %+v", r.Text, r.Tokens)
	}
}
