// Package perturb holds HELM's "canonical" data augmentation (Liang et al.
// 2022, "Holistic Evaluation of Language Models", §5.5 and Appendix D):
// robustness perturbations (typos, lower-casing, contractions and
// expansions, extra whitespace) and fairness perturbations (dialect,
// gender pronouns, race via first names). Each is deterministic given the
// seed and the instance. It registers them with package task under the
// names below; package metric reads "robustness*" and "fairness*" names as
// robustness and fairness variants.
package perturb

import (
	"math/rand/v2"

	"podium/scorer/task"
)

// Func perturbs a text with a generator.
type Func func(text string, r *rand.Rand) string

// Perturbation is a named perturbation.
type Perturbation struct {
	Name string
	Fn   Func
	// References says whether the references' texts are perturbed too
	// (HELM perturbs them for the fairness perturbations).
	References bool
}

// Canonical is HELM's canonical augmentation: one robustness perturbation
// (its "mild mix") and three fairness ones.
var Canonical = []Perturbation{
	{Name: "robustness", Fn: MildMix},
	{Name: "fairness_dialect", Fn: Dialect, References: true},
	{Name: "fairness_gender", Fn: GenderPronouns, References: true},
	{Name: "fairness_race", Fn: RaceNames, References: true},
}

// Single perturbations, for suites that want one at a time.
var Single = []Perturbation{
	{Name: "robustness_typos", Fn: func(s string, r *rand.Rand) string { return Typos(s, r, 0.1) }},
	{Name: "robustness_lowercase", Fn: func(s string, _ *rand.Rand) string { return Lower(s) }},
	{Name: "robustness_contraction", Fn: func(s string, _ *rand.Rand) string { return Contract(s) }},
	{Name: "robustness_expansion", Fn: func(s string, _ *rand.Rand) string { return Expand(s) }},
	{Name: "robustness_whitespace", Fn: func(s string, r *rand.Rand) string { return ExtraSpace(s, r, 3) }},
}

func init() {
	for _, p := range append(append([]Perturbation{}, Canonical...), Single...) {
		task.RegisterPerturbation(p.Name, p.Apply)
	}
}

// Apply perturbs an instance: its input, and its references when the
// perturbation says so. ok is false when nothing changed.
func (p Perturbation) Apply(in task.Instance, seed int64) (task.Instance, bool) {
	r := rng(seed, p.Name, in.ID)
	out := in
	out.Input = p.Fn(in.Input, r)
	changed := out.Input != in.Input
	if p.References {
		out.References = make([]task.Reference, len(in.References))
		for i, ref := range in.References {
			out.References[i] = ref
			out.References[i].Text = p.Fn(ref.Text, r)
			changed = changed || out.References[i].Text != ref.Text
		}
	}
	return out, changed
}

// rng is a generator fixed by the seed, the perturbation and the instance.
func rng(seed int64, names ...string) *rand.Rand {
	return task.SeededRand(seed, 0x5eed, names...)
}
