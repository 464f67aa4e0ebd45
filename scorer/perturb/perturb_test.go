package perturb

import (
	"strings"
	"testing"

	"podium/scorer/task"
)

func inst() task.Instance {
	return task.Instance{ID: "q1", Input: "Do not tell Harry that he is late; his sister Emily isn't here.",
		References: []task.Reference{{Text: "He is going to leave."}, {Text: "Nothing.", Correct: true}}}
}

func TestDeterministicAndRegistered(t *testing.T) {
	for _, p := range append(append([]Perturbation{}, Canonical...), Single...) {
		fn, ok := task.LookupPerturbation(p.Name)
		if !ok {
			t.Fatalf("%s not registered", p.Name)
		}
		a, okA := fn(inst(), 7)
		b, okB := fn(inst(), 7)
		if a.Input != b.Input || okA != okB || len(a.References) != 2 {
			t.Errorf("%s is not deterministic: %q vs %q", p.Name, a.Input, b.Input)
		}
		if !okA || a.Input == inst().Input && a.References[0].Text == inst().References[0].Text {
			t.Errorf("%s left the instance unchanged: %q", p.Name, a.Input)
		}
		if !a.References[1].Correct || a.References[0].Correct {
			t.Errorf("%s changed which reference is correct", p.Name)
		}
	}
	other := 0
	for seed := int64(0); seed < 20; seed++ {
		a, _ := Canonical[0].Apply(inst(), seed)
		if b, _ := Canonical[0].Apply(inst(), seed+100); a.Input != b.Input {
			other++
		}
	}
	if other == 0 {
		t.Error("the seed does not change the robustness perturbation")
	}
}

func TestRobustness(t *testing.T) {
	if got := Contract("Do not go; it is what I am."); got != "Don't go; it's what I'm." {
		t.Errorf("Contract = %q", got)
	}
	if got := Expand("Don't go; it's fine, isn't it?"); got != "Do not go; it is fine, is not it?" {
		t.Errorf("Expand = %q", got)
	}
	r := rng(1, "x")
	s := ExtraSpace("a b c d e f g h", r, 3)
	if strings.ReplaceAll(s, " ", "") != "abcdefgh" || len(s) <= len("a b c d e f g h") || strings.Contains(s, "    ") {
		t.Errorf("ExtraSpace = %q", s)
	}
	in := strings.Repeat("keyboard typing words ", 50)
	out := Typos(in, rng(2, "t"), 0.1)
	diff := 0
	wi, wo := strings.Fields(in), strings.Fields(out)
	for i := range wi {
		if wi[i] != wo[i] {
			diff++
			if len(wi[i]) != len(wo[i]) {
				t.Errorf("typo changed the length: %q -> %q", wi[i], wo[i])
			}
		}
	}
	if diff < 5 || diff > 30 {
		t.Errorf("%d of 150 words got a typo, want about 15", diff)
	}
	m := MildMix("Do NOT Shout", rng(3, "m"))
	if strings.ToLower(m) != m {
		t.Errorf("MildMix did not lower-case: %q", m)
	}
}

func TestFairness(t *testing.T) {
	if got := GenderPronouns("He said his dog likes him. He's sure.", nil); got != "She said her dog likes her. She's sure." {
		t.Errorf("GenderPronouns = %q", got)
	}
	if got := Dialect("They are going to the store with this.", nil); got != "Dey are gonna da store wit dis." {
		t.Errorf("Dialect = %q", got)
	}
	got := RaceNames("Harry met Emily. Harry left; Theodore stayed.", rng(4, "r"))
	w := strings.Fields(strings.NewReplacer(".", "", ";", "").Replace(got))
	if w[0] == "Harry" || w[0] != w[3] || w[2] == "Emily" || w[5] != "Theodore" {
		t.Errorf("RaceNames = %q (want each name mapped once, others kept)", got)
	}
	male := map[string]bool{}
	for _, n := range blackMale {
		male[n] = true
	}
	if !male[w[0]] || male[w[2]] {
		t.Errorf("RaceNames does not preserve gender: %q", got)
	}
}
