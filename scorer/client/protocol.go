package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// processRequest is the challenge protocol's /process body. echo_prompt is
// always sent false: real servers echo the prompt unless told not to.
type processRequest struct {
	Prompt       string  `json:"prompt"`
	NumSamples   int     `json:"num_samples"`
	MaxNewTokens int     `json:"max_new_tokens"`
	TopK         int     `json:"top_k"`
	Temperature  float64 `json:"temperature"`
	Seed         int64   `json:"seed"`
	EchoPrompt   bool    `json:"echo_prompt"`
}

// rawJSON is a request body already encoded.
type rawJSON []byte

// appendJSON appends the body as encoding/json would encode it (keys in
// field order), without reflection; ok is false for a temperature that
// JSON cannot hold, left to encoding/json to report.
func (p *processRequest) appendJSON(b []byte) ([]byte, bool) {
	if math.IsNaN(p.Temperature) || math.IsInf(p.Temperature, 0) {
		return b, false
	}
	b = append(b, `{"prompt":`...)
	b = appendJSONString(b, p.Prompt)
	b = append(b, `,"num_samples":`...)
	b = strconv.AppendInt(b, int64(p.NumSamples), 10)
	b = append(b, `,"max_new_tokens":`...)
	b = strconv.AppendInt(b, int64(p.MaxNewTokens), 10)
	b = append(b, `,"top_k":`...)
	b = strconv.AppendInt(b, int64(p.TopK), 10)
	b = append(b, `,"temperature":`...)
	b = strconv.AppendFloat(b, p.Temperature, 'g', -1, 64)
	b = append(b, `,"seed":`...)
	b = strconv.AppendInt(b, p.Seed, 10)
	b = append(b, `,"echo_prompt":`...)
	b = strconv.AppendBool(b, p.EchoPrompt)
	return append(b, '}'), true
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it: control characters, quote, backslash, <, > and & (HTML
// safety), U+2028 and U+2029; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func (c *HTTP) completeChallenge(ctx context.Context, req Request) (*Response, error) {
	body := processRequest{Prompt: req.Prompt, NumSamples: 1, MaxNewTokens: req.MaxTokens, TopK: req.TopK,
		Temperature: req.Temperature, Seed: req.Seed}
	var payload any = body
	if raw, ok := body.appendJSON(make([]byte, 0, len(req.Prompt)+128)); ok {
		payload = rawJSON(raw)
	}
	var r *Response
	sim, err := c.callSim(ctx, http.MethodPost, "/process", payload, func(b []byte) (err error) {
		r, err = parseProcess(b, req.Prompt)
		return err
	})
	if err != nil {
		return nil, err
	}
	r.Simulated = sim
	return r, nil
}

// ParseCompletion parses a completion body as Complete does (for bodies
// kept in a cache: see Response.Body).
func (c *HTTP) ParseCompletion(body []byte, simulated bool, prompt string) (*Response, error) {
	var r *Response
	var err error
	if c.opt.Protocol == OpenAI {
		r, err = parseCompletions(body, prompt)
	} else {
		r, err = parseProcess(body, prompt)
	}
	if err != nil {
		return nil, err
	}
	r.Simulated = simulated
	return r, nil
}

// processParser reads /process bodies, one per request: valyala/fastjson
// reads them several times faster than reflection-based decoders.
type processParser struct {
	fastjson.Parser
	num []byte // a number's text
}

var processParsers = sync.Pool{New: func() any { return new(processParser) }}

// parseProcess reads a /process body. fastjson keeps a lone escaped
// surrogate (\ud800) as text where encoding/json makes it U+FFFD, so the
// rare bodies with escaped surrogates go through encoding/json.
func parseProcess(b []byte, prompt string) (*Response, error) {
	if bytes.Contains(b, []byte(`\ud`)) || bytes.Contains(b, []byte(`\uD`)) {
		return parseProcessStd(b, prompt)
	}
	return parseProcessFast(b, prompt)
}

// processResponse is the /process body for encoding/json.
type processResponse struct {
	Text   *string `json:"text"`
	Tokens []struct {
		Text       string              `json:"text"`
		Logprob    *float64            `json:"logprob"`
		TopLogprob map[string]*float64 `json:"top_logprob"`
	} `json:"tokens"`
	Logprob *float64 `json:"logprob"`
}

// parseProcessStd is parseProcess through encoding/json.
func parseProcessStd(b []byte, prompt string) (*Response, error) {
	var out processResponse
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	if out.Text == nil {
		return nil, errors.New(`no "text" field`)
	}
	r := &Response{Text: *out.Text, Body: b}
	for _, t := range out.Tokens {
		r.Tokens = append(r.Tokens, Token{Text: t.Text, Logprob: finite(t.Logprob), Top: topMap(t.TopLogprob)})
	}
	stripEcho(r, prompt)
	r.Logprob = sumLogprobs(r.Tokens, out.Logprob)
	return r, nil
}

func parseProcessFast(b []byte, prompt string) (*Response, error) {
	p := processParsers.Get().(*processParser)
	defer processParsers.Put(p)
	v, err := p.ParseBytes(b)
	if err != nil {
		return nil, err
	}
	o, err := v.Object()
	if err != nil {
		return nil, err
	}
	// Keys match as encoding/json matches them: case-insensitively, the
	// last one winning.
	var text, toks, logprob *fastjson.Value
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch {
		case keyIs(k, "text"):
			text = v
		case keyIs(k, "tokens"):
			toks = v
		case keyIs(k, "logprob"):
			logprob = v
		}
	})
	if text == nil || text.Type() == fastjson.TypeNull {
		return nil, errors.New(`no "text" field`)
	}
	r := &Response{Body: b}
	if r.Text, err = str(text, "text"); err != nil {
		return nil, err
	}
	if r.Tokens, err = p.tokens(toks); err != nil {
		return nil, err
	}
	lp, ok, err := p.number(logprob, "logprob")
	if err != nil {
		return nil, err
	}
	stripEcho(r, prompt)
	var server *float64
	if ok {
		server = &lp
	}
	r.Logprob = sumLogprobs(r.Tokens, server)
	return r, nil
}

// tokens reads the /process tokens: [{text, logprob, top_logprob}].
func (p *processParser) tokens(v *fastjson.Value) ([]Token, error) {
	if v == nil || v.Type() == fastjson.TypeNull {
		return nil, nil
	}
	arr, err := v.Array()
	if err != nil {
		return nil, fmt.Errorf(`"tokens": %w`, err)
	}
	if len(arr) == 0 {
		return nil, nil
	}
	toks := make([]Token, len(arr))
	lps := make([]float64, 0, len(arr)) // the tokens' logprobs, one allocation
	for i, tv := range arr {
		o, err := tv.Object()
		if err != nil {
			return nil, fmt.Errorf("tokens[%d]: %w", i, err)
		}
		var text, logprob, top *fastjson.Value
		o.Visit(func(k []byte, v *fastjson.Value) {
			switch {
			case keyIs(k, "text"):
				text = v
			case keyIs(k, "logprob"):
				logprob = v
			case keyIs(k, "top_logprob"):
				top = v
			}
		})
		t := &toks[i]
		if t.Text, err = str(text, "tokens[].text"); err != nil {
			return nil, err
		}
		lp, ok, err := p.number(logprob, "tokens[].logprob")
		if err != nil {
			return nil, err
		}
		if ok {
			lps = append(lps, lp)
			t.Logprob = &lps[len(lps)-1]
		}
		if t.Top, err = p.top(top, t.Text); err != nil {
			return nil, fmt.Errorf("tokens[%d]: %w", i, err)
		}
	}
	return toks, nil
}

// top reads a token's top_logprob object; self is the token's text,
// usually its first key.
func (p *processParser) top(v *fastjson.Value, self string) (map[string]float64, error) {
	if v == nil || v.Type() == fastjson.TypeNull {
		return nil, nil
	}
	o, err := v.Object()
	if err != nil {
		return nil, fmt.Errorf(`"top_logprob": %w`, err)
	}
	var top map[string]float64
	o.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		var lp float64
		var ok bool
		if lp, ok, err = p.number(v, "top_logprob"); !ok {
			return
		}
		if top == nil {
			top = make(map[string]float64, o.Len())
		}
		key := self // no new string for the token itself
		if string(k) != self {
			key = validString(k)
		}
		top[key] = lp
	})
	return top, err
}

func keyIs(k []byte, name string) bool {
	return len(k) == len(name) && strings.EqualFold(string(k), name)
}

// str reads a string value or null (""); invalid UTF-8 becomes U+FFFD, as encoding/json
// does.
func str(v *fastjson.Value, field string) (string, error) {
	if v == nil || v.Type() == fastjson.TypeNull {
		return "", nil
	}
	b, err := v.StringBytes()
	if err != nil {
		return "", fmt.Errorf("%q: %w", field, err)
	}
	return validString(b), nil
}

func validString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// number reads a finite number; ok is false for null, a missing value
// or an infinite one. It parses the number's text with strconv, exactly
// (fastjson's own float parser may be off in the last digit).
func (p *processParser) number(v *fastjson.Value, field string) (f float64, ok bool, err error) {
	if v == nil || v.Type() == fastjson.TypeNull {
		return 0, false, nil
	}
	if v.Type() != fastjson.TypeNumber {
		return 0, false, fmt.Errorf("%q: want a number, got %s", field, v.Type())
	}
	p.num = v.MarshalTo(p.num[:0])
	if f, err = strconv.ParseFloat(string(p.num), 64); err != nil {
		return 0, false, fmt.Errorf("%q: %w", field, err)
	}
	return f, !math.IsInf(f, 0) && !math.IsNaN(f), nil
}

// completionsRequest is the OpenAI /v1/completions body.
type completionsRequest struct {
	Model       string   `json:"model,omitempty"`
	Prompt      string   `json:"prompt"`
	MaxTokens   int      `json:"max_tokens"`
	Temperature float64  `json:"temperature"`
	TopK        int      `json:"top_k,omitempty"`
	Seed        int64    `json:"seed"`
	Logprobs    int      `json:"logprobs"`
	Echo        bool     `json:"echo"`
	N           int      `json:"n"`
	Stop        []string `json:"stop,omitempty"`
}

// completionsResponse reads both logprob shapes: llama.cpp's
// (logprobs.content[i] = {token, logprob, top_logprobs: [{token, logprob}]})
// and the legacy one vLLM returns (tokens, token_logprobs, top_logprobs).
type completionsResponse struct {
	Choices []struct {
		Text     *string `json:"text"`
		Logprobs *struct {
			Content []struct {
				Token       string   `json:"token"`
				Logprob     *float64 `json:"logprob"`
				TopLogprobs []struct {
					Token   string   `json:"token"`
					Logprob *float64 `json:"logprob"`
				} `json:"top_logprobs"`
			} `json:"content"`
			Tokens        []string              `json:"tokens"`
			TokenLogprobs []*float64            `json:"token_logprobs"`
			TopLogprobs   []map[string]*float64 `json:"top_logprobs"`
		} `json:"logprobs"`
	} `json:"choices"`
}

func (c *HTTP) completeOpenAI(ctx context.Context, req Request) (*Response, error) {
	body := completionsRequest{Model: *c.model.Load(), Prompt: req.Prompt, MaxTokens: req.MaxTokens,
		Temperature: req.Temperature, TopK: req.TopK, Seed: req.Seed, Logprobs: 1, N: 1, Stop: req.Stop}
	var r *Response
	sim, err := c.callSim(ctx, http.MethodPost, "/v1/completions", body, func(b []byte) (err error) {
		r, err = parseCompletions(b, req.Prompt)
		return err
	})
	if err != nil {
		return nil, err
	}
	r.Simulated = sim
	return r, nil
}

func parseCompletions(b []byte, prompt string) (*Response, error) {
	var out completionsResponse
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	if len(out.Choices) == 0 || out.Choices[0].Text == nil {
		return nil, errors.New(`no "choices[0].text"`)
	}
	ch := out.Choices[0]
	r := &Response{Text: *ch.Text, Body: b}
	if lp := ch.Logprobs; lp != nil {
		switch {
		case len(lp.Content) > 0:
			for _, t := range lp.Content {
				tok := Token{Text: t.Token, Logprob: finite(t.Logprob)}
				for _, tp := range t.TopLogprobs {
					if v := finite(tp.Logprob); v != nil {
						if tok.Top == nil {
							tok.Top = map[string]float64{}
						}
						tok.Top[tp.Token] = *v
					}
				}
				r.Tokens = append(r.Tokens, tok)
			}
		default:
			for i, t := range lp.Tokens {
				tok := Token{Text: t}
				if i < len(lp.TokenLogprobs) {
					tok.Logprob = finite(lp.TokenLogprobs[i])
				}
				if i < len(lp.TopLogprobs) {
					tok.Top = topMap(lp.TopLogprobs[i])
				}
				r.Tokens = append(r.Tokens, tok)
			}
		}
	}
	stripEcho(r, prompt)
	r.Logprob = sumLogprobs(r.Tokens, nil)
	return r, nil
}

func topMap(m map[string]*float64) map[string]float64 {
	var out map[string]float64
	for k, p := range m {
		if v := finite(p); v != nil {
			if out == nil {
				out = make(map[string]float64, len(m))
			}
			out[k] = *v
		}
	}
	return out
}

// stripEcho removes a prompt the server echoed despite echo_prompt=false,
// from the text and from the leading tokens that spell it (a token that
// straddles the prompt's end keeps its part after it).
func stripEcho(r *Response, prompt string) {
	if prompt == "" || !strings.HasPrefix(r.Text, prompt) {
		return
	}
	r.Text = r.Text[len(prompt):]
	n := 0
	for i, t := range r.Tokens {
		if n+len(t.Text) > len(prompt) {
			rest := r.Tokens[i:]
			if n < len(prompt) {
				rest[0].Text = t.Text[len(prompt)-n:]
			}
			r.Tokens = rest
			return
		}
		n += len(t.Text)
	}
	r.Tokens = nil
}

// sumLogprobs is the completion's log-probability: the sum over tokens,
// or the server's figure when it sent no tokens.
func sumLogprobs(toks []Token, server *float64) float64 {
	if len(toks) == 0 {
		if v := finite(server); v != nil {
			return *v
		}
		return 0
	}
	s := 0.0
	for _, t := range toks {
		if t.Logprob != nil {
			s += *t.Logprob
		}
	}
	return s
}

// sanitizeJSON replaces the non-JSON literals NaN, Infinity and -Infinity
// (which Python's json module writes) outside strings with null, and
// reports whether a NaN was seen.
func sanitizeJSON(b []byte) ([]byte, bool) {
	if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) {
		return b, false
	}
	out := make([]byte, 0, len(b))
	nan, inStr, esc := false, false, false
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if inStr {
			out = append(out, ch)
			switch {
			case esc:
				esc = false
			case ch == '\\':
				esc = true
			case ch == '"':
				inStr = false
			}
			continue
		}
		switch {
		case ch == '"':
			inStr = true
		case bytes.HasPrefix(b[i:], []byte("NaN")):
			out, nan, i = append(out, "null"...), true, i+2
			continue
		case bytes.HasPrefix(b[i:], []byte("-Infinity")):
			out, i = append(out, "null"...), i+8
			continue
		case bytes.HasPrefix(b[i:], []byte("Infinity")):
			out, i = append(out, "null"...), i+7
			continue
		}
		out = append(out, ch)
	}
	return out, nan
}
