// Package simulate is a SIMULATED submission: an HTTP server that answers
// a suite's prompts correctly with a given probability, for demos and
// tests. It behaves like the real 2023 servers: it echoes the prompt unless
// echo_prompt is false, ignores stop sequences, and pads its answers with
// more text. Every response carries the header X-Podium-Simulated: true,
// and results scored against it are marked simulated.
package simulate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"podium/scorer/client"
	"podium/scorer/task"
)

// Options configure a simulated submission.
type Options struct {
	Accuracy float64       // probability of a correct answer, per instance
	Seed     int64         // decides which instances are answered correctly
	Protocol string        // client.Challenge (default) or client.OpenAI
	Context  int           // context window in tokens; 0 = unlimited
	Latency  time.Duration // added to every completion
}

// Server is a simulated submission over a suite's tasks.
type Server struct {
	opt   Options
	index map[string]entry // question block -> instance
	seps  []string         // the tasks' instance separators
	tok   tokenizer
}

type entry struct {
	t  *task.Task
	in *task.Instance
}

// New indexes every instance of the tasks by its question block, the tail
// of every prompt the scorer sends for it.
func New(tasks []*task.Task, opt Options) (*Server, error) {
	if opt.Accuracy < 0 || opt.Accuracy > 1 {
		return nil, fmt.Errorf("accuracy %v: want a probability in [0, 1]", opt.Accuracy)
	}
	switch opt.Protocol {
	case "":
		opt.Protocol = client.Challenge
	case client.Challenge, client.OpenAI:
	default:
		return nil, fmt.Errorf("unknown protocol %q (want %q or %q)", opt.Protocol, client.Challenge, client.OpenAI)
	}
	s := &Server{opt: opt, index: map[string]entry{}, tok: tokenizer{ids: map[string]int{}}}
	seps := map[string]bool{}
	for _, t := range tasks {
		if sep := t.Format.InstanceSeparator; sep != "" && !seps[sep] {
			seps[sep] = true
			s.seps = append(s.seps, sep)
		}
		for i := range t.Eval {
			q := t.Prompt(&t.Eval[i]).Question
			if _, dup := s.index[q]; !dup {
				s.index[q] = entry{t: t, in: &t.Eval[i]}
			}
		}
	}
	return s, nil
}

// lookup finds the instance whose question block ends the prompt. Blocks
// start at the prompt's start or right after a separator.
func (s *Server) lookup(prompt string) (entry, bool) {
	if e, ok := s.index[prompt]; ok {
		return e, true
	}
	for _, sep := range s.seps {
		for i := 0; ; {
			k := strings.Index(prompt[i:], sep)
			if k < 0 {
				break
			}
			i += k + len(sep)
			if e, ok := s.index[prompt[i:]]; ok {
				return e, true
			}
		}
	}
	return entry{}, false
}

// piece is a stretch of generated text with its log-probability.
type piece struct {
	text    string
	logprob float64
}

// answer is what the simulated model generates for a prompt: the answer
// (right or wrong), then, past the task's first stop sequence, padding.
func (s *Server) answer(prompt string) []piece {
	e, ok := s.lookup(prompt)
	if !ok {
		return []piece{{" Paris.", -0.5}, {" I am a simulated submission.", -3}}
	}
	key := e.in.ID
	if e.in.Source != "" {
		key = e.in.Source // perturbed variants share their original's fate
	}
	correct := task.Unit(s.opt.Seed, "simulate", e.t.Spec.Name, key) < s.opt.Accuracy
	f := &e.t.Format
	var text string
	lp := -0.05
	if correct {
		text = f.CorrectAnswer(e.in)
	} else {
		text, lp = wrong(f, e.in), -1.5
	}
	out := []piece{{" " + text, lp}}
	if len(f.Stop) > 0 {
		out = append(out, piece{f.Stop[0] + "Question: and what else? This simulated model keeps talking.", -4})
	}
	return out
}

var lastNumber = regexp.MustCompile(`-?\d+(?:\.\d+)?`)

// wrong is a deterministic wrong answer.
func wrong(f *task.Format, in *task.Instance) string {
	if f.Adapter == task.MultipleChoice {
		n := len(in.References)
		for i := range n {
			if !in.References[i].Correct {
				return task.Letter(i)
			}
		}
		return "Z"
	}
	gold := f.CorrectAnswer(in)
	if loc := lastNumber.FindAllStringIndex(gold, -1); len(loc) > 0 {
		l := loc[len(loc)-1]
		v, err := strconv.ParseFloat(gold[l[0]:l[1]], 64)
		if err == nil {
			return gold[:l[0]] + strconv.FormatFloat(v+1, 'f', -1, 64) + gold[l[1]:]
		}
	}
	return "I do not know."
}

// generate renders the answer as tokens, cut at maxTokens.
func (s *Server) generate(prompt string, maxTokens int) (string, []tokenOut, error) {
	if s.opt.Context > 0 {
		if n := len(s.tok.split(prompt)); n+maxTokens > s.opt.Context {
			return "", nil, fmt.Errorf("prompt of %d tokens plus max_new_tokens %d exceeds the context window of %d", n, maxTokens, s.opt.Context)
		}
	}
	var toks []tokenOut
	var b strings.Builder
	for _, p := range s.answer(prompt) {
		for _, t := range s.tok.split(p.text) {
			if maxTokens > 0 && len(toks) >= maxTokens {
				return b.String(), toks, nil
			}
			toks = append(toks, tokenOut{Text: t, Logprob: p.logprob})
			b.WriteString(t)
		}
	}
	return b.String(), toks, nil
}

type tokenOut struct {
	Text    string
	Logprob float64
}

// Handler serves the protocol's endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	if s.opt.Protocol == client.OpenAI {
		mux.HandleFunc("POST /v1/completions", s.completions)
		mux.HandleFunc("GET /v1/models", s.models)
	} else {
		mux.HandleFunc("POST /process", s.process)
		mux.HandleFunc("POST /decode", s.decode)
	}
	mux.HandleFunc("POST /tokenize", s.tokenize)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(client.SimulatedHeader, "true")
		mux.ServeHTTP(w, r)
	})
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		httpError(w, http.StatusUnprocessableEntity, "invalid request body: "+err.Error())
		return false
	}
	return true
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"detail": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) wait() {
	if s.opt.Latency > 0 {
		time.Sleep(s.opt.Latency)
	}
}

func (s *Server) process(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var req struct {
		Prompt       *string `json:"prompt"`
		MaxNewTokens *int    `json:"max_new_tokens"`
		EchoPrompt   *bool   `json:"echo_prompt"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Prompt == nil {
		httpError(w, http.StatusUnprocessableEntity, "field required: prompt")
		return
	}
	maxTok := 50
	if req.MaxNewTokens != nil {
		maxTok = *req.MaxNewTokens
	}
	s.wait()
	text, toks, err := s.generate(*req.Prompt, maxTok)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	type tok struct {
		Text       string             `json:"text"`
		Logprob    float64            `json:"logprob"`
		TopLogprob map[string]float64 `json:"top_logprob"`
	}
	out := struct {
		Text        string  `json:"text"`
		Tokens      []tok   `json:"tokens"`
		Logprob     float64 `json:"logprob"`
		RequestTime float64 `json:"request_time"`
	}{Tokens: []tok{}}
	if req.EchoPrompt == nil || *req.EchoPrompt { // the real servers' quirk
		text = *req.Prompt + text
		for _, t := range s.tok.split(*req.Prompt) {
			out.Tokens = append(out.Tokens, tok{Text: t, Logprob: -1, TopLogprob: map[string]float64{t: -1}})
			out.Logprob += -1
		}
	}
	for _, t := range toks {
		out.Tokens = append(out.Tokens, tok{Text: t.Text, Logprob: t.Logprob, TopLogprob: map[string]float64{t.Text: t.Logprob}})
		out.Logprob += t.Logprob
	}
	out.Text = text
	out.RequestTime = time.Since(start).Seconds()
	writeJSON(w, out)
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Prompt    any  `json:"prompt"`
		MaxTokens *int `json:"max_tokens"`
		Echo      bool `json:"echo"`
		Logprobs  *int `json:"logprobs"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	prompt, ok := req.Prompt.(string)
	if !ok {
		httpError(w, http.StatusBadRequest, "prompt must be a string")
		return
	}
	maxTok := 16
	if req.MaxTokens != nil {
		maxTok = *req.MaxTokens
	}
	s.wait()
	text, toks, err := s.generate(prompt, maxTok)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	type logprobs struct {
		Tokens        []string             `json:"tokens"`
		TokenLogprobs []float64            `json:"token_logprobs"`
		TopLogprobs   []map[string]float64 `json:"top_logprobs"`
		TextOffset    []int                `json:"text_offset"`
	}
	lp := &logprobs{Tokens: []string{}, TokenLogprobs: []float64{}, TopLogprobs: []map[string]float64{}, TextOffset: []int{}}
	off := 0
	if req.Echo {
		text = prompt + text
		for _, t := range s.tok.split(prompt) {
			lp.Tokens, lp.TokenLogprobs = append(lp.Tokens, t), append(lp.TokenLogprobs, -1)
			lp.TopLogprobs, lp.TextOffset = append(lp.TopLogprobs, map[string]float64{t: -1}), append(lp.TextOffset, off)
			off += len(t)
		}
	}
	for _, t := range toks {
		lp.Tokens, lp.TokenLogprobs = append(lp.Tokens, t.Text), append(lp.TokenLogprobs, t.Logprob)
		lp.TopLogprobs, lp.TextOffset = append(lp.TopLogprobs, map[string]float64{t.Text: t.Logprob}), append(lp.TextOffset, off)
		off += len(t.Text)
	}
	choice := map[string]any{"text": text, "index": 0, "finish_reason": "length"}
	if req.Logprobs != nil {
		choice["logprobs"] = lp
	} else {
		choice["logprobs"] = nil
	}
	writeJSON(w, map[string]any{
		"id": "simulated", "object": "text_completion", "created": 0, "model": "podium-simulated",
		"choices": []any{choice},
		"usage":   map[string]int{"prompt_tokens": len(s.tok.split(prompt)), "completion_tokens": len(toks), "total_tokens": len(s.tok.split(prompt)) + len(toks)},
	})
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"object": "list", "data": []any{map[string]any{"id": "podium-simulated", "object": "model"}}})
}

func (s *Server) tokenize(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Text    *string `json:"text"`
		Content *string `json:"content"`
		Prompt  *string `json:"prompt"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	var text *string
	for _, p := range []*string{req.Text, req.Content, req.Prompt} {
		if p != nil {
			text = p
			break
		}
	}
	if text == nil {
		httpError(w, http.StatusUnprocessableEntity, "field required: text")
		return
	}
	// Like the real servers, it ignores truncation.
	writeJSON(w, map[string]any{"tokens": s.tok.encode(*text), "request_time": 0})
}

func (s *Server) decode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Tokens []int `json:"tokens"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	text, err := s.tok.decode(req.Tokens)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, map[string]any{"text": text, "request_time": 0})
}

// tokenizer splits text into word-like pieces (a leading space joins the
// word after it); IDs are given out as pieces are first seen. It never
// makes more tokens than the text has bytes.
type tokenizer struct {
	mu    sync.Mutex
	ids   map[string]int
	words []string
}

func (t *tokenizer) split(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		j := i
		if s[j] == ' ' && j+1 < len(s) && isWord(s[j+1:]) {
			j++
		}
		if isWord(s[j:]) {
			for j < len(s) && isWord(s[j:]) {
				_, n := utf8.DecodeRuneInString(s[j:])
				j += n
			}
		} else {
			_, n := utf8.DecodeRuneInString(s[j:])
			j += n
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

func isWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func (t *tokenizer) encode(s string) []int {
	pieces := t.split(s)
	out := make([]int, len(pieces))
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, p := range pieces {
		id, ok := t.ids[p]
		if !ok {
			id = len(t.words)
			t.ids[p] = id
			t.words = append(t.words, p)
		}
		out[i] = id
	}
	return out
}

func (t *tokenizer) decode(ids []int) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	for _, id := range ids {
		if id < 0 || id >= len(t.words) {
			return "", errors.New("unknown token id " + strconv.Itoa(id))
		}
		b.WriteString(t.words[id])
	}
	return b.String(), nil
}
