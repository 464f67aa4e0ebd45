package scenario

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"podium/scorer/task"
)

// The bundled 2023 suites are generated from the run specs below (the
// organizers' build_run_specs_full.py for the open round and its
// closed-eval counterpart for the hidden one, llm-efficiency-challenge/
// neurips_llm_efficiency_challenge) by SuiteTOML, and kept in
// scorer/task/suites/ (see TestBundledSuitesUpToDate).

// Entry is one run spec of a 2023 suite.
type Entry struct {
	Group string // the organizers' budget group
	Run   string // the run spec; tasks HELM expands one run spec into share it
	Spec  task.Spec
}

// Budgets of the 2023 runs.
const (
	OpenBudget   = 2000
	HiddenBudget = 5000
)

var canonical = []string{"robustness", "fairness_dialect", "fairness_gender", "fairness_race"}

func str(s string) *string { return &s }

// openBigBench lists the open round's BIG-bench runs: group, task, subtask,
// and whether HELM ran it as multiple choice (its metrics).
var openBigBench = []struct {
	group, task, sub string
	mc               bool
	stop             string
}{
	{"auto_debugging", "auto_debugging", "", false, ""},
	{"code_line_description", "code_line_description", "", true, ""},
	{"conceptual_combinations", "conceptual_combinations", "contradictions", true, ""},
	{"conceptual_combinations", "conceptual_combinations", "emergent_properties", true, ""},
	{"conceptual_combinations", "conceptual_combinations", "fanciful_fictional_combinations", true, ""},
	{"conceptual_combinations", "conceptual_combinations", "homonyms", true, ""},
	{"conceptual_combinations", "conceptual_combinations", "invented_words", true, ""},
	{"emoji_movie", "emoji_movie", "", true, ""},
	{"formal_fallacies_syllogisms_negation", "formal_fallacies_syllogisms_negation", "", true, ""},
	{"known_unknowns", "known_unknowns", "", true, ""},
	{"linguistics_puzzles", "linguistics_puzzles", "", false, ""},
	{"logic_grid_puzzle", "logic_grid_puzzle", "", true, ""},
	{"logical_deduction", "logical_deduction", "three_objects", true, ""},
	{"logical_deduction", "logical_deduction", "five_objects", true, ""},
	{"logical_deduction", "logical_deduction", "seven_objects", true, ""},
	{"novel_concepts", "novel_concepts", "", true, ""},
	{"operator", "operators", "", false, "\n"},
	{"play_dialog_same_or_different", "play_dialog_same_or_different", "", true, ""},
	{"repeat_copy_logic", "repeat_copy_logic", "", false, ""},
	{"strange_stories", "strange_stories", "boolean", true, ""},
	{"strange_stories", "strange_stories", "multiple_choice", true, ""},
	{"strategyqa", "strategyqa", "", true, ""},
	{"symbol_interpretation", "symbol_interpretation", "adversarial", true, ""},
	{"symbol_interpretation", "symbol_interpretation", "emoji_agnostic", true, ""},
	{"symbol_interpretation", "symbol_interpretation", "name_agnostic", true, ""},
	{"symbol_interpretation", "symbol_interpretation", "plain", true, ""},
	{"symbol_interpretation", "symbol_interpretation", "tricky", true, ""},
	{"vitaminc_fact_verification", "vitaminc_fact_verification", "", true, ""},
	{"winowhy", "winowhy", "", true, ""},
}

// openMMLU lists the open round's MMLU subjects by group, in run-spec order.
var openMMLU = [][2]string{
	{"medicine_biology", "anatomy"}, {"medicine_biology", "college_medicine"}, {"medicine_biology", "college_biology"}, {"medicine_biology", "high_school_biology"},
	{"computer_science", "college_computer_science"}, {"computer_science", "high_school_computer_science"}, {"computer_science", "computer_security"}, {"computer_science", "electrical_engineering"}, {"computer_science", "machine_learning"},
	{"math", "high_school_mathematics"}, {"math", "college_mathematics"}, {"math", "abstract_algebra"}, {"math", "high_school_statistics"},
	{"physics_chemistry", "college_chemistry"}, {"physics_chemistry", "high_school_chemistry"}, {"physics_chemistry", "high_school_physics"}, {"physics_chemistry", "college_physics"}, {"physics_chemistry", "astronomy"},
	{"formal_reasoning", "formal_logic"}, {"formal_reasoning", "logical_fallacies"}, {"formal_reasoning", "philosophy"}, {"formal_reasoning", "moral_disputes"}, {"formal_reasoning", "moral_scenarios"},
	{"law", "professional_law"}, {"law", "international_law"}, {"law", "jurisprudence"},
	{"history", "high_school_european_history"}, {"history", "high_school_us_history"}, {"history", "high_school_world_history"}, {"history", "prehistory"}, {"history", "world_religions"},
	{"business", "business_ethics"}, {"business", "global_facts"}, {"business", "management"}, {"business", "marketing"}, {"business", "miscellaneous"}, {"business", "professional_accounting"},
	{"health", "nutrition"}, {"health", "human_aging"}, {"health", "clinical_knowledge"}, {"health", "medical_genetics"}, {"health", "professional_medicine"}, {"health", "virology"},
	{"social_studies", "high_school_government_and_politics"}, {"social_studies", "high_school_geography"}, {"social_studies", "us_foreign_policy"}, {"social_studies", "public_relations"}, {"social_studies", "security_studies"},
	{"human_behavior", "high_school_psychology"}, {"human_behavior", "human_sexuality"}, {"human_behavior", "professional_psychology"}, {"human_behavior", "sociology"},
	{"economics", "high_school_microeconomics"}, {"economics", "econometrics"}, {"economics", "high_school_macroeconomics"},
}

func mc(name, scenario, dataset, subset, instructions string, shots int, metric string) task.Spec {
	return task.Spec{Name: name, Scenario: scenario, Dataset: dataset, Subset: subset, Adapter: task.MultipleChoice,
		Instructions: str(instructions), Shots: shots, Metrics: []string{metric}}
}

func summarization(name, scenario, dataset, noun, ask string) task.Spec {
	t := 0.3
	return task.Spec{Name: name, Scenario: scenario, Dataset: dataset, Adapter: task.Generation,
		Instructions: str(""), InputPrefix: str("###\n" + noun + ": "), InputSuffix: str("\n\n"),
		OutputPrefix: str(ask + "\n"), OutputSuffix: str("\n"), InstanceSeparator: str("\n"),
		Shots: 5, Stop: []string{"###"}, MaxTokens: 128, Temperature: &t,
		Metrics: []string{"rouge_2", "stereotypes_race", "stereotypes_gender", "representation_race", "representation_gender"}}
}

func cnndm() task.Spec {
	s := summarization("cnndm", "CNN/DailyMail", "cnndm", "Article", "Summarize the above article in 3 sentences.")
	s.Description = "CNN/DailyMail news summarization (HELM summarization_cnndm)."
	return s
}

// OpenEntries are the open round's run specs.
func OpenEntries() []Entry {
	var out []Entry
	for _, b := range openBigBench {
		subset, name := b.task, b.task
		if b.sub != "" {
			subset, name = b.task+"/"+b.sub, b.task+"_"+b.sub
		}
		// max_train_instances=big_bench_few_shot_setting: HELM runs each
		// task with 0, 1, 2 and 3 shots, each on the entry's budget.
		for shots := 0; shots <= 3; shots++ {
			sp := task.Spec{Name: fmt.Sprintf("bigbench_%s_%dshot", name, shots), Scenario: "BIG-bench", Dataset: "bigbench", Subset: subset,
				Shots: shots, Metrics: []string{"exact_match"}, Instructions: str(""), MaxTokens: 64}
			if b.mc {
				sp.Adapter = task.MultipleChoice
				sp.Stop = []string{"\n"}
			} else {
				sp.Adapter = task.Generation
				sp.InputPrefix, sp.OutputPrefix = str("Question: "), str("Answer: ")
				sp.Stop = []string{"\n"}
			}
			out = append(out, Entry{Group: b.group, Run: "big_bench:" + subset, Spec: sp})
		}
	}
	for _, m := range openMMLU {
		sp := mc("mmlu_"+m[1], "MMLU", "mmlu", m[1],
			"The following are multiple choice questions (with answers) about "+strings.ReplaceAll(m[1], "_", " ")+".", 5, "exact_match")
		sp.Perturbations = canonical
		out = append(out, Entry{Group: m[0], Spec: sp})
	}
	tq := mc("truthfulqa", "TruthfulQA", "truthfulqa", "", "", 5, "exact_match")
	tq.Perturbations = canonical
	out = append(out, Entry{Group: "truthful_qa", Spec: tq})
	out = append(out, Entry{Group: "truthful_qa", Spec: cnndm()})
	out = append(out, Entry{Group: "gsm", Spec: task.Spec{Name: "gsm8k", Scenario: "GSM8K", Dataset: "gsm8k", Adapter: task.Generation,
		Instructions: str(""), InputPrefix: str("Q: "), OutputPrefix: str("A: "), Shots: 5, Stop: []string{"\n\n"}, MaxTokens: 400, Metrics: []string{"gsm8k"}}})
	bbq := mc("bbq", "BBQ", "bbq", "all", "The following are multiple choice questions (with answers).", 5, "quasi_exact_match")
	bbq.InputPrefix = str("Passage: ")
	out = append(out, Entry{Group: "bbq", Spec: bbq})
	return out
}

var ethicsInstructions = map[string]string{
	"justice":        "Is each claim reasonable? Answer the following multiple choice questions.",
	"commonsense":    "Is the following action clearly morally wrong? Answer the following multiple choice questions.",
	"virtue":         "Does the trait fit the behaviour in the sentence? Answer the following multiple choice questions.",
	"deontology":     "Is the excuse reasonable? Answer the following multiple choice questions.",
	"utilitarianism": "Which of the two scenarios is more pleasant for the person in it? Answer the following multiple choice questions.",
}

var mathSubjects = []string{"number_theory", "intermediate_algebra", "algebra", "prealgebra", "geometry", "counting_and_probability", "precalculus"}

func mathSpec(subject, level string, cot bool) task.Spec {
	sp := task.Spec{Scenario: "MATH", Dataset: "math", Adapter: task.Generation, Secret: true,
		Instructions: str("Given a mathematics problem, determine the answer. Simplify your answer as much as possible."),
		InputPrefix:  str("Problem:\n"), InputSuffix: str("\n"), OutputSuffix: str("\n"), InstanceSeparator: str("###\n"),
		Shots: 8, Stop: []string{"###"}, MaxTokens: 400}
	if cot {
		sp.Name, sp.Label, sp.Subset = "math_"+subject+"_l"+level+"_cot", "MATH (chain-of-thoughts)", subject+":"+level
		sp.OutputPrefix, sp.Metrics = str("Answer: "), []string{"math_equiv"}
	} else {
		sp.Name, sp.Subset = "math_"+subject+"_l"+level, subject+":"+level+":answer"
		sp.OutputPrefix, sp.OutputSuffix, sp.Metrics = str("Answer: $"), str("$\n"), []string{"math_equiv_plain"}
	}
	return sp
}

// HiddenEntries are the hidden round's run specs.
func HiddenEntries() []Entry {
	sam := summarization("samsum", "sam_sum", "samsum", "Dialogue", "Summarize the above dialogue in 1 sentence.")
	sam.Secret, sam.Description = true, "SAMSum dialogue summarization."
	c2c := task.Spec{Name: "corr2cause", Scenario: "corr2cause", Dataset: "corr2cause", Adapter: task.Generation, Secret: true,
		Instructions: str("Does the hypothesis follow from the premise? Answer 1 for yes and 0 for no."),
		InputPrefix:  str("Question: "), OutputPrefix: str("Answer: "), Shots: 1, Stop: []string{"\n"}, MaxTokens: 5, Metrics: []string{"exact_match"},
		Description: "Causal inference from correlational statements (Jin et al. 2023)."}
	out := []Entry{{Group: "summarization", Spec: sam}, {Group: "causation", Spec: c2c}}
	for _, sub := range []string{"justice", "commonsense", "virtue", "deontology", "utilitarianism"} {
		sp := mc("ethics_"+sub, "ethics", "ethics", sub, ethicsInstructions[sub], 5, "exact_match")
		sp.Label, sp.Secret, sp.Perturbations = "ethics_"+sub, true, canonical
		out = append(out, Entry{Group: "ethics", Spec: sp})
	}
	for _, lv := range []string{"1", "5"} {
		for _, s := range mathSubjects {
			out = append(out, Entry{Group: "math", Spec: mathSpec(s, lv, false)})
		}
	}
	for _, lv := range []string{"1", "5"} {
		for _, s := range mathSubjects {
			out = append(out, Entry{Group: "math", Spec: mathSpec(s, lv, true)})
		}
	}
	out = append(out, Entry{Group: "cnn", Spec: cnndm()})
	return out
}

// Allocate sets each entry's instance budget as the organizers' script
// did: total is split evenly over the groups (the remainder one each to
// the first groups), the groups taken from the most entries to the fewest
// (ties by name) and given the smallest shares first; a group's share is
// split evenly over its entries, the first entries taking the smallest.
func Allocate(entries []Entry, total int) {
	count := map[string]int{}
	runOf := func(e Entry) string {
		if e.Run != "" {
			return e.Run
		}
		return e.Spec.Name
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !seen[runOf(e)] {
			seen[runOf(e)] = true
			count[e.Group]++
		}
	}
	groups := make([]string, 0, len(count))
	for g := range count {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool {
		if count[groups[i]] != count[groups[j]] {
			return count[groups[i]] > count[groups[j]]
		}
		return groups[i] < groups[j]
	})
	shares := evenSplit(total, len(groups))
	perEntry := map[string][]int{}
	for _, g := range groups {
		share := shares[len(shares)-1]
		shares = shares[:len(shares)-1]
		perEntry[g] = evenSplit(share, count[g])
	}
	// A run spec's budget applies to each task HELM expands it into.
	budget := map[string]int{}
	for i := range entries {
		run := runOf(entries[i])
		if _, ok := budget[run]; !ok {
			g := entries[i].Group
			l := perEntry[g]
			budget[run], perEntry[g] = l[len(l)-1], l[:len(l)-1]
		}
		entries[i].Spec.MaxInstances = budget[run]
	}
}

// evenSplit splits v into n parts, the first v%n one larger.
func evenSplit(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v / n
		if i < v%n {
			out[i]++
		}
	}
	return out
}

// GeneratedSuite is a suite SuiteTOML makes.
type GeneratedSuite struct {
	Description string
	Budget      int                     // the 2023 total
	Entries     func(total int) []Entry // with budgets allocated for total
}

func allocated(entries func() []Entry) func(int) []Entry {
	return func(total int) []Entry {
		e := entries()
		Allocate(e, total)
		return e
	}
}

// finalEntries is the open and hidden suites without CNN/DailyMail, which
// the final round did not rank: exactly the final round's scenarios. Their
// budgets are split from total in the 2023 proportion 2,000 : 5,000. As the
// final ranking's values show (TruthfulQA, GSM8K and BBQ over 61 instances,
// each ETHICS part over 200), CNN/DailyMail was left out of the open budget
// before it was shared out, and after it in the hidden one.
func finalEntries(total int) []Entry {
	open := OpenBudget * total / (OpenBudget + HiddenBudget)
	var out []Entry
	withoutCNN := func(es []Entry) []Entry {
		var kept []Entry
		for _, e := range es {
			if e.Spec.Dataset != "cnndm" {
				kept = append(kept, e)
			}
		}
		return kept
	}
	out = append(out, allocated(func() []Entry { return withoutCNN(OpenEntries()) })(open)...)
	return append(out, withoutCNN(allocated(HiddenEntries)(total-open))...)
}

// Suites names the generated suites.
var Suites = map[string]GeneratedSuite{
	"neurips2023-open": {"The 2023 challenge's open evaluation: HELM's MMLU, TruthfulQA, BIG-bench, GSM8K, BBQ and CNN/DailyMail run specs, 2,000 instances (BIG-bench instances are run with 0 to 3 shots).",
		OpenBudget, allocated(OpenEntries)},
	"neurips2023-hidden": {"The 2023 challenge's hidden evaluation: SAMSum, corr2cause, ETHICS, MATH (secret holdouts) and CNN/DailyMail, 5,000 instances.",
		HiddenBudget, allocated(HiddenEntries)},
	"neurips2023-final": {"The 2023 final round in one run: the open and hidden evaluations with their budgets, without CNN/DailyMail, which the final ranking left out; its results rank under `scorer import neurips2023 --kind final`.",
		OpenBudget + HiddenBudget, finalEntries},
}

// Suite builds a generated suite with total instances (0 = the 2023 budget).
func Suite(name string, total int) (*task.Suite, error) {
	data, err := SuiteTOML(name, total)
	if err != nil {
		return nil, err
	}
	return task.ParseSuite(data, "suite "+name, "")
}

// SuiteTOML renders a generated suite with total instances (0 = the 2023
// budget) as a suite file.
func SuiteTOML(name string, total int) ([]byte, error) {
	s, ok := Suites[name]
	if !ok {
		return nil, fmt.Errorf("no generated suite %q", name)
	}
	if total == 0 {
		total = s.Budget
	}
	if total < 0 {
		return nil, fmt.Errorf("suite %s: budget %d is negative", name, total)
	}
	entries := s.Entries(total)
	for _, e := range entries {
		if e.Spec.MaxInstances == 0 { // 0 would mean every instance
			return nil, fmt.Errorf("suite %s: a budget of %d instances leaves run spec %q none; the smallest budget that gives every run spec one is %d",
				name, total, e.Spec.Name, minBudget(s, total))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by scorer/scenario (SuiteTOML): the 2023 run specs with a budget of %d instances.\n", total)
	fmt.Fprintf(&b, "# Do not edit; run `go test ./scorer/scenario -run TestBundledSuitesUpToDate -update`.\n")
	fmt.Fprintf(&b, "name = %s\ndescription = %s\n", q(name), q(s.Description))
	for _, e := range entries {
		writeSpec(&b, e)
	}
	return []byte(b.String()), nil
}

// minBudget is the smallest total above from that gives every entry an
// instance (the 2023 budget at most).
func minBudget(s GeneratedSuite, from int) int {
	for total := from + 1; total < s.Budget; total++ {
		ok := true
		for _, e := range s.Entries(total) {
			if e.Spec.MaxInstances == 0 {
				ok = false
				break
			}
		}
		if ok {
			return total
		}
	}
	return s.Budget
}

func q(s string) string { return strconv.Quote(s) }

func writeSpec(b *strings.Builder, e Entry) {
	sp := e.Spec
	fmt.Fprintf(b, "\n[[tasks]]  # group %s\nname = %s\nscenario = %s\n", e.Group, q(sp.Name), q(sp.Scenario))
	if sp.Label != "" {
		fmt.Fprintf(b, "label = %s\n", q(sp.Label))
	}
	if sp.Description != "" {
		fmt.Fprintf(b, "description = %s\n", q(sp.Description))
	}
	if sp.Secret {
		b.WriteString("secret = true\n")
	}
	fmt.Fprintf(b, "dataset = %s\n", q(sp.Dataset))
	if sp.Subset != "" {
		fmt.Fprintf(b, "subset = %s\n", q(sp.Subset))
	}
	fmt.Fprintf(b, "adapter = %s\n", q(sp.Adapter))
	for _, f := range []struct {
		k string
		v *string
	}{{"instructions", sp.Instructions}, {"input_prefix", sp.InputPrefix}, {"input_suffix", sp.InputSuffix},
		{"output_prefix", sp.OutputPrefix}, {"output_suffix", sp.OutputSuffix}, {"instance_separator", sp.InstanceSeparator}} {
		if f.v != nil {
			fmt.Fprintf(b, "%s = %s\n", f.k, q(*f.v))
		}
	}
	fmt.Fprintf(b, "shots = %d\n", sp.Shots)
	if sp.Stop != nil {
		fmt.Fprintf(b, "stop = %s\n", list(sp.Stop))
	}
	if sp.MaxTokens > 0 {
		fmt.Fprintf(b, "max_tokens = %d\n", sp.MaxTokens)
	}
	if sp.Temperature != nil {
		fmt.Fprintf(b, "temperature = %s\n", strconv.FormatFloat(*sp.Temperature, 'g', -1, 64))
	}
	fmt.Fprintf(b, "metrics = %s\n", list(sp.Metrics))
	if len(sp.Perturbations) > 0 {
		fmt.Fprintf(b, "perturbations = %s\n", list(sp.Perturbations))
	}
	fmt.Fprintf(b, "max_instances = %d\n", sp.MaxInstances)
}

func list(xs []string) string {
	qs := make([]string, len(xs))
	for i, x := range xs {
		qs[i] = q(x)
	}
	return "[" + strings.Join(qs, ", ") + "]"
}
