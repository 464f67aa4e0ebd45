package metric

import "strings"

// GSM8K is HELM's exact_match_indicator as its GSM8K run used it: the last
// whitespace-separated word of the prediction must equal that of the gold
// answer ("... The answer is 18." against "... The answer is 18."), after
// trimming. HELM strips completions before scoring, and so do we. An empty
// prediction scores 0.
func GSM8K(gold, pred string) float64 {
	return ExactMatch(lastWord(strings.TrimSpace(gold)), lastWord(strings.TrimSpace(pred)))
}

// lastWord is Python's s.split(" ")[-1].strip().
func lastWord(s string) string {
	if i := strings.LastIndexByte(s, ' '); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}
