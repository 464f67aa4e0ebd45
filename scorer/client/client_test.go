package client

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func readTestdata(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }

func fastOptions(protocol string) Options {
	return Options{Protocol: protocol, Timeout: 300 * time.Millisecond, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

func TestChallengeSendsEchoFalseAndStripsAnEcho(t *testing.T) {
	srv, _, bodies := fakeChallenge(t, " Paris")
	c, err := New(srv.URL, fastOptions(Challenge))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Complete(context.Background(), Request{Prompt: "The capital of France is", MaxTokens: 3, TopK: 1, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != " Paris" || len(r.Tokens) != 1 || *r.Tokens[0].Logprob != -0.5 || r.Logprob != -0.5 {
		t.Errorf("response %+v", r)
	}
	b := (*bodies)[0]
	if echo, ok := b["echo_prompt"].(bool); !ok || echo {
		t.Errorf("echo_prompt must be sent as false, got %v", b["echo_prompt"])
	}
	if b["max_new_tokens"].(float64) != 3 || b["num_samples"].(float64) != 1 || b["seed"].(float64) != 4 {
		t.Errorf("request body %v", b)
	}
	// A server that echoes anyway: the echo is removed from text and tokens.
	r2 := &Response{Text: "PROMPT ans", Tokens: []Token{{Text: "PROMPT"}, {Text: " ans"}}}
	stripEcho(r2, "PROMPT")
	if r2.Text != " ans" || len(r2.Tokens) != 1 || r2.Tokens[0].Text != " ans" {
		t.Errorf("stripEcho: %+v", r2)
	}
}

func TestHostileServersFailWithAReason(t *testing.T) {
	for _, c := range []struct {
		kind, reason string
		retried      bool
	}{
		{"hang", "timeout", true},
		{"500", "http 500", true},
		{"garbage", "invalid json", true},
		{"huge", "body too large", false},
		{"nan", "nan logprob", false},
		{"drip", "timeout", true},
	} {
		t.Run(c.kind, func(t *testing.T) {
			srv, calls := fakeHostile(t, c.kind)
			opt := fastOptions(Challenge)
			if c.kind == "huge" {
				opt.Timeout = 10 * time.Second // reading 4 MiB under -race is slow
			}
			cl, _ := New(srv.URL, opt)
			start := time.Now()
			_, err := cl.Complete(context.Background(), Request{Prompt: "x", MaxTokens: 1})
			if err == nil {
				t.Fatal("no error")
			}
			if got := Reason(err); got != c.reason {
				t.Errorf("reason %q (%v), want %q", got, err, c.reason)
			}
			want := int64(1)
			if c.retried {
				want = 3
			}
			if calls.Load() != want || cl.Calls() != want {
				t.Errorf("%d calls (client counted %d), want %d", calls.Load(), cl.Calls(), want)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("took %s", el)
			}
		})
	}
}

func TestRetriesThenSucceeds(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"text": " ok", "tokens": [], "logprob": -1.5, "request_time": 0}`))
	}))
	defer srv.Close()
	c, _ := New(srv.URL, fastOptions(Challenge))
	r, err := c.Complete(context.Background(), Request{Prompt: "x"})
	if err != nil || r.Text != " ok" || r.Logprob != -1.5 {
		t.Fatalf("got %+v, %v", r, err)
	}
	if n.Load() != 3 {
		t.Errorf("%d calls, want 3", n.Load())
	}
	// A 4xx is the request's fault: no retry.
	var m atomic.Int64
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Add(1)
		http.Error(w, `{"detail":"bad"}`, http.StatusUnprocessableEntity)
	}))
	defer bad.Close()
	c2, _ := New(bad.URL, fastOptions(Challenge))
	if _, err := c2.Complete(context.Background(), Request{Prompt: "x"}); Reason(err) != "http 422" || m.Load() != 1 {
		t.Errorf("4xx: %v after %d calls", err, m.Load())
	}
}

func TestSanitizeJSON(t *testing.T) {
	in := `{"a": NaN, "b": -Infinity, "c": Infinity, "s": "NaN and -Infinity \" NaN", "d": [1, NaN]}`
	out, nan := sanitizeJSON([]byte(in))
	want := `{"a": null, "b": null, "c": null, "s": "NaN and -Infinity \" NaN", "d": [1, null]}`
	if string(out) != want || !nan {
		t.Errorf("got %s (nan=%v)", out, nan)
	}
	out, nan = sanitizeJSON([]byte(`{"top": {"x": -Infinity}}`))
	if string(out) != `{"top": {"x": null}}` || nan {
		t.Errorf("infinity alone: %s %v", out, nan)
	}
	if v := finite(ptr(math.Inf(-1))); v != nil {
		t.Error("infinite logprob kept")
	}
}

func ptr(f float64) *float64 { return &f }

func TestOpenAIShapes(t *testing.T) {
	for _, file := range []string{"llamacpp_completions.json", "vllm_completions.json"} {
		t.Run(file, func(t *testing.T) {
			srv, reqs := fakeRecorded(t, file)
			c, _ := New(srv.URL, fastOptions(OpenAI))
			if err := c.WaitHealthy(context.Background(), time.Second); err != nil {
				t.Fatal(err)
			}
			if c.Identity() != "openai "+srv.URL+" model=tiny-llama" {
				t.Errorf("identity %q: model not discovered from /v1/models", c.Identity())
			}
			r, err := c.Complete(context.Background(), Request{Prompt: "The capital of France is", MaxTokens: 4, Stop: []string{"\n"}})
			if err != nil {
				t.Fatal(err)
			}
			if r.Text != " Paris, the city" || len(r.Tokens) != 4 {
				t.Fatalf("response %+v", r)
			}
			want := []struct {
				text string
				lp   float64
				top  int
			}{{" Paris", -0.4125, 2}, {",", -1.25, 2}, {" the", -0.0761, 1}, {" city", -2.5, 2}}
			for i, w := range want {
				tk := r.Tokens[i]
				if tk.Text != w.text || tk.Logprob == nil || *tk.Logprob != w.lp {
					t.Errorf("token %d: %+v, want %q %v", i, tk, w.text, w.lp)
				}
				if file == "vllm_completions.json" && i == 3 {
					w.top = 0 // its top_logprobs entry is null
				}
				if len(tk.Top) != w.top {
					t.Errorf("token %d: top %v, want %d entries", i, tk.Top, w.top)
				}
			}
			if math.Abs(r.Logprob-(-4.2386)) > 1e-9 {
				t.Errorf("logprob %v", r.Logprob)
			}
			last := (*reqs)[len(*reqs)-1]
			if last["model"] != "tiny-llama" || last["echo"] != false || last["logprobs"].(float64) != 1 {
				t.Errorf("request %v", last)
			}
		})
	}
}

func TestTokenizeAndDecode(t *testing.T) {
	srv, calls, bodies := fakeChallenge(t, "x")
	c, _ := New(srv.URL, fastOptions(Challenge))
	n, err := c.CountTokens(context.Background(), "one two three")
	if err != nil || n != 3 {
		t.Fatalf("CountTokens = %d, %v", n, err)
	}
	if b := (*bodies)[0]; b["truncation"] != false {
		t.Errorf("tokenize must ask for no truncation: %v", b)
	}
	if s, err := c.Decode(context.Background(), []int{1, 2}); err != nil || s != "decoded" {
		t.Errorf("Decode = %q, %v", s, err)
	}
	// No tokenize endpoint: ErrNoTokenizer, remembered without more calls.
	none := httptest.NewServer(http.NotFoundHandler())
	defer none.Close()
	c2, _ := New(none.URL, fastOptions(OpenAI))
	for range 2 {
		if _, err := c2.CountTokens(context.Background(), "x"); !errors.Is(err, ErrNoTokenizer) {
			t.Fatalf("got %v", err)
		}
	}
	if c2.Calls() != 1 {
		t.Errorf("%d calls for a missing tokenizer, want 1", c2.Calls())
	}
	_ = calls
}

func TestHealthWaitsForAServerStarting(t *testing.T) {
	var up atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"text": " Paris", "tokens": [], "logprob": 0, "request_time": 0}`))
	}))
	defer srv.Close()
	time.AfterFunc(100*time.Millisecond, func() { up.Store(true) })
	c, _ := New(srv.URL, fastOptions(Challenge))
	if err := c.WaitHealthy(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// Nothing listening: an error within the deadline, naming the server.
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	c2, _ := New(url, fastOptions(Challenge))
	start := time.Now()
	err := c2.WaitHealthy(context.Background(), 200*time.Millisecond)
	if err == nil || Reason(err) != "connection error" {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Error("health wait overran its deadline")
	}
}

func TestNewRejectsBadEndpoints(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://x", "http://"} {
		if _, err := New(u, Options{}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	if _, err := New("http://x", Options{Protocol: "grpc"}); err == nil {
		t.Error("unknown protocol accepted")
	}
}

// Prompts reach the server exactly, whatever characters they hold.
func TestPromptsReachTheServerIntact(t *testing.T) {
	srv, _, bodies := fakeChallenge(t, " ok")
	c, _ := New(srv.URL, fastOptions(Challenge))
	for _, p := range []string{"plain", "quote \" back \\ nl \n cr \r tab \t bell \x07", "ünï \u2028 \u2029 <&>", "bad \xff utf8", ""} {
		if _, err := c.Complete(context.Background(), Request{Prompt: p, MaxTokens: 7, TopK: 1, Temperature: 0.25, Seed: -3}); err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		b := (*bodies)[len(*bodies)-1]
		want := strings.ToValidUTF8(p, "\ufffd")
		if b["prompt"] != want || b["max_new_tokens"] != 7.0 || b["top_k"] != 1.0 || b["temperature"] != 0.25 || b["seed"] != -3.0 || b["echo_prompt"] != false {
			t.Errorf("%q: server got %v", p, b)
		}
	}
}
