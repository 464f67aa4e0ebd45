package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"podium/result"
)

func val(x float64) *float64 { return &x }

func sub(metrics ...any) *result.Submission {
	s := &result.Submission{ID: "s"}
	for i := 0; i < len(metrics); i += 3 {
		sc, name := metrics[i].(string), metrics[i+1].(string)
		mv := result.MetricValue{Name: name}
		if v, ok := metrics[i+2].(float64); ok {
			mv.Value = val(v)
		}
		if len(s.Scenarios) == 0 || s.Scenarios[len(s.Scenarios)-1].Name != sc {
			s.Scenarios = append(s.Scenarios, result.ScenarioResult{Name: sc})
		}
		last := &s.Scenarios[len(s.Scenarios)-1]
		last.Metrics = append(last.Metrics, mv)
	}
	return s
}

func TestParseTolerance(t *testing.T) {
	for in, want := range map[string]Tolerance{"0.02": {Abs: 0.02}, "5%": {Rel: 0.05}, " 0 ": {}, "2.5 %": {Rel: 0.025}} {
		got, err := ParseTolerance(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "-1", "x%", "NaN", "inf", "%"} {
		if _, err := ParseTolerance(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCompare(t *testing.T) {
	submitted := sub("gsm", "em", 0.40, "bbq", "em", 0.70, "bbq", "bias", 0.10, "tqa", "em", nil)
	same := sub("gsm", "em", 0.41, "bbq", "em", 0.69, "bbq", "bias", 0.10)
	if why := Compare(submitted, same, Tolerance{Abs: 0.01}); len(why) != 0 {
		t.Errorf("within 0.01: %q", why)
	}
	off := sub("gsm", "em", 0.30, "bbq", "em", nil)
	why := Compare(submitted, off, Tolerance{Abs: 0.05})
	want := []string{
		"scenario gsm, metric em: submitted 0.4, reproduced 0.3 (off by 0.1; tolerance 0.05)",
		"scenario bbq, metric em: the reproduction has no value",
		"scenario bbq, metric bias: missing from the reproduction",
	}
	if strings.Join(why, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(why, "\n"), strings.Join(want, "\n"))
	}
	// A scenario the submission lacks a value for is not compared; a
	// scenario missing from the reproduction is.
	if why := Compare(sub("a", "m", 1.0), sub("b", "m", 1.0), Tolerance{}); len(why) != 1 || !strings.Contains(why[0], "scenario a: missing") {
		t.Errorf("%q", why)
	}
	// Relative: 10% of 0.5 is 0.05.
	if why := Compare(sub("a", "m", 0.5), sub("a", "m", 0.54), Tolerance{Rel: 0.1}); len(why) != 0 {
		t.Errorf("%q", why)
	}
	if why := Compare(sub("a", "m", 0.5), sub("a", "m", 0.56), Tolerance{Rel: 0.1}); len(why) != 1 || !strings.Contains(why[0], "tolerance 10%") {
		t.Errorf("%q", why)
	}
}

func TestDecide(t *testing.T) {
	pass := &Audit{Attempt: 1, Verdict: Pass}
	fail := &Audit{Attempt: 3, Verdict: Fail, Reasons: []string{"the command exited with status 1"}}
	running := &Audit{Attempt: 2, Verdict: Incomplete}
	cases := []struct {
		disagree []string
		a        *Audit
		need     bool
		status   string
		reason   string
	}{
		{nil, pass, true, result.Reproduced, ""},
		{nil, nil, false, result.Reproduced, ""},
		{nil, nil, true, result.Pending, "no audit"},
		{nil, running, true, result.Pending, "audit attempt 2 has not finished"},
		{nil, fail, true, result.Failed, "audit attempt 3: the command exited with status 1"},
		{[]string{"scenario x: missing"}, pass, true, result.Failed, "scenario x: missing"},
		{[]string{"scenario x: missing"}, nil, true, result.Failed, "scenario x: missing"},
	}
	for i, c := range cases {
		rp := Decide(c.disagree, c.a, "results/r/t/s.audit.toml", c.need)
		if rp.Status != c.status || (c.reason == "" && len(rp.Reasons) != 0) || (c.reason != "" && !strings.Contains(strings.Join(rp.Reasons, "|"), c.reason)) {
			t.Errorf("case %d: %+v", i, rp)
		}
	}
}

func TestLatest(t *testing.T) {
	dir := t.TempDir()
	if a, _, err := Latest(dir, "s"); a != nil || err != nil {
		t.Fatalf("no audits: %v %v", a, err)
	}
	for _, n := range []int{1, 2, 9, 10} {
		if err := result.WriteFile(Path(dir, "s", n), &Audit{Attempt: n, Verdict: Pass}); err != nil {
			t.Fatal(err)
		}
	}
	result.WriteFile(Path(dir, "other", 11), &Audit{Attempt: 11})
	a, p, err := Latest(dir, "s")
	if err != nil || a.Attempt != 10 || filepath.Base(p) != "s.attempt-10.audit.toml" {
		t.Fatalf("%v %+v %s", err, a, p)
	}
	// An attempt claimed but never written is unfinished.
	os.WriteFile(Path(dir, "s", 12), nil, 0o644)
	if a, _, err := Latest(dir, "s"); err != nil || a.Verdict != Incomplete {
		t.Fatalf("%v %+v", err, a)
	}
	// Orphan logs keep their number from being reused.
	os.WriteFile(filepath.Join(dir, "s.attempt-13.audit.stdout.log"), []byte("x"), 0o644)
	if n, p, err := claim(dir, "s"); err != nil || n != 3 {
		t.Fatalf("claim: %d %s %v", n, p, err)
	}
	os.WriteFile(Path(dir, "s", 4), nil, 0o644)
	for i := 5; i <= 12; i++ {
		os.WriteFile(Path(dir, "s", i), nil, 0o644)
	}
	if n, _, err := claim(dir, "s"); err != nil || n != 14 {
		t.Fatalf("claim past the orphan logs: %d %v", n, err)
	}
}

func TestReadReproduced(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.reproduced.toml")
	os.WriteFile(p, []byte("id = \"x\"\nteam = \"t\"\ntrack = \"a\"\n[[scenarios]]\nname = \"gsm\"\nmetrics = [{name = \"em\", value = 0.5}]\n"), 0o644)
	s, err := ReadReproduced(p)
	if err != nil || len(s.Scenarios) != 1 || *s.Scenarios[0].Metrics[0].Value != 0.5 {
		t.Fatalf("%v %+v", err, s)
	}
	os.WriteFile(p, []byte("id = \"x\"\nbogus = 1\n[[scenarios]]\nname = \"gsm\"\n"), 0o644)
	if _, err := ReadReproduced(p); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown key: %v", err)
	}
	os.WriteFile(p, []byte("id = \"x\"\n"), 0o644)
	if _, err := ReadReproduced(p); err == nil || !strings.Contains(err.Error(), "not a results file") {
		t.Errorf("no scenarios: %v", err)
	}
}
