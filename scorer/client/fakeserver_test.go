package client

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Fake servers for the protocol tests. Each is named for how it misbehaves.

// fakeChallenge serves the challenge protocol like the 2023 sample
// submissions: it echoes the prompt unless echo_prompt is false.
func fakeChallenge(t *testing.T, answer string) (*httptest.Server, *atomic.Int64, *[]map[string]any) {
	t.Helper()
	var calls atomic.Int64
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req map[string]any
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &req)
		bodies = append(bodies, req)
		switch r.URL.Path {
		case "/process":
			text := answer
			toks := []map[string]any{{"text": answer, "logprob": -0.5, "top_logprob": map[string]float64{answer: -0.5}}}
			if echo, ok := req["echo_prompt"].(bool); !ok || echo {
				p := req["prompt"].(string)
				text = p + answer
				toks = append([]map[string]any{{"text": p, "logprob": -3.0, "top_logprob": map[string]float64{p: -3}}}, toks...)
			}
			json.NewEncoder(w).Encode(map[string]any{"text": text, "tokens": toks, "logprob": -0.5, "request_time": 0.01})
		case "/tokenize":
			n := len(strings.Fields(req["text"].(string)))
			json.NewEncoder(w).Encode(map[string]any{"tokens": make([]int, n), "request_time": 0})
		case "/decode":
			json.NewEncoder(w).Encode(map[string]any{"text": "decoded", "request_time": 0})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls, &bodies
}

// fakeHostile serves one misbehaviour on every path.
func fakeHostile(t *testing.T, kind string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		switch kind {
		case "hang":
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		case "500":
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		case "garbage":
			w.Write([]byte("<html>this is not {json"))
		case "huge":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"text": "`))
			chunk := []byte(strings.Repeat("a", 1<<20))
			for range 100 { // 100 MB
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			w.Write([]byte(`"}`))
		case "nan":
			w.Write([]byte(`{"text": " Paris", "tokens": [{"text": " Paris", "logprob": NaN, "top_logprob": {" Paris": NaN}}], "logprob": NaN, "request_time": 0.1}`))
		case "drip":
			w.Write([]byte(`{"text": "`))
			for range 1000 {
				w.Write([]byte("a"))
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
			w.Write([]byte(`"}`))
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first
	return srv, &calls
}

// fakeRecorded serves a recorded OpenAI-compatible response.
func fakeRecorded(t *testing.T, file string) (*httptest.Server, *[]map[string]any) {
	t.Helper()
	body, err := readTestdata(file)
	if err != nil {
		t.Fatal(err)
	}
	var reqs []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		reqs = append(reqs, req)
		switch r.URL.Path {
		case "/v1/completions":
			w.Write(body)
		case "/v1/models":
			w.Write([]byte(`{"object":"list","data":[{"id":"tiny-llama","object":"model"}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &reqs
}
