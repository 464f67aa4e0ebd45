// Package client talks to a submission's inference server: the 2023
// challenge protocol (/process, /tokenize, /decode) or the OpenAI-compatible
// /v1/completions. Every call has a timeout, retries with jittered back-off
// and a capped response body.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Protocols.
const (
	Challenge = "challenge"
	OpenAI    = "openai"
)

// Request asks for one completion.
type Request struct {
	Prompt      string   `json:"prompt"`
	MaxTokens   int      `json:"max_tokens"`
	Temperature float64  `json:"temperature"`
	TopK        int      `json:"top_k"`
	Seed        int64    `json:"seed"`
	Stop        []string `json:"stop,omitempty"` // sent where the protocol has it; always cut on our side too
}

// Token is one generated token with its log-probability. Logprob is nil
// where the server gave none (or an infinite one).
type Token struct {
	Text    string   `json:"text"`
	Logprob *float64 `json:"logprob"`
	Top     Top      `json:"top,omitempty"`
}

// Response is one completion, prompt echo removed.
type Response struct {
	Text      string  `json:"text"`
	Tokens    []Token `json:"tokens,omitempty"`
	Logprob   float64 `json:"logprob"`
	Simulated bool    `json:"simulated,omitempty"` // the server said it is a simulation
	Body      []byte  `json:"-"`                   // the body as received (NaN-free), for a cache
}

// ErrNoTokenizer says the server has no tokenize endpoint.
var ErrNoTokenizer = errors.New("server has no tokenize endpoint")

// Error is a failed call. Reason is a short, stable category used to count
// failures ("timeout", "http 500", "invalid json", ...).
type Error struct {
	Endpoint string
	Reason   string
	Detail   string
	retry    bool
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Endpoint + ": " + e.Reason
	}
	return e.Endpoint + ": " + e.Reason + ": " + e.Detail
}

// Reason returns the failure category of err.
func Reason(err error) string {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Reason
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return "error"
}

// Options tune an HTTP client. Zero values take the defaults.
type Options struct {
	Protocol    string        // Challenge (default) or OpenAI
	Model       string        // OpenAI model name; discovered from /v1/models when empty
	Timeout     time.Duration // per attempt, whole body included; default 120s
	Retries     int           // extra attempts after a transient failure; default 2, -1 for none
	Backoff     time.Duration // first back-off; default 500ms, doubling, jittered ±50%
	MaxBackoff  time.Duration // default 10s
	MaxBody     int64         // response body cap in bytes; default 4 MiB
	Concurrency int           // connections kept open; default 32
}

// HTTP is a client for one endpoint.
type HTTP struct {
	base   string
	opt    Options
	hc     *fasthttp.HostClient
	uris   sync.Map // path -> *fasthttp.URI
	conns  connSet  // open connections, closed when a context is canceled
	watch  sync.Map // context.Context -> *watch
	calls  atomic.Int64
	noTok  atomic.Bool
	model  atomic.Pointer[string]
	random func() float64
}

// New returns a client for the server at base (e.g. http://localhost:8080).
func New(base string, opt Options) (*HTTP, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q: want an http(s) URL such as http://localhost:8080", base)
	}
	switch opt.Protocol {
	case "":
		opt.Protocol = Challenge
	case Challenge, OpenAI:
	default:
		return nil, fmt.Errorf("unknown protocol %q (want %q or %q)", opt.Protocol, Challenge, OpenAI)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 120 * time.Second
	}
	if opt.Retries == 0 {
		opt.Retries = 2
	} else if opt.Retries < 0 {
		opt.Retries = 0
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 500 * time.Millisecond
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 10 * time.Second
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 4 << 20
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 32
	}
	c := &HTTP{base: strings.TrimRight(u.String(), "/"), opt: opt, random: rand.Float64}
	c.hc = newHostClient(u, opt, &c.conns)
	m := opt.Model
	c.model.Store(&m)
	return c, nil
}

// Protocol is the client's protocol.
func (c *HTTP) Protocol() string { return c.opt.Protocol }

// Identity names the endpoint for the response cache: protocol, URL and,
// for OpenAI servers, the model.
func (c *HTTP) Identity() string {
	id := c.opt.Protocol + " " + c.base
	if c.opt.Protocol == OpenAI {
		id += " model=" + *c.model.Load()
	}
	return id
}

// Calls is the number of HTTP requests sent so far.
func (c *HTTP) Calls() int64 { return c.calls.Load() }

// Close releases idle connections.
func (c *HTTP) Close() {
	c.hc.CloseIdleConnections()
	c.watch.Range(func(k, v any) bool {
		v.(*watch).stop()
		c.watch.Delete(k)
		return true
	})
}

// Complete asks for one completion.
func (c *HTTP) Complete(ctx context.Context, req Request) (*Response, error) {
	if c.opt.Protocol == OpenAI {
		return c.completeOpenAI(ctx, req)
	}
	return c.completeChallenge(ctx, req)
}

// CountTokens returns how many tokens the server's tokenizer makes of text,
// or ErrNoTokenizer.
func (c *HTTP) CountTokens(ctx context.Context, text string) (int, error) {
	if c.noTok.Load() {
		return 0, ErrNoTokenizer
	}
	body := map[string]any{"text": text, "truncation": false, "max_length": 1 << 30}
	if c.opt.Protocol == OpenAI {
		// One body that llama.cpp (content), vLLM (prompt) and our challenge
		// servers (text) all read.
		body = map[string]any{"text": text, "content": text, "prompt": text, "truncation": false, "add_special": true, "add_special_tokens": true}
		if m := *c.model.Load(); m != "" {
			body["model"] = m
		}
	}
	var out struct {
		Tokens []json.RawMessage `json:"tokens"`
	}
	err := c.call(ctx, http.MethodPost, "/tokenize", body, func(b []byte) error {
		if err := json.Unmarshal(b, &out); err != nil {
			return err
		}
		if out.Tokens == nil {
			return errors.New(`no "tokens" field`)
		}
		return nil
	})
	var ce *Error
	if errors.As(err, &ce) && (ce.Reason == "http 404" || ce.Reason == "http 405" || ce.Reason == "http 501") {
		c.noTok.Store(true)
		return 0, ErrNoTokenizer
	}
	if err != nil {
		return 0, err
	}
	return len(out.Tokens), nil
}

// Decode turns token IDs back into text (challenge protocol).
func (c *HTTP) Decode(ctx context.Context, tokens []int) (string, error) {
	var out struct {
		Text *string `json:"text"`
	}
	err := c.call(ctx, http.MethodPost, "/decode", map[string]any{"tokens": tokens}, func(b []byte) error {
		if err := json.Unmarshal(b, &out); err != nil {
			return err
		}
		if out.Text == nil {
			return errors.New(`no "text" field`)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return *out.Text, nil
}

// HealthPrompt is what the 2023 organizers sent to check a server was up.
const HealthPrompt = "The capital of France is "

// WaitHealthy checks the server as the organizers did, a completion of
// HealthPrompt, retried with back-off until it answers or wait has passed.
// For OpenAI servers with no model given it also discovers the model.
func (c *HTTP) WaitHealthy(ctx context.Context, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	delay := c.opt.Backoff
	var err error
	for {
		e := c.healthOnce(ctx)
		if e == nil {
			return nil
		}
		// An attempt cut short by the wait's own deadline says less than
		// the one before it (connection refused, http 503, ...).
		dl, _ := ctx.Deadline()
		if err == nil || (ctx.Err() == nil && time.Now().Before(dl)) {
			err = e
		}
		sleep := c.jitter(delay)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < sleep {
			return fmt.Errorf("server at %s did not answer within %s: %w", c.base, wait, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server at %s did not answer within %s: %w", c.base, wait, err)
		case <-time.After(sleep):
		}
		delay = min(delay*2, c.opt.MaxBackoff)
	}
}

func (c *HTTP) healthOnce(ctx context.Context) error {
	ctx = context.WithValue(ctx, noRetry{}, true)
	if c.opt.Protocol == OpenAI && *c.model.Load() == "" {
		var models struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		// Servers without /v1/models (or with several models) need --model.
		if err := c.call(ctx, http.MethodGet, "/v1/models", nil, func(b []byte) error { return json.Unmarshal(b, &models) }); err == nil && len(models.Data) > 0 {
			m := models.Data[0].ID
			c.model.Store(&m)
		}
	}
	_, err := c.Complete(ctx, Request{Prompt: HealthPrompt, MaxTokens: 1, Temperature: 0, TopK: 1})
	return err
}

type noRetry struct{}

// retryable says whether a failed call may succeed if sent again.
func retryable(err error) bool {
	var ce *Error
	return errors.As(err, &ce) && ce.retry
}

func (c *HTTP) jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.5 + c.random()))
}

// call sends one request with retries, body (if not nil) as JSON; parse
// reads the sanitized body.
func (c *HTTP) call(ctx context.Context, method, path string, body any, parse func([]byte) error) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = encode(path, body); err != nil {
			return err
		}
	}
	_, err := c.callSim(ctx, method, path, payload, parse)
	return err
}

// encode is a request body as JSON.
func encode(path string, body any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, &Error{Endpoint: path, Reason: "bad request", Detail: err.Error()}
	}
	return b, nil
}

// callSim sends one request with retries, the payload already encoded,
// and says whether the server marked itself simulated.
func (c *HTTP) callSim(ctx context.Context, method, path string, payload []byte, parse func([]byte) error) (bool, error) {
	retries := c.opt.Retries
	if ctx.Value(noRetry{}) != nil {
		retries = 0
	}
	delay := c.opt.Backoff
	for attempt := 0; ; attempt++ {
		sim, err := c.once(ctx, method, path, payload, parse)
		if err == nil || !retryable(err) || attempt >= retries || ctx.Err() != nil {
			return sim, err
		}
		select {
		case <-ctx.Done():
			return false, err
		case <-time.After(c.jitter(delay)):
		}
		delay = min(delay*2, c.opt.MaxBackoff)
	}
}

func snippet(b []byte) string {
	const max = 200
	s := strings.ToValidUTF8(string(b[:min(len(b), max)]), "?")
	if len(b) > max {
		s += "..."
	}
	return strings.TrimSpace(s)
}

// finite turns a parsed logprob into a pointer, nil when absent or infinite.
func finite(p *float64) *float64 {
	if p == nil || math.IsInf(*p, 0) || math.IsNaN(*p) {
		return nil
	}
	v := *p
	return &v
}
