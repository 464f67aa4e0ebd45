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

// appendJSON appends the body as encoding/json would encode it (keys in
// field order), without reflection; ok is false for a temperature that
// JSON cannot hold, left to encoding/json to report.
func (p *processRequest) appendJSON(b []byte) ([]byte, bool) {
	if math.IsNaN(p.Temperature) || math.IsInf(p.Temperature, 0) {
		return b, false
	}
	b = append(b, `{"prompt":`...)
	b = appendJSONString(b, p.Prompt, true)
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
// escapes it: control characters, quote, backslash, U+2028 and U+2029,
// and with html <, > and &; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string, html bool) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!html || (c != '<' && c != '>' && c != '&')) {
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

// payloads are request bodies, reused: fasthttp sends a body without
// copying it and is done with it when the call returns.
var payloads = sync.Pool{New: func() any { return new([]byte) }}

func (c *HTTP) completeChallenge(ctx context.Context, req Request) (*Response, error) {
	body := processRequest{Prompt: req.Prompt, NumSamples: 1, MaxNewTokens: req.MaxTokens, TopK: req.TopK,
		Temperature: req.Temperature, Seed: req.Seed}
	buf := payloads.Get().(*[]byte)
	payload, ok := body.appendJSON((*buf)[:0])
	if !ok {
		payloads.Put(buf)
		_, err := encode("/process", body) // encoding/json says what is wrong
		return nil, err
	}
	defer func() {
		if cap(payload) <= 64<<10 { // don't hold on to a rare huge prompt
			*buf = payload
			payloads.Put(buf)
		}
	}()
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

// processParser reads /process bodies, one per request, with
// valyala/fastjson: several times faster than reflection-based decoders.
type processParser struct {
	fastjson.Parser
	num    []byte        // a number's text
	fields []tokenFields // per token
}

// tokenFields are a /process token's fields.
type tokenFields struct {
	text, logprob, top *fastjson.Value
}

var processParsers = sync.Pool{New: func() any { return new(processParser) }}

// parseProcess reads a /process body. fastjson keeps a lone escaped
// surrogate (\ud800) as text where encoding/json makes it U+FFFD, so the
// rare bodies with escaped surrogates go through encoding/json.
func parseProcess(b []byte, prompt string) (*Response, error) {
	if hasSurrogateEscape(b) {
		return parseProcessStd(b, prompt)
	}
	p := processParsers.Get().(*processParser)
	defer processParsers.Put(p)
	return p.readFastjson(b, prompt)
}

// hasSurrogateEscape says whether b holds \ud or \uD, in one pass.
func hasSurrogateEscape(b []byte) bool {
	for {
		i := bytes.Index(b, []byte(`\u`))
		if i < 0 || i+2 >= len(b) {
			return false
		}
		if b[i+2]|0x20 == 'd' {
			return true
		}
		b = b[i+2:]
	}
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
		r.Tokens = append(r.Tokens, Token{Text: t.Text, Logprob: finite(t.Logprob), Top: topFromMap(t.TopLogprob)})
	}
	stripEcho(r, prompt)
	r.Logprob = sumLogprobs(r.Tokens, out.Logprob)
	return r, nil
}

// readFastjson reads a /process body with fastjson.
func (p *processParser) readFastjson(b []byte, prompt string) (*Response, error) {
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
	if r.Tokens, err = p.tokens(toks, r.Text); err != nil {
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

// tokens reads the /process tokens: [{text, logprob, top_logprob}]. Their
// texts usually spell text: those that do share its bytes.
func (p *processParser) tokens(v *fastjson.Value, text string) ([]Token, error) {
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
	// A first pass finds the fields, up to the first token that is not an
	// object, and counts the alternatives.
	p.fields = p.fields[:0]
	nTop := 0
	for _, tv := range arr {
		o, err := tv.Object()
		if err != nil {
			break
		}
		var f tokenFields
		o.Visit(func(k []byte, v *fastjson.Value) {
			switch {
			case keyIs(k, "text"):
				f.text = v
			case keyIs(k, "logprob"):
				f.logprob = v
			case keyIs(k, "top_logprob"):
				f.top = v
			}
		})
		if f.top != nil && f.top.Type() == fastjson.TypeObject {
			to, _ := f.top.Object()
			nTop += to.Len()
		}
		p.fields = append(p.fields, f)
	}
	toks := make([]Token, len(arr))
	// One allocation holds the alternatives and, past them, the tokens'
	// logprobs (in Alts without text).
	store := make(Top, nTop+len(arr))
	alts, lps := store[:0:nTop], store[nTop:]
	at := 0 // where the token would start in text
	for i, tv := range arr {
		if i == len(p.fields) {
			_, err := tv.Object()
			return nil, fmt.Errorf("tokens[%d]: %w", i, err)
		}
		f := &p.fields[i]
		t := &toks[i]
		b, err := strBytes(f.text, "tokens[].text")
		if err != nil {
			return nil, err
		}
		t.Text = spelling(text, at, b)
		at += len(b)
		lp, ok, err := p.number(f.logprob, "tokens[].logprob")
		if err != nil {
			return nil, err
		}
		if ok {
			lps[i].Logprob = lp
			t.Logprob = &lps[i].Logprob
		}
		start := len(alts)
		if alts, err = p.top(f.top, t.Text, alts); err != nil {
			return nil, fmt.Errorf("tokens[%d]: %w", i, err)
		}
		if len(alts) > start {
			t.Top = sortTop(alts[start:len(alts):len(alts)])
		}
	}
	return toks, nil
}

// top appends a token's top_logprob object to alts; self is the token's
// text, usually its first key.
func (p *processParser) top(v *fastjson.Value, self string, alts Top) (Top, error) {
	if v == nil || v.Type() == fastjson.TypeNull {
		return alts, nil
	}
	o, err := v.Object()
	if err != nil {
		return alts, fmt.Errorf(`"top_logprob": %w`, err)
	}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		var lp float64
		var ok bool
		if lp, ok, err = p.number(v, "top_logprob"); !ok {
			return
		}
		alts = append(alts, Alt{altText(k, self), lp})
	})
	return alts, err
}

// spelling is a token's text, b, sharing the response's text where the
// token spells it at byte at.
func spelling(text string, at int, b []byte) string {
	if end := at + len(b); end <= len(text) && text[at:end] == string(b) && utf8.Valid(b) {
		return text[at:end]
	}
	return validString(b)
}

// altText is an alternative's text, k, with no new string when it is the
// token's own, self.
func altText(k []byte, self string) string {
	if string(k) == self {
		return self
	}
	return validString(k)
}

func keyIs(k []byte, name string) bool {
	return len(k) == len(name) && (string(k) == name || strings.EqualFold(string(k), name))
}

// str reads a string value or null (""); invalid UTF-8 becomes U+FFFD, as encoding/json
// does.
func str(v *fastjson.Value, field string) (string, error) {
	b, err := strBytes(v, field)
	if err != nil {
		return "", err
	}
	return validString(b), nil
}

// strBytes is str's bytes, as they are in the body.
func strBytes(v *fastjson.Value, field string) ([]byte, error) {
	if v == nil || v.Type() == fastjson.TypeNull {
		return nil, nil
	}
	b, err := v.StringBytes()
	if err != nil {
		return nil, fmt.Errorf("%q: %w", field, err)
	}
	return b, nil
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
	payload, err := encode("/v1/completions", body)
	if err != nil {
		return nil, err
	}
	var r *Response
	sim, err := c.callSim(ctx, http.MethodPost, "/v1/completions", payload, func(b []byte) (err error) {
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
						tok.Top = append(tok.Top, Alt{tp.Token, *v})
					}
				}
				tok.Top = sortTop(tok.Top)
				r.Tokens = append(r.Tokens, tok)
			}
		default:
			for i, t := range lp.Tokens {
				tok := Token{Text: t}
				if i < len(lp.TokenLogprobs) {
					tok.Logprob = finite(lp.TokenLogprobs[i])
				}
				if i < len(lp.TopLogprobs) {
					tok.Top = topFromMap(lp.TopLogprobs[i])
				}
				r.Tokens = append(r.Tokens, tok)
			}
		}
	}
	stripEcho(r, prompt)
	r.Logprob = sumLogprobs(r.Tokens, nil)
	return r, nil
}

// topFromMap is the finite entries of m.
func topFromMap(m map[string]*float64) Top {
	var out Top
	for k, p := range m {
		if v := finite(p); v != nil {
			out = append(out, Alt{k, *v})
		}
	}
	return sortTop(out)
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
