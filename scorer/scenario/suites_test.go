package scenario

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"podium/internal/sharedtest"
	"podium/scorer/task"
)

var update = flag.Bool("update", false, "rewrite the bundled suites")

// The bundled suite files are exactly what SuiteTOML generates.
func TestBundledSuitesUpToDate(t *testing.T) {
	for name := range Suites {
		want, err := SuiteTOML(name, 0)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(sharedtest.Root(t), "scorer", "task", "suites", name+".toml")
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run go test ./scorer/scenario -run TestBundledSuitesUpToDate -update", path)
		}
		if _, err := task.LoadSuite(name); err != nil {
			t.Errorf("bundled %s: %v", name, err)
		}
	}
}

// With a budget of 600 the allocation gives the organizers' published
// run_specs_full_coarse_600_budget.conf: 18 or 19 instances a group, and
// these splits inside the groups of several run specs (which groups of one
// run spec got the 19 depended on pandas' order of ties).
func TestAllocateMatchesOrganizers600(t *testing.T) {
	e := OpenEntries()
	Allocate(e, 600)
	got := map[string][]int{}
	seen := map[string]bool{}
	for _, x := range e {
		run := x.Run
		if run == "" {
			run = x.Spec.Name
		}
		if !seen[run] {
			seen[run] = true
			got[x.Group] = append(got[x.Group], x.Spec.MaxInstances)
		}
	}
	want := map[string][]int{
		"conceptual_combinations": {3, 3, 4, 4, 4}, "logical_deduction": {6, 6, 6}, "strange_stories": {9, 9},
		"symbol_interpretation": {3, 3, 4, 4, 4}, "medicine_biology": {4, 4, 5, 5}, "computer_science": {3, 3, 4, 4, 4},
		"math": {4, 4, 5, 5}, "physics_chemistry": {3, 3, 4, 4, 4}, "formal_reasoning": {3, 3, 4, 4, 4},
		"law": {6, 6, 6}, "history": {3, 3, 4, 4, 4}, "business": {3, 3, 3, 3, 3, 3}, "health": {3, 3, 3, 3, 3, 3},
		"social_studies": {3, 3, 4, 4, 4}, "human_behavior": {4, 4, 5, 5}, "economics": {6, 6, 6}, "truthful_qa": {9, 9},
	}
	total := 0
	for g, l := range got {
		sum := 0
		for _, n := range l {
			sum += n
		}
		total += sum
		if w, ok := want[g]; ok && fmt.Sprint(w) != fmt.Sprint(l) {
			t.Errorf("group %s: %v, the organizers' %v", g, l, w)
		}
		if sum != 18 && sum != 19 {
			t.Errorf("group %s: %d instances", g, sum)
		}
	}
	if total != 600 || len(got) != 33 {
		t.Errorf("%d instances over %d groups", total, len(got))
	}
}
