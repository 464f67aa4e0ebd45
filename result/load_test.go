package result

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const roundTOML = `title = "Test round"
rule = "neurips2023-final"
aggregation = "geometric"

[[tracks]]
id = "4090"
name = "NVIDIA RTX 4090"

[[stages]]
name = "open"
weight = 1.0
scenarios = ["MMLU"]

[[scenarios]]
name = "MMLU"
[[scenarios.metrics]]
name = "MMLU - EM"
`

const subTOML = `id = "a"
team = "Team A"
track = "4090"

[[scenarios]]
name = "MMLU"
[[scenarios.metrics]]
name = "MMLU - EM"
value = 0.5
`

// writeTree lays files out under a temporary root.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLoadRound(t *testing.T) {
	root := writeTree(t, map[string]string{
		"results/r1/round.toml":               roundTOML,
		"results/r1/4090/a.toml":              subTOML,
		"results/r1/4090/b.toml":              strings.NewReplacer(`"a"`, `"b"`, "value = 0.5\n", "error = \"timed out\"\n").Replace(subTOML),
		"results/r1/4090/a.predictions.jsonl": "{}\n",
		"results/r1/4090/a.audit.toml":        "anything = 1\n",
	})
	r, err := LoadRound(root, "r1")
	if err != nil {
		t.Fatal(err)
	}
	subs := r.Results["4090"]
	if len(subs) != 2 || subs[0].ID != "a" || subs[1].ID != "b" {
		t.Fatalf("got %+v", subs)
	}
	if v := subs[0].Scenarios[0].Metrics[0].Value; v == nil || *v != 0.5 {
		t.Errorf("a's value = %v", v)
	}
	if m := subs[1].Scenarios[0].Metrics[0]; m.Value != nil || m.Error != "timed out" {
		t.Errorf("b's metric must be missing, not 0: %+v", m)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, file, body, want string
	}{
		{"unknown key", "results/r1/4090/a.toml", subTOML + "colour = \"red\"\n", `a.toml:10: unknown key "scenarios.metrics.colour"`},
		{"unknown nested key", "results/r1/4090/a.toml", strings.Replace(subTOML, "value = 0.5", "valu = 0.5", 1), `a.toml:9: unknown key "scenarios.metrics.valu"`},
		{"wrong type", "results/r1/4090/a.toml", strings.Replace(subTOML, "value = 0.5", `value = "high"`, 1), `a.toml:9: field "scenarios.metrics.value": incompatible types`},
		{"syntax", "results/r1/4090/a.toml", strings.Replace(subTOML, `team = "Team A"`, `team = "Team A`, 1), `a.toml:2:`},
		{"unknown track", "results/r1/4090/a.toml", strings.Replace(subTOML, `track = "4090"`, `track = "h100"`, 1), `a.toml:3: unknown track "h100"`},
		{"unknown scenario", "results/r1/4090/a.toml", strings.Replace(subTOML, `name = "MMLU"`, `name = "MMLU-Pro"`, 1), `a.toml:6: unknown scenario "MMLU-Pro"`},
		{"id mismatch", "results/r1/4090/a.toml", strings.Replace(subTOML, `id = "a"`, `id = "z"`, 1), `a.toml:1: id "z" does not match`},
		{"nan", "results/r1/4090/a.toml", strings.Replace(subTOML, "value = 0.5", "value = nan", 1), `a.toml:8: metric "MMLU - EM" has value NaN`},
		{"unknown track folder", "results/r1/a100/a.toml", subTOML, `unknown track "a100"`},
		{"duplicate scenario", "results/r1/round.toml", roundTOML + "[[scenarios]]\nname = \"MMLU\"\n[[scenarios.metrics]]\nname = \"x\"\n", `duplicate scenario "MMLU"`},
		{"stage names unknown scenario", "results/r1/round.toml", strings.Replace(roundTOML, `scenarios = ["MMLU"]`, `scenarios = ["MMLU", "GSM8K"]`, 1), `round.toml:10: stage "open" names unknown scenario "GSM8K"`},
		{"bad date", "results/r1/round.toml", strings.Replace(roundTOML, "rule =", "start = \"Oct 2023\"\nrule =", 1), `round.toml:2: start "Oct 2023" is not a YYYY-MM-DD date`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"results/r1/round.toml": roundTOML, "results/r1/4090/a.toml": subTOML}
			if c.file != "results/r1/4090/a.toml" && c.file != "results/r1/round.toml" {
				delete(files, "results/r1/4090/a.toml")
			}
			files[c.file] = c.body
			root := writeTree(t, files)
			_, err := LoadRounds(root)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestDuplicateSubmission(t *testing.T) {
	// The file name fixes the ID, so a duplicate is two files claiming one ID.
	root := writeTree(t, map[string]string{
		"results/r1/round.toml":  roundTOML,
		"results/r1/4090/a.toml": subTOML,
		"results/r1/4090/b.toml": subTOML,
	})
	if _, err := LoadRound(root, "r1"); err == nil || !strings.Contains(err.Error(), `b.toml:1: id "a" does not match the file name "b"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestWriteFileRoundTrip(t *testing.T) {
	root := writeTree(t, map[string]string{"results/r1/round.toml": roundTOML})
	v := 0.25
	s := &Submission{ID: "c", Team: "<b>Team</b>", Track: "4090", Scenarios: []ScenarioResult{{Name: "MMLU", Metrics: []MetricValue{{Name: "MMLU - EM", Value: &v}}}}}
	p := Path(root, "r1", "4090", "c")
	if err := WriteFile(p, s); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(p)
	if err := WriteFile(p, s); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(p)
	if string(first) != string(second) {
		t.Error("writing the same value twice gave different bytes")
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	r, err := LoadRound(root, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Results["4090"][0]; got.Team != s.Team || *got.Scenarios[0].Metrics[0].Value != v {
		t.Errorf("round trip gave %+v", got)
	}
}

func TestLoadRoundsOrder(t *testing.T) {
	later := strings.Replace(roundTOML, `title = "Test round"`, "title = \"B\"\nstart = \"2024-01-01\"", 1)
	earlier := strings.Replace(roundTOML, `title = "Test round"`, "title = \"A\"\nstart = \"2023-01-01\"", 1)
	root := writeTree(t, map[string]string{"results/a/round.toml": later, "results/b/round.toml": earlier})
	rs, err := LoadRounds(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].ID != "b" || rs[1].ID != "a" {
		t.Fatalf("rounds not sorted by start: %v, %v", rs[0].ID, rs[1].ID)
	}
	if rs, err := LoadRounds(t.TempDir()); err != nil || len(rs) != 0 {
		t.Fatalf("a root without results/ has no rounds: %v %v", rs, err)
	}
}
