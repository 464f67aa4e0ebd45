package metric

import "strings"

// punctuation is Python's string.punctuation, which HELM strips.
const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// Normalize is HELM's normalize_text (from SQuAD's evaluation script):
// lower-case, drop punctuation, drop the articles a, an and the, and
// collapse whitespace.
func Normalize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < 128 && strings.ContainsRune(punctuation, r) {
			continue
		}
		b.WriteRune(r)
	}
	words := strings.Fields(b.String())
	kept := words[:0]
	for _, w := range words {
		if w != "a" && w != "an" && w != "the" {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}

// ExactMatch is 1 when pred equals gold after trimming surrounding
// whitespace; an empty prediction scores 0.
func ExactMatch(gold, pred string) float64 {
	if pred == "" {
		return 0
	}
	return b2f(strings.TrimSpace(gold) == strings.TrimSpace(pred))
}

// QuasiExactMatch is 1 when pred equals gold after Normalize; an empty
// prediction scores 0.
func QuasiExactMatch(gold, pred string) float64 {
	if pred == "" {
		return 0
	}
	return b2f(Normalize(gold) == Normalize(pred))
}

// F1 is HELM's token F1: the F-measure of the normalized token sets (as
// nltk's f_measure on sets); 0 when either side has no tokens.
func F1(gold, pred string) float64 {
	g := tokenSet(Normalize(gold))
	p := tokenSet(Normalize(pred))
	if len(g) == 0 || len(p) == 0 {
		return 0
	}
	common := 0
	for w := range p {
		if g[w] {
			common++
		}
	}
	if common == 0 {
		return 0
	}
	prec := float64(common) / float64(len(p))
	rec := float64(common) / float64(len(g))
	return 2 * prec * rec / (prec + rec)
}

func tokenSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(s) {
		out[w] = true
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
