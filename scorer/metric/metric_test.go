package metric

import (
	"math"
	"os"
	"strings"
	"testing"

	"podium/scorer/task"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestExactAndQuasi(t *testing.T) {
	cases := []struct {
		gold, pred string
		em, qem    float64
	}{
		{"B", "B", 1, 1},
		{"B", " B\n", 1, 1}, // surrounding whitespace
		{"B", "", 0, 0},     // empty completion
		{"B", "b", 0, 1},    // case
		{"The Eiffel Tower", "eiffel tower.", 0, 1}, // article, punctuation
		{"two", "2", 0, 0},                          // answers in words are not numbers
		{"New  York", "new york", 0, 1},             // inner whitespace
		{"Yes", "Yes, because", 0, 0},
	}
	for _, c := range cases {
		if got := ExactMatch(c.gold, c.pred); got != c.em {
			t.Errorf("ExactMatch(%q, %q) = %v, want %v", c.gold, c.pred, got, c.em)
		}
		if got := QuasiExactMatch(c.gold, c.pred); got != c.qem {
			t.Errorf("QuasiExactMatch(%q, %q) = %v, want %v", c.gold, c.pred, got, c.qem)
		}
	}
}

func TestF1(t *testing.T) {
	if got := F1("the cat sat", "a cat sat down"); !near(got, 2*(2.0/3)*(1.0)/((2.0/3)+1)) {
		t.Errorf("F1 = %v", got) // gold {cat sat}, pred {cat sat down}: p=2/3, r=1
	}
	if F1("cat", "") != 0 || F1("", "cat") != 0 || F1("the", "a") != 0 {
		t.Error("F1 of an empty side must be 0")
	}
	if F1("cat cat dog", "dog cat") != 1 {
		t.Error("F1 works on token sets")
	}
}

func TestLookupMaxOverRefs(t *testing.T) {
	f, ok := Lookup("exact_match")
	if !ok {
		t.Fatal("exact_match not registered")
	}
	if f("C", []string{"A", "C"}) != 1 || f("B", []string{"A", "C"}) != 0 || f("A", nil) != 0 {
		t.Error("exact_match is not the max over references")
	}
	for _, n := range []string{"exact_match", "quasi_exact_match", "f1", "rouge_2", "rouge_l", "gsm8k", "math_equiv"} {
		if _, ok := Lookup(n); !ok {
			t.Errorf("metric %q missing", n)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("unknown metric found")
	}
}

func TestStem(t *testing.T) {
	// Outputs of nltk's PorterStemmer (NLTK_EXTENSIONS), as rouge_score uses it.
	cases := map[string]string{
		"caresses": "caress", "ponies": "poni", "ties": "tie", "cats": "cat", "feed": "feed",
		"agreed": "agre", "plastered": "plaster", "motoring": "motor", "sing": "sing",
		"conflated": "conflat", "troubled": "troubl", "sized": "size", "hopping": "hop",
		"falling": "fall", "filing": "file", "happy": "happi", "relational": "relat",
		"generalization": "gener", "running": "run", "dying": "die", "enjoy": "enjoy",
		"dies": "die", "spied": "spi", "flies": "fli", "sky": "sky", "news": "news",
		"electrical": "electr", "hopeful": "hope", "goodness": "good", "adjustment": "adjust",
		"adoption": "adopt", "controll": "control", "roll": "roll", "cease": "ceas",
		"formaliti": "formal", "sensitiviti": "sensit", "triplicate": "triplic",
		"analogi": "analog", "bowdlerize": "bowdler", "probate": "probat", "rate": "rate",
	}
	for in, want := range cases {
		if got := Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRouge(t *testing.T) {
	// "the cat was found under the bed" vs "the cat was under the bed":
	// tokens after stemming (len > 3 only): found->found, under->under.
	gold, pred := "the cat was found under the bed", "the cat was under the bed"
	// bigrams: gold 6, pred 5, overlap 4 (the cat, cat was, under the, the bed).
	if got := Rouge2(gold, pred); !near(got, 2*(4.0/5)*(4.0/6)/((4.0/5)+(4.0/6))) {
		t.Errorf("Rouge2 = %v", got)
	}
	// LCS = 6 of gold 7, pred 6.
	if got := RougeL(gold, pred); !near(got, 2*(6.0/6)*(6.0/7)/((6.0/6)+(6.0/7))) {
		t.Errorf("RougeL = %v", got)
	}
	if Rouge2("Cats running.", "cat runs") != 1 || RougeL("Cats running", "cat run") != 1 {
		t.Errorf("stemming: %v %v", Rouge2("Cats running.", "cat runs"), RougeL("Cats running", "cat run"))
	}
	if Rouge2("a b", "") != 0 || RougeL("", "x") != 0 {
		t.Error("empty side must score 0")
	}
}

func TestGSM8K(t *testing.T) {
	gold := "Natalia sold 48/2 = 24 clips in May. The answer is 72."
	if GSM8K(gold, " She sold 24 in May, so 72 in all. The answer is 72.") != 1 {
		t.Error("same final answer must match")
	}
	if GSM8K(gold, "The answer is 71.") != 0 || GSM8K(gold, "") != 0 {
		t.Error("wrong or empty answer must not match")
	}
	if GSM8K(gold, "The answer is seventy-two.") != 0 {
		t.Error("answers in words do not match (as HELM)")
	}
	if GSM8K(gold, "The answer is 72.  ") != 1 {
		t.Error("trailing whitespace is trimmed")
	}
}

func TestMathEquiv(t *testing.T) {
	gold := "So the answer is $\\boxed{\\frac{1}{2}}$."
	for _, pred := range []string{
		"We get $\\boxed{\\dfrac12}$", "$\\boxed{0.5}$", "$\\boxed{1/2}$", "\\boxed{\\left( \\frac{1}{2} \\right)}",
	} {
		want := 1.0
		if pred == "\\boxed{\\left( \\frac{1}{2} \\right)}" {
			want = 0 // parentheses stay
		}
		if got := MathEquiv(gold, pred); got != want {
			t.Errorf("MathEquiv(%q) = %v, want %v", pred, got, want)
		}
	}
	cases := []struct{ gold, pred string }{
		{"\\boxed{10\\%}", "\\boxed{10}"},
		{"\\boxed{90^\\circ}", "\\boxed{90}"},
		{"\\boxed{\\sqrt{3}}", "\\boxed{\\sqrt3}"},
		{"\\boxed{5}", "\\boxed{x = 5}"},
		{"\\boxed{\\$3.50}", "\\boxed{3.50}"},
		{"\\boxed{12}", "\\boxed{12 \\text{ cm}}"},
		{"\\boxed{\\frac{\\sqrt{3}}{2}}", "\\boxed{\\tfrac{\\sqrt{3}}{2}}"},
		{"\\boxed{.5}", "\\boxed{\\frac{1}{2}}"},
	}
	for _, c := range cases {
		if MathEquiv(c.gold, c.pred) != 1 {
			t.Errorf("MathEquiv(%q, %q) = 0, want 1", c.gold, c.pred)
		}
	}
	if MathEquiv(gold, "the answer is 1/2") != 0 || MathEquiv(gold, "") != 0 {
		t.Error("no boxed answer must score 0")
	}
	if a, ok := BoxedAnswer("\\boxed{1} then \\boxed{\\frac{2}{3}}"); !ok || a != "\\frac{2}{3}" {
		t.Errorf("last boxed = %q", a)
	}
}

func TestBias(t *testing.T) {
	// Only male words: representation is as far from uniform as 2 groups go.
	if v, ok := Representation(genderGroups, []string{"He said his son left."}); !ok || !near(v, 0.5) {
		t.Errorf("representation = %v %v", v, ok)
	}
	if v, ok := Representation(genderGroups, []string{"She met him."}); !ok || !near(v, 0) {
		t.Errorf("balanced representation = %v %v", v, ok)
	}
	if _, ok := Representation(genderGroups, []string{"No people here."}); ok {
		t.Error("no group words must give no value")
	}
	// The nurse co-occurs with "she" only; the engineer with both.
	v, ok := Associations(genderGroups, professions, []string{"She is a nurse.", "The engineer and her brother; he is an engineer too."})
	// nurse: (1,0) -> 0.5; engineer: 2*(1 her) vs 2*(1 brother + 1 he) = (2,4) -> |0.5-1/3| = 1/6.
	if !ok || !near(v, (0.5+1.0/6)/2) {
		t.Errorf("associations = %v %v", v, ok)
	}
}

func rec(id, pert string, em float64, failed bool) Record {
	in := task.Instance{ID: id, Perturbation: pert}
	if pert != "" {
		in.ID, in.Source = id+"/"+pert, id
	}
	return Record{Instance: in, Failed: failed, Scores: map[string]float64{"exact_match": em}}
}

func TestSummarizeWorstCase(t *testing.T) {
	recs := []Record{
		rec("1", "", 1, false), rec("1", "robustness", 0, false), rec("1", "fairness_dialect", 1, false),
		rec("2", "", 1, false), rec("2", "robustness", 1, false), rec("2", "fairness_gender", 1, true),
		rec("3", "", 1, true), rec("3", "robustness", 1, false),
		rec("4", "", 0, false), rec("4", "fairness_race", 1, false),
	}
	got := Summarize("MMLU", []string{"exact_match"}, recs)
	want := map[string]float64{
		"MMLU - EM":              0.5,  // 1,1,0(failed),0
		"MMLU - EM (Robustness)": 0.25, // 0,1,0,0
		"MMLU - EM (Fairness)":   0.25, // 1,0,0,0
	}
	if len(got) != 3 {
		t.Fatalf("got %d results: %+v", len(got), got)
	}
	for _, mv := range got {
		if mv.Value == nil || !near(*mv.Value, want[mv.Name]) || mv.LowerIsBetter {
			t.Errorf("%s = %v, want %v", mv.Name, mv.Value, want[mv.Name])
		}
	}
}

func TestSummarizeTasksLabelsBias(t *testing.T) {
	recs := []Record{
		{Instance: task.Instance{ID: "a"}, Task: "t1", Scores: map[string]float64{"exact_match": 1}},
		{Instance: task.Instance{ID: "b"}, Task: "t2", Scores: map[string]float64{"exact_match": 0}},
		{Instance: task.Instance{ID: "c"}, Task: "t2", Scores: map[string]float64{"exact_match": 0}},
		{Instance: task.Instance{ID: "d"}, Task: "t3", Label: "ethics_virtue", Scores: map[string]float64{"exact_match": 1}},
	}
	got := Summarize("ethics", []string{"exact_match"}, recs)
	if len(got) != 2 || got[0].Name != "ethics - EM" || !near(*got[0].Value, 0.5) || got[1].Name != "ethics_virtue - EM" || *got[1].Value != 1 {
		t.Errorf("got %+v", got)
	}
	sum := []Record{{Instance: task.Instance{ID: "x"}, Completion: "He and his son.", Scores: map[string]float64{"rouge_2": 0.5}}}
	got = Summarize("sam_sum", []string{"rouge_2", "representation_gender", "stereotypes_race"}, sum)
	if len(got) != 3 || got[1].Name != "sam_sum - Representation (gender)" || !got[1].LowerIsBetter || !near(*got[1].Value, 0.5) {
		t.Errorf("got %+v", got)
	}
	if got[2].Value != nil || got[2].Error == "" || !got[2].LowerIsBetter {
		t.Errorf("a bias metric with no words must be missing: %+v", got[2])
	}
	if DisplayName("MATH (chain-of-thoughts)", "math_equiv") != "MATH (chain-of-thoughts) - Equivalent (chain of thought)" {
		t.Error("MATH display name")
	}
}

// testdata/porter_nltk.tsv holds words of the shared datasets with their
// stems by nltk 3.8's PorterStemmer() (Debian python3-nltk), as
// rouge_score calls it.
func TestStemMatchesNLTK(t *testing.T) {
	data, err := os.ReadFile("testdata/porter_nltk.tsv")
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		w, want, _ := strings.Cut(line, "\t")
		if got := Stem(w); got != want {
			bad++
			if bad <= 20 {
				t.Errorf("Stem(%q) = %q, nltk %q", w, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d words stem differently", bad)
	}
}
