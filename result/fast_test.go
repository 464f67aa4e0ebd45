package result

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// exampleTOML is what scorer and the sample data write.
const exampleTOML = `id = "sub-0001"
team = "Team 1"
base_model = "Llama 2 7B"
track = "track1"
description = "Submission 1: *LoRA* on open data."

[[scenarios]]
  name = "scenario_01"

  [[scenarios.metrics]]
    name = "metric_01"
    value = 0.5818

  [[scenarios.metrics]]
    name = "metric_21"
    value = 0.7114
    lower_is_better = true

  [[scenarios.metrics]]
    name = "metric_22"
    error = "timeout"

  [[scenarios.metrics]]
    name = "metric_23"
`

// fastSample is a results file; fast says the fast path must take it.
type fastSample struct {
	doc  string
	fast bool
}

// fastSamples are results files in and out of the fast path's subset, valid
// TOML and not.
func fastSamples(t testing.TB) []fastSample {
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
	withLists := *full
	withLists.Run = &Run{Failures: map[string]int{"timeout": 3, `bad answer: "x"`: 1}}
	withLists.Reproduction = &Reproduction{Status: Failed, Reasons: []string{"a", "b"}}
	empty := withLists
	empty.Run = &Run{Failures: map[string]int{}}
	empty.Reproduction = &Reproduction{Status: Pending, Reasons: []string{}}

	sub := func(old, new string) string { return strings.Replace(subTOML, old, new, 1) }
	val := func(new string) string { return sub("value = 0.5", new) }
	team := func(new string) string { return sub(`team = "Team A"`, new) }
	run := func(body string) string { return subTOML + "[run]\n" + body + "\n" }
	var samples []fastSample
	for _, d := range []string{
		encode(t, full), encode(t, &withLists), encode(t, &empty),
		subTOML, exampleTOML, string(typicalFile(t)),
		// Headers the capacity hints miss or count twice.
		strings.ReplaceAll(string(typicalFile(t)), "[[scenarios.metrics]]", "[[ scenarios.metrics ]]"),
		strings.ReplaceAll(string(typicalFile(t)), "[[scenarios]]", "[[ scenarios ]]"),
		"description = \"[[scenarios]] [[scenarios.metrics]]\"\n" + subTOML,
		// Line ends, comments, blank lines, spacing, quoted keys.
		strings.ReplaceAll(exampleTOML, "\n", "\r\n"),
		"# results\n\n" + strings.ReplaceAll(subTOML, "\n", " # note\n"),
		"  id = \"a\"  \n\t\n" + subTOML[9:],
		strings.TrimSuffix(subTOML, "\n"),
		sub("[[scenarios]]", "[[ scenarios ]]"),
		sub("[[scenarios.metrics]]", "[[ scenarios . metrics ]]"),
		sub(`id = "a"`, `"id"="a"`),
		sub(`id = "a"`, `'id' = "a"`),
		val(`"value" = 0.5`),
		// Strings in every form.
		team(`team = "Team \u00e9 \U0001F600 \"x\" \\ \t \b \f \r \n \e \x41"`),
		team(`team = 'C:\Team A'`),
		team("team = \"\"\"\nTeam\\\n    A \"quoted\"\"\"\""),
		team("team = '''\nTeam\r\nA'''"),
		team("team = \"\"\"\r\nTeam\r\nA\"\"\""),
		team("team = ''''Team A''''"),
		team(`team = ""`),
		// Numbers in every form, into float64 and integer fields.
		val("value = 1"), val("value = -0"), val("value = 1e3"), val("value = 1E-3"),
		val("value = +0.5"), val("value = -0.5"), val("value = 1_000.5"), val("value = 1_0e+0_2"),
		val("value = -0.0"), val("value = 0x1F"), val("value = 0o17"), val("value = 0b101"),
		val("value = inf"), val("value = -inf"), val("value = +inf"),
		val("value = nan"), val("value = -nan"), val("value = +nan"),
		val("value = 9007199254740991"), val("value = -9007199254740991"),
		val("value = 1e-400"), val("value = 4.9e-324"), val("value = 1.7976931348623157e308"),
		run("seed = 0xDEAD_beef\ninstances = 0o755\nfailed = 0b1010\nrequests = 1_000\ntokens = +17"),
		run("seed = -9223372036854775808\ninstances = 9223372036854775807"),
		// Every table, in other orders too.
		run("suite = \"s\"\nfailures = {timeout = 3, \"bad answer\" = 1, 'x' = -2}"),
		run("failures = {}"),
		run("failures = {\n  timeout = 3, # why\n  other = 1,\n}"),
		run("failures = {a = 1,}"),
		run("seed = 1\n[run.failures]\ntimeout = 3\n\"bad answer\" = 1"),
		run("[hardware]\nindex = 0\n[run.failures]\ntimeout = 3"),
		subTOML + "[reproduction]\nstatus = \"failed\"\nreasons = [\n  \"a\", # first\n  'b',\n]\n",
		subTOML + "[reproduction]\nreasons = []\n",
		subTOML + "[hardware]\n[efficiency]\n[reproduction]\n[run]\n[run.failures]\n",
		"[run]\nseed = 1\n[[scenarios]]\nname = \"x\"\n[hardware]\nindex = 2\n[[scenarios.metrics]]\nname = \"m\"\n[[scenarios]]\n[efficiency]\nseconds = 1\n",
		subTOML + "[[scenarios.metrics]]\nname = \"x\"\n",
		subTOML + "[[scenarios]]\nname = \"GSM8K\"\n[[scenarios]]\n[[scenarios.metrics]]\n",
		"",
	} {
		samples = append(samples, fastSample{d, true})
	}
	for _, d := range []string{
		// Keys twice, tables twice.
		sub(`id = "a"`, "id = \"a\"\nid = \"b\""),
		sub(`id = "a"`, "id = \"a\"\n\"id\" = \"a\""),
		val("value = 0.5\nvalue = 0.6"),
		val("value = 0.5\nlower_is_better = true\nlower_is_better = false"),
		sub(`name = "MMLU"`, "name = \"MMLU\"\nname = \"x\""),
		run("seed = 1\nseed = 1"),
		run("seed = -3\n[run]"),
		run("failures = {a = 1, a = 2}"),
		run("failures = {a = 1, \"a\" = 2}"),
		run("failures = {a = 1}\nfailures = {b = 1}"),
		run("failures = {a = 1}\n[run.failures]\nb = 2"),
		run("[run.failures]\na = 1\n[run.failures]\nb = 2"),
		run("[run.failures]\na = 1\na = 2"),
		subTOML + "[hardware]\nindex = 1\nindex = 2\n",
		subTOML + "[hardware]\n[hardware]\n",
		subTOML + "[efficiency]\nseconds = 1\nseconds = 2\n",
		subTOML + "[efficiency]\n[efficiency]\n",
		subTOML + "[reproduction]\nstatus = \"a\"\nstatus = \"b\"\n",
		subTOML + "[reproduction]\n[reproduction]\n",
		// Unknown keys and tables, dotted keys, inline tables.
		subTOML + "colour = \"red\"\n",
		val("valu = 0.5"),
		sub(`name = "MMLU"`, `nam = "MMLU"`),
		team(`Team = "Team A"`),
		"colour = 1\n" + subTOML,
		run("colour = 1"),
		subTOML + "[hardware]\ncolour = 1\n",
		subTOML + "[efficiency]\ncolour = 1\n",
		subTOML + "[reproduction]\ncolour = 1\n",
		subTOML + "[colour]\n",
		subTOML + "[Run]\n",
		subTOML + "[run.colour]\n",
		subTOML + "[run.failures.x]\n",
		subTOML + "[run.failures.x.y]\n",
		subTOML + "[scenarios]\n",
		subTOML + "[[run]]\n",
		subTOML + "[[colour]]\n",
		subTOML + "[[scenarios.colour]]\n",
		subTOML + "[[scenarios.metrics.x]]\n",
		"run.seed = 1\n" + subTOML,
		run("failures.timeout = 3"),
		run("failures = {a.b = 1}"),
		"hardware = {index = 1}\n" + subTOML,
		"scenarios = [{name = \"x\"}]\n",
		sub("name = \"MMLU\"", "name = \"MMLU\"\nmetrics = [{name = \"x\"}]"),
		// Tables out of order.
		"[[scenarios.metrics]]\nname = \"x\"\n" + subTOML,
		"[run.failures]\na = 1\n[run]\nseed = 1\n" + subTOML,
		"[run.failures]\na = 1\n" + subTOML,
		"[scenarios]\nname = \"x\"\n[[scenarios]]\n",
		"[[scenarios]]\n[scenarios.metrics]\n",
		// Wrong types.
		val(`value = "high"`), val("value = true"), val("value = [0.5]"), val("value = {x = 1}"),
		val("value = 9007199254740992"), val("value = -9007199254740992"), val("value = 1e400"), val("value = -1e400"),
		val("value = 1979-05-27"), val("value = 07:32:00"), val("value = 1979-05-27T07:32:00Z"), val("value = 1979-05-27 07:32:00"),
		val("value = 0.5\nlower_is_better = 1"), val("value = 0.5\nerror = 1"),
		sub(`name = "MMLU"`, "name = 1"), team("team = 1"), team("team = true"), team(`team = ["a"]`),
		run("seed = 1.5"), run(`seed = "1"`), run("seed = 9223372036854775808"), run("seed = 1e3"), run("seed = inf"),
		run("failures = 3"), run("failures = {a = 1.5}"), run(`failures = {a = "x"}`), run("failures = [1]"),
		subTOML + "[hardware]\nindex = 1.0\n", subTOML + "[hardware]\neligible = \"yes\"\n", subTOML + "[hardware]\neligible = yes\n",
		subTOML + "[hardware]\nmemory_gib = \"24\"\n",
		subTOML + "[reproduction]\nreasons = \"a\"\n", subTOML + "[reproduction]\nreasons = [1]\n",
		subTOML + "[reproduction]\nreasons = [\"a\", 1]\n", subTOML + "[reproduction]\nreasons = [[\"a\"]]\n",
		// Broken syntax.
		val("value = 01.5"), val("value = 1."), val("value = .5"), val("value = 1__0"), val("value = 1_"),
		val("value = +0x1"), val("value = 0x"), val("value = 1e"), val("value = nanx"), val("value = 0.5 0.6"),
		run("seed = 007"),
		team(`team = "Team A`), team(`team = "Team \x"`), team("team = \"Team \x01\""), team(`team = "\uD800"`),
		team("team = \"Team \xff\""), team("team = 'a\x7f'"), team("team = \"\"\"a\rb\"\"\""),
		team("team = \"\"\"a\"\"\"\"\"\"\""),
		"\ufeff" + subTOML,
		"# \x01\n" + subTOML,
		"# a\rb\n" + subTOML,
		strings.ReplaceAll(subTOML, "\n", "\r"),
		subTOML + "[run]x\n",
		subTOML + "[[scenarios]\n",
		"=1\n" + subTOML,
	} {
		samples = append(samples, fastSample{d, false})
	}
	return samples
}

// TestFastSubmission checks the fast path against BurntSushi/toml: what it
// accepts, BurntSushi/toml accepts and decodes to the same value; and it
// takes the files that WriteFile and scorer write.
func TestFastSubmission(t *testing.T) {
	for _, c := range fastSamples(t) {
		if !checkFast(t, c.doc) && c.fast {
			t.Errorf("the fast path refused a common file:\n%s", c.doc)
		}
	}
}

// checkFast reports whether the fast path took doc, after checking that
// BurntSushi/toml takes it too and decodes the same.
func checkFast(t testing.TB, doc string) bool {
	var fast Submission
	if !fastSubmission([]byte(doc), &fast) {
		return false
	}
	var full Submission
	if err := DecodeStrict("x.toml", []byte(doc), &full); err != nil {
		t.Fatalf("fast path accepted what BurntSushi/toml refuses (%v):\n%q", err, doc)
	}
	if !sameSubmission(&fast, &full) {
		t.Fatalf("fast path decoded\n%q\nas %s\nBurntSushi/toml as %s", doc, dump(t, &fast), dump(t, &full))
	}
	return true
}

// sameSubmission is reflect.DeepEqual, but values compare by their bits
// (NaN equals NaN of the same sign; 0 and -0 differ).
func sameSubmission(a, b *Submission) bool {
	ca, cb := *a, *b
	ca.Scenarios, cb.Scenarios = nil, nil
	if !reflect.DeepEqual(ca, cb) || len(a.Scenarios) != len(b.Scenarios) || (a.Scenarios == nil) != (b.Scenarios == nil) {
		return false
	}
	for i, sa := range a.Scenarios {
		sb := b.Scenarios[i]
		if sa.Name != sb.Name || len(sa.Metrics) != len(sb.Metrics) || (sa.Metrics == nil) != (sb.Metrics == nil) {
			return false
		}
		for j, ma := range sa.Metrics {
			mb := sb.Metrics[j]
			va, vb := ma.Value, mb.Value
			ma.Value, mb.Value = nil, nil
			if ma != mb || (va == nil) != (vb == nil) || va != nil && math.Float64bits(*va) != math.Float64bits(*vb) {
				return false
			}
		}
	}
	return true
}

// dump shows s with its values' bits.
func dump(t testing.TB, s *Submission) string {
	var bits []string
	for _, sc := range s.Scenarios {
		for _, m := range sc.Metrics {
			if m.Value != nil {
				bits = append(bits, fmt.Sprintf("%x", math.Float64bits(*m.Value)))
			}
		}
	}
	return fmt.Sprintf("%s\nvalues %v", encode(t, s), bits)
}

func encode(t testing.TB, s *Submission) string {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(s); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func FuzzFastSubmission(f *testing.F) {
	for _, c := range fastSamples(f) {
		f.Add(c.doc)
	}
	f.Fuzz(func(t *testing.T, doc string) { checkFast(t, doc) })
}

// typicalFile is a results file like the ones synth.Round writes: 10
// scenarios, 40 metrics, one missing value.
func typicalFile(t testing.TB) []byte {
	s := &Submission{ID: "sub-0001", Team: "Team 1", BaseModel: "Llama 2 7B", Track: "track1",
		Description: "Submission 1: *LoRA* on open data, see [the recipe](https://example.org/recipe-1)."}
	for i := 0; i < 10; i++ {
		sc := ScenarioResult{Name: fmt.Sprintf("scenario_%02d", i+1)}
		for m := i; m < 40; m += 10 {
			mv := MetricValue{Name: fmt.Sprintf("metric_%02d", m+1), LowerIsBetter: m%7 == 6}
			if m == 17 {
				mv.Error = "timeout"
			} else {
				v := float64(int(float64(m*7919%10000))) / 1e4
				mv.Value = &v
			}
			sc.Metrics = append(sc.Metrics, mv)
		}
		s.Scenarios = append(s.Scenarios, sc)
	}
	return []byte(encode(t, s))
}

func BenchmarkFastSubmission(b *testing.B) {
	data := typicalFile(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var s Submission
		if !fastSubmission(data, &s) {
			b.Fatal("the fast path refused a typical file")
		}
	}
}

// TestFastSubmissionRepoFiles: the fast path takes every results file in
// the repository, as BurntSushi/toml reads it.
func TestFastSubmissionRepoFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "results", "*", "*", "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if isSidecar(f) {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !checkFast(t, string(data)) {
			t.Errorf("the fast path refused %s", f)
		}
	}
	if len(files) == 0 {
		t.Skip("no results files in the repository")
	}
}
