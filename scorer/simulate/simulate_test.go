package simulate

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"podium/scorer/client"
	"podium/scorer/task"
)

func sample(t *testing.T) []*task.Task {
	t.Helper()
	s, err := task.LoadSuite("sample")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := task.Build(s, task.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

func post(t *testing.T, url string, body any) (map[string]any, int, http.Header) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return out, resp.StatusCode, resp.Header
}

func TestAccuracyIsAsAskedAndPerInstance(t *testing.T) {
	tasks := sample(t)
	s, err := New(tasks, Options{Accuracy: 0.3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		right := 0
		for i := range tk.Eval {
			in := &tk.Eval[i]
			text, _, err := s.generate(tk.Prompt(in).Text(), 20)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.TrimSpace(task.CutAtStop(text, tk.Format.Stop))
			if got == tk.Format.CorrectAnswer(in) {
				right++
			}
			again, _, _ := s.generate(tk.Prompt(in).DropShots(1).Text(), 20)
			if again != text {
				t.Fatalf("%s: the answer changed with the few-shot part", in.ID)
			}
		}
		n := float64(len(tk.Eval))
		acc := float64(right) / n
		if se := math.Sqrt(0.3 * 0.7 / n); math.Abs(acc-0.3) > 4*se {
			t.Errorf("%s: accuracy %.3f over %d, want 0.3 ± %.3f", tk.Spec.Name, acc, len(tk.Eval), 4*se)
		}
	}
}

func TestChallengeQuirks(t *testing.T) {
	tasks := sample(t)
	s, _ := New(tasks, Options{Accuracy: 1, Seed: 1})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tk := tasks[1]
	prompt := tk.Prompt(&tk.Eval[0]).Text()
	want := tk.Format.CorrectAnswer(&tk.Eval[0])

	out, code, hdr := post(t, srv.URL+"/process", map[string]any{"prompt": prompt, "max_new_tokens": 50})
	if code != 200 || hdr.Get(client.SimulatedHeader) != "true" {
		t.Fatalf("status %d, header %q", code, hdr.Get(client.SimulatedHeader))
	}
	text := out["text"].(string)
	if !strings.HasPrefix(text, prompt) {
		t.Error("without echo_prompt the prompt must be echoed, as the real servers do")
	}
	out, _, _ = post(t, srv.URL+"/process", map[string]any{"prompt": prompt, "max_new_tokens": 50, "echo_prompt": false, "stop": []string{"\n"}})
	text = out["text"].(string)
	if !strings.HasPrefix(text, " "+want+"\n") || len(text) < len(want)+10 {
		t.Errorf("answer %q: want %q, then the ignored stop sequence and padding", text, want)
	}
	toks := out["tokens"].([]any)
	var sum float64
	var joined string
	for _, x := range toks {
		tok := x.(map[string]any)
		joined += tok["text"].(string)
		sum += tok["logprob"].(float64)
		if _, ok := tok["top_logprob"].(map[string]any); !ok {
			t.Fatal("no top_logprob")
		}
	}
	if joined != text || math.Abs(sum-out["logprob"].(float64)) > 1e-9 {
		t.Errorf("tokens %q do not spell %q or sum to the logprob", joined, text)
	}
	out, _, _ = post(t, srv.URL+"/process", map[string]any{"prompt": prompt, "max_new_tokens": 1, "echo_prompt": false})
	if out["text"].(string) != " "+want {
		t.Errorf("max_new_tokens 1: %q", out["text"])
	}
	// tokenize and decode are inverses; truncation is ignored, as in 2023.
	tok, _, _ := post(t, srv.URL+"/tokenize", map[string]any{"text": prompt, "truncation": true, "max_length": 3})
	ids := tok["tokens"].([]any)
	if len(ids) <= 3 || len(ids) > len(prompt) {
		t.Errorf("%d tokens for %d bytes", len(ids), len(prompt))
	}
	dec, _, _ := post(t, srv.URL+"/decode", map[string]any{"tokens": ids})
	if dec["text"] != prompt {
		t.Errorf("decode(tokenize(p)) = %q", dec["text"])
	}
	// Missing prompt: 422 like FastAPI.
	if _, code, _ := post(t, srv.URL+"/process", map[string]any{"max_new_tokens": 1}); code != 422 {
		t.Errorf("missing prompt: %d", code)
	}
}

func TestContextLimitAndOpenAI(t *testing.T) {
	tasks := sample(t)
	s, _ := New(tasks, Options{Accuracy: 1, Seed: 1, Protocol: client.OpenAI, Context: 64})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tk := tasks[0]
	prompt := tk.Prompt(&tk.Eval[0]).Text()
	if _, code, _ := post(t, srv.URL+"/v1/completions", map[string]any{"prompt": prompt, "max_tokens": 10}); code != 400 {
		t.Errorf("over-long prompt: status %d, want 400", code)
	}
	short := tk.Prompt(&tk.Eval[0]).DropShots(3).Text()
	out, code, _ := post(t, srv.URL+"/v1/completions", map[string]any{"prompt": short, "max_tokens": 10, "logprobs": 1})
	if code != 200 {
		t.Fatalf("status %d: %v", code, out)
	}
	ch := out["choices"].([]any)[0].(map[string]any)
	if !strings.HasPrefix(ch["text"].(string), " "+tk.Format.CorrectAnswer(&tk.Eval[0])) {
		t.Errorf("text %q", ch["text"])
	}
	lp := ch["logprobs"].(map[string]any)
	if len(lp["tokens"].([]any)) != len(lp["token_logprobs"].([]any)) {
		t.Error("legacy logprob arrays differ in length")
	}
	if _, code, _ := post(t, srv.URL+"/process", map[string]any{"prompt": "x"}); code != 404 && code != 405 {
		t.Errorf("/process served under --protocol openai: %d", code)
	}
}
