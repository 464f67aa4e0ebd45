package site

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"podium/internal/synth"
)

// predictionLine is one line of a predictions file, as the scorer writes it.
func predictionLine(t *testing.T, scenario, id, prompt, completion, gold string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"task": scenario, "scenario": scenario, "id": id, "prompt": prompt, "shots": 0,
		"completion": completion, "references": []map[string]any{{"output": gold, "tags": []string{"correct"}}},
		"gold": []string{gold}, "scores": map[string]float64{"exact_match": 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// secretRoot is a round whose last scenario is secret, with a predictions
// file per submission holding public and secret instances. It returns the
// texts of the secret instances and of the public ones.
func secretRoot(t *testing.T) (root string, secret, public []string) {
	root = synthRoot(t, synth.Spec{Round: "r1", Tracks: 1, Submissions: 3, Scenarios: 3, Metrics: 3, Secret: 1, Seed: 5})
	for i, sub := range []string{"sub-0001", "sub-0002", "sub-0003"} {
		var lines []string
		for k := 0; k < 2; k++ {
			p := "Public question " + sub + "-" + string(rune('a'+k)) + ": what is 2 + 2?"
			public = append(public, p)
			lines = append(lines, predictionLine(t, "scenario_01", "p"+string(rune('0'+k)), p, "four", "4"))
		}
		for k := 0; k < 2; k++ {
			p := "Secret premise " + sub + "-" + string(rune('a'+k)) + `: if <A> causes "B" & B causes C, does A cause C?`
			c := "Secret completion " + sub + string(rune('a'+k)) + " yes, by transitivity"
			g := "secret gold answer number " + string(rune('0'+i)) + string(rune('0'+k))
			secret = append(secret, p, c, g)
			lines = append(lines, predictionLine(t, "scenario_03", "s"+string(rune('0'+k)), p, c, g))
		}
		dir := filepath.Join(root, "results", "r1", "track1")
		if err := os.WriteFile(filepath.Join(dir, sub+".predictions.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// Point the results at the file.
		path := filepath.Join(dir, sub+".toml")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data = bytes.Replace(data, []byte("track = "), []byte("predictions = \""+sub+".predictions.jsonl\"\ntrack = "), 1)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, secret, public
}

// TestSecretDataNeverPublished builds a site whose round has a secret
// scenario with predictions, and searches every built file for the text of
// every secret instance, as written and as HTML or JSON would escape it.
func TestSecretDataNeverPublished(t *testing.T) {
	root, secret, public := secretRoot(t)
	out := filepath.Join(t.TempDir(), "public")
	if _, err := Build(Options{Root: root, Out: out}); err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	n := 0
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		n++
		all.Write(data)
		all.WriteByte(0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("only %d files built", n)
	}
	for _, s := range secret {
		for _, form := range []string{s, strings.ReplaceAll(strings.ReplaceAll(s, "<", "&lt;"), "&", "&amp;"), jsonInner(s)} {
			if bytes.Contains(all.Bytes(), []byte(form)) {
				t.Errorf("secret text %q is in the built site", form)
			}
		}
		// Even a fragment long enough to identify the instance.
		if frag := s[:20]; bytes.Contains(all.Bytes(), []byte(frag)) {
			t.Errorf("a fragment of secret text %q is in the built site", frag)
		}
	}
	// The public instances are published: the filter is not simply "nothing".
	for _, p := range public {
		if !bytes.Contains(all.Bytes(), []byte(p)) {
			t.Errorf("public prediction %q was not published", p)
		}
	}
	// The secret scenario's description is data too.
	if bytes.Contains(all.Bytes(), []byte("Synthetic scenario 3.")) {
		t.Error("the secret scenario's description is in the built site")
	}
}

func jsonInner(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// TestSecretGuardRefuses: when secret text reaches a page by any road (here
// an organizer pasted it into the round's note), the build refuses and
// writes nothing.
func TestSecretGuardRefuses(t *testing.T) {
	root, secret, _ := secretRoot(t)
	path := filepath.Join(root, "results", "r1", "round.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	note, _ := json.Marshal("Example: " + secret[0])
	data = append([]byte("note = "+string(note)+"\n"), data...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "public")
	_, err = Build(Options{Root: root, Out: out})
	if err == nil || !strings.Contains(err.Error(), "refusing to publish secret data") || !strings.Contains(err.Error(), "sub-0001.predictions.jsonl:3") {
		t.Fatalf("err = %v, want a refusal naming the predictions file and line", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output folder written despite the refusal")
	}
}

func TestPredictionsLinked(t *testing.T) {
	root, _, _ := secretRoot(t)
	s := mustGenerate(t, Options{Root: root})
	page := string(s.Files["rounds/r1/tracks/track1/submissions/sub-0002.html"])
	if !strings.Contains(page, `href="/rounds/r1/tracks/track1/submissions/sub-0002.predictions.jsonl"`) {
		t.Error("the submission page does not link its published predictions")
	}
	data := string(s.Files["rounds/r1/tracks/track1/submissions/sub-0002.predictions.jsonl"])
	if strings.Count(data, "\n") != 2 || strings.Contains(data, "scenario_03") {
		t.Errorf("published predictions:\n%s", data)
	}
}
