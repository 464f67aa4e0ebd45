package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
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

type processResponse struct {
	Text   *string `json:"text"`
	Tokens []struct {
		Text       string              `json:"text"`
		Logprob    *float64            `json:"logprob"`
		TopLogprob map[string]*float64 `json:"top_logprob"`
	} `json:"tokens"`
	Logprob *float64 `json:"logprob"`
}

func (c *HTTP) completeChallenge(ctx context.Context, req Request) (*Response, error) {
	body := rawJSON(appendProcessRequest(make([]byte, 0, len(req.Prompt)+160), &req))
	var r *Response
	sim, err := c.callSim(ctx, http.MethodPost, "/process", body, func(b []byte) (err error) {
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

func parseProcess(b []byte, prompt string) (*Response, error) {
	if text, toks, lp, err := parseProcessFast(b); err == nil {
		// Infinite logprobs never parse here: sanitizeJSON made them null.
		r := &Response{Text: text, Tokens: toks, Body: b}
		stripEcho(r, prompt)
		r.Logprob = sumLogprobs(r.Tokens, lp)
		return r, nil
	}
	return parseProcessStd(b, prompt)
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
	if len(out.Tokens) > 0 {
		r.Tokens = make([]Token, 0, len(out.Tokens))
	}
	for _, t := range out.Tokens {
		r.Tokens = append(r.Tokens, Token{Text: t.Text, Logprob: finite(t.Logprob), Top: topMap(t.TopLogprob)})
	}
	stripEcho(r, prompt)
	r.Logprob = sumLogprobs(r.Tokens, out.Logprob)
	return r, nil
}

// rawJSON is a request body already encoded.
type rawJSON []byte

// appendProcessRequest encodes a /process body (as processRequest would
// marshal) without reflection.
func appendProcessRequest(b []byte, req *Request) []byte {
	b = append(b, `{"prompt":`...)
	b = appendJSONString(b, req.Prompt)
	b = append(b, `,"num_samples":1,"max_new_tokens":`...)
	b = strconv.AppendInt(b, int64(req.MaxTokens), 10)
	b = append(b, `,"top_k":`...)
	b = strconv.AppendInt(b, int64(req.TopK), 10)
	b = append(b, `,"temperature":`...)
	b = strconv.AppendFloat(b, req.Temperature, 'g', -1, 64)
	b = append(b, `,"seed":`...)
	b = strconv.AppendInt(b, req.Seed, 10)
	b = append(b, `,"echo_prompt":false}`...)
	return b
}

// appendJSONString appends s as a JSON string, as encoding/json does
// (without its HTML escaping); invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
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
