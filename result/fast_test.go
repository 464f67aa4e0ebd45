package result

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// fastSamples are results files in and out of the fast path's subset.
func fastSamples(t testing.TB) []string {
	v, w := 0.25, -1e-7
	full := &Submission{
		ID: "sub-1", Team: "Team \"quoted\" <b>\\ é \u2028", BaseModel: "Llama 2 7B", Track: "4090",
		Description: "line one\nline two\ttab", Simulated: true, Predictions: "sub-1.predictions.jsonl",
		Run:          &Run{Suite: "neurips2023", Protocol: "v1", Seed: 42, Instances: 100, Failed: 2, Requests: 102, Tokens: 5000, Imported: "helm"},
		Hardware:     &Hardware{Index: 1, UUID: "GPU-1", Name: "NVIDIA GeForce RTX 4090", MemoryGiB: 23.99, Eligible: true, Reason: "ok"},
		Efficiency:   &Efficiency{PeakMemoryMiB: 20000.5, MeanUtilization: 87.25, EnergyJoules: 1e6, EnergySource: "counter", TokensPerSecond: 123.456, JoulesPerInstance: 0.5, Seconds: 3600},
		Reproduction: &Reproduction{Status: Reproduced, Audit: "results/r1/4090/sub-1.audit.toml"},
		Scenarios: []ScenarioResult{
			{Name: "MMLU", Metrics: []MetricValue{{Name: "EM", Value: &v}, {Name: "ECE", Value: &w, LowerIsBetter: true}, {Name: "F1", Error: "timeout"}}},
			{Name: "GSM8K"},
		},
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(full); err != nil {
		t.Fatal(err)
	}
	withLists := *full
	withLists.Run = &Run{Failures: map[string]int{"timeout": 3}}
	withLists.Reproduction = &Reproduction{Status: Failed, Reasons: []string{"a", "b"}}
	var buf2 bytes.Buffer
	if err := toml.NewEncoder(&buf2).Encode(&withLists); err != nil {
		t.Fatal(err)
	}
	return []string{
		buf.String(), buf2.String(), subTOML,
		subTOML + "colour = \"red\"\n",
		strings.Replace(subTOML, "value = 0.5", "value = 1", 1),
		strings.Replace(subTOML, "value = 0.5", "value = 1e3", 1),
		strings.Replace(subTOML, "value = 0.5", "value = 01.5", 1),
		strings.Replace(subTOML, "value = 0.5", "value = nan", 1),
		strings.Replace(subTOML, "value = 0.5", "value = 0.5 # comment", 1),
		strings.Replace(subTOML, "value = 0.5", "value = 0.5\nvalue = 0.6", 1),
		strings.Replace(subTOML, `team = "Team A"`, `team = "Team \u00e9 \U0001F600 \"x\""`, 1),
		strings.Replace(subTOML, `team = "Team A"`, `team = 'Team A'`, 1),
		strings.Replace(subTOML, `team = "Team A"`, `team = "Team A`, 1),
		strings.Replace(subTOML, `team = "Team A"`, `team = "Team \x"`, 1),
		strings.Replace(subTOML, `team = "Team A"`, "team = \"Team \x01\"", 1),
		strings.Replace(subTOML, `team = "Team A"`, `Team = "Team A"`, 1),
		"[run]\nseed = 007\n" + subTOML,
		subTOML + "[run]\nseed = -3\n[run]\n",
		subTOML + "[hardware]\neligible = yes\n",
		subTOML + "[[scenarios.metrics]]\nname = \"x\"\n",
		"[[scenarios.metrics]]\nname = \"x\"\n" + subTOML,
		strings.ReplaceAll(subTOML, "\n", "\r\n"),
		"  id = \"a\"  \n\t\n" + subTOML[9:],
	}
}

// TestFastSubmission checks pelletier/go-toml against BurntSushi/toml: what it
// accepts, BurntSushi/toml accepts and decodes to the same value; and it
// takes the files that WriteFile writes.
func TestFastSubmission(t *testing.T) {
	for i, doc := range fastSamples(t) {
		checkFast(t, doc)
		if i == 0 {
			var s Submission
			if !fastSubmission([]byte(doc), &s) {
				t.Errorf("the fast path refused a file that WriteFile wrote:\n%s", doc)
			}
		}
	}
}

func checkFast(t testing.TB, doc string) {
	var fast Submission
	if !fastSubmission([]byte(doc), &fast) {
		return
	}
	var full Submission
	if err := DecodeStrict("x.toml", []byte(doc), &full); err != nil {
		// pelletier/go-toml fills a list from a table where BurntSushi/toml
		// refuses the shape; the checks after decoding still apply.
		if strings.Contains(err.Error(), "incompatible types") {
			return
		}
		t.Fatalf("fast path accepted what BurntSushi/toml refuses (%v):\n%q", err, doc)
	}
	if !reflect.DeepEqual(fast, full) && encode(t, &fast) != encode(t, &full) { // NaN != NaN

		t.Fatalf("fast path decoded\n%q\nas %+v, BurntSushi/toml as %+v", doc, fast, full)
	}
}

func encode(t testing.TB, s *Submission) string {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(s); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func FuzzFastSubmission(f *testing.F) {
	for _, doc := range fastSamples(f) {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc string) { checkFast(t, doc) })
}
