package metric

import "strings"

// RougeTokens tokenizes as rouge_score's default tokenizer with its stemmer:
// lower-case, every run of characters other than a-z and 0-9 is a space,
// and tokens longer than 3 letters are Porter-stemmed.
func RougeTokens(s string) []string {
	s = strings.ToLower(s)
	var toks []string
	start := -1
	for i := 0; i <= len(s); i++ {
		alnum := i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9')
		if alnum {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			t := s[start:i]
			if len(t) > 3 {
				t = Stem(t)
			}
			if t != "" {
				toks = append(toks, t)
			}
			start = -1
		}
	}
	return toks
}

// Rouge2 is the ROUGE-2 F-measure of pred against gold, as rouge_score
// computes it with use_stemmer=True.
func Rouge2(gold, pred string) float64 { return rougeN(RougeTokens(gold), RougeTokens(pred), 2) }

// RougeL is the ROUGE-L (longest common subsequence) F-measure.
func RougeL(gold, pred string) float64 {
	g, p := RougeTokens(gold), RougeTokens(pred)
	if len(g) == 0 || len(p) == 0 {
		return 0
	}
	l := lcs(g, p)
	return fmeasure(float64(l)/float64(len(p)), float64(l)/float64(len(g)))
}

func rougeN(g, p []string, n int) float64 {
	gc, gn := ngrams(g, n)
	pc, pn := ngrams(p, n)
	overlap := 0
	for k, c := range pc {
		overlap += min(c, gc[k])
	}
	return fmeasure(float64(overlap)/float64(max(pn, 1)), float64(overlap)/float64(max(gn, 1)))
}

func ngrams(toks []string, n int) (map[string]int, int) {
	out := map[string]int{}
	total := 0
	for i := 0; i+n <= len(toks); i++ {
		out[strings.Join(toks[i:i+n], " ")]++
		total++
	}
	return out, total
}

func fmeasure(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] >= cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
