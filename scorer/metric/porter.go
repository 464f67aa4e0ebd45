package metric

// Stem is the Porter stemmer as nltk's PorterStemmer runs it in its default
// NLTK_EXTENSIONS mode, which Google's rouge_score uses (Porter, "An
// algorithm for suffix stripping", 1980, with nltk's documented changes:
// irregular forms, short words kept, 'ies'/'ied' on 4-letter words, y->i only
// after a consonant, 'alli' first, 'fulli' and 'logi'). Input is lower case.
func Stem(word string) string {
	if s, ok := irregular[word]; ok {
		return s
	}
	if len(word) <= 2 {
		return word
	}
	w := []byte(word)
	w = step1a(w)
	w = step1b(w)
	w = step1c(w)
	w = step2(w)
	w = step3(w)
	w = step4(w)
	w = step5a(w)
	w = step5b(w)
	return string(w)
}

// irregular maps nltk's irregular forms to their stems.
var irregular = map[string]string{
	"sky": "sky", "skies": "sky",
	"dying": "die", "lying": "lie", "tying": "tie",
	"news":    "news",
	"innings": "inning", "inning": "inning",
	"outings": "outing", "outing": "outing",
	"cannings": "canning", "canning": "canning",
	"howe": "howe", "proceed": "proceed", "exceed": "exceed", "succeed": "succeed",
}

func isCons(w []byte, i int) bool {
	switch w[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !isCons(w, i-1)
	}
	return true
}

// measure is m in [C](VC)^m[V].
func measure(w []byte) int {
	m := 0
	for i := 1; i < len(w); i++ {
		if isCons(w, i) && !isCons(w, i-1) {
			m++
		}
	}
	return m
}

func hasVowel(w []byte) bool {
	for i := range w {
		if !isCons(w, i) {
			return true
		}
	}
	return false
}

func endsDouble(w []byte) bool {
	n := len(w)
	return n >= 2 && w[n-1] == w[n-2] && isCons(w, n-1)
}

func endsCVC(w []byte) bool {
	n := len(w)
	if n >= 3 && isCons(w, n-3) && !isCons(w, n-2) && isCons(w, n-1) &&
		w[n-1] != 'w' && w[n-1] != 'x' && w[n-1] != 'y' {
		return true
	}
	return n == 2 && !isCons(w, 0) && isCons(w, 1)
}

func hasSuffix(w []byte, s string) bool {
	return len(w) >= len(s) && string(w[len(w)-len(s):]) == s
}

// rule replaces suffix by repl when cond holds for the stem; "*d" is a
// double consonant suffix.
type rule struct {
	suffix, repl string
	cond         func(stem []byte) bool
}

// apply applies the first rule whose suffix matches; when its condition
// fails no further rule is tried.
func apply(w []byte, rules []rule) []byte {
	for _, r := range rules {
		if r.suffix == "*d" {
			if endsDouble(w) {
				stem := w[:len(w)-2]
				if r.cond == nil || r.cond(stem) {
					return join(stem, r.repl)
				}
				return w
			}
			continue
		}
		if hasSuffix(w, r.suffix) {
			stem := w[:len(w)-len(r.suffix)]
			if r.cond == nil || r.cond(stem) {
				return join(stem, r.repl)
			}
			return w
		}
	}
	return w
}

func join(stem []byte, s string) []byte {
	out := make([]byte, 0, len(stem)+len(s))
	return append(append(out, stem...), s...)
}

func mGT0(s []byte) bool { return measure(s) > 0 }
func mGT1(s []byte) bool { return measure(s) > 1 }

func step1a(w []byte) []byte {
	if len(w) == 4 && hasSuffix(w, "ies") {
		return join(w[:1], "ie")
	}
	return apply(w, []rule{{"sses", "ss", nil}, {"ies", "i", nil}, {"ss", "ss", nil}, {"s", "", nil}})
}

func step1b(w []byte) []byte {
	if hasSuffix(w, "ied") {
		if len(w) == 4 {
			return join(w[:1], "ie")
		}
		return join(w[:len(w)-3], "i")
	}
	if hasSuffix(w, "eed") {
		stem := w[:len(w)-3]
		if measure(stem) > 0 {
			return join(stem, "ee")
		}
		return w
	}
	var stem []byte
	ok := false
	for _, s := range []string{"ed", "ing"} {
		if hasSuffix(w, s) {
			stem = w[:len(w)-len(s)]
			if hasVowel(stem) {
				ok = true
				break
			}
		}
	}
	if !ok {
		return w
	}
	last := stem[len(stem)-1]
	return apply(stem, []rule{
		{"at", "ate", nil},
		{"bl", "ble", nil},
		{"iz", "ize", nil},
		{"*d", string(last), func([]byte) bool { return last != 'l' && last != 's' && last != 'z' }},
		{"", "e", func(s []byte) bool { return measure(s) == 1 && endsCVC(s) }},
	})
}

func step1c(w []byte) []byte {
	return apply(w, []rule{{"y", "i", func(s []byte) bool { return len(s) > 1 && isCons(s, len(s)-1) }}})
}

func step2(w []byte) []byte {
	if hasSuffix(w, "alli") && mGT0(w[:len(w)-4]) {
		return step2(join(w[:len(w)-4], "al"))
	}
	full := w
	return apply(w, []rule{
		{"ational", "ate", mGT0},
		{"tional", "tion", mGT0},
		{"enci", "ence", mGT0},
		{"anci", "ance", mGT0},
		{"izer", "ize", mGT0},
		{"bli", "ble", mGT0},
		{"alli", "al", mGT0},
		{"entli", "ent", mGT0},
		{"eli", "e", mGT0},
		{"ousli", "ous", mGT0},
		{"ization", "ize", mGT0},
		{"ation", "ate", mGT0},
		{"ator", "ate", mGT0},
		{"alism", "al", mGT0},
		{"iveness", "ive", mGT0},
		{"fulness", "ful", mGT0},
		{"ousness", "ous", mGT0},
		{"aliti", "al", mGT0},
		{"iviti", "ive", mGT0},
		{"biliti", "ble", mGT0},
		{"fulli", "ful", mGT0},
		// the 'l' of 'logi' counts with the stem
		{"logi", "log", func([]byte) bool { return mGT0(full[:len(full)-3]) }},
	})
}

func step3(w []byte) []byte {
	return apply(w, []rule{
		{"icate", "ic", mGT0}, {"ative", "", mGT0}, {"alize", "al", mGT0},
		{"iciti", "ic", mGT0}, {"ical", "ic", mGT0}, {"ful", "", mGT0}, {"ness", "", mGT0},
	})
}

func step4(w []byte) []byte {
	return apply(w, []rule{
		{"al", "", mGT1}, {"ance", "", mGT1}, {"ence", "", mGT1}, {"er", "", mGT1},
		{"ic", "", mGT1}, {"able", "", mGT1}, {"ible", "", mGT1}, {"ant", "", mGT1},
		{"ement", "", mGT1}, {"ment", "", mGT1}, {"ent", "", mGT1},
		{"ion", "", func(s []byte) bool {
			return measure(s) > 1 && len(s) > 0 && (s[len(s)-1] == 's' || s[len(s)-1] == 't')
		}},
		{"ou", "", mGT1}, {"ism", "", mGT1}, {"ate", "", mGT1}, {"iti", "", mGT1},
		{"ous", "", mGT1}, {"ive", "", mGT1}, {"ize", "", mGT1},
	})
}

func step5a(w []byte) []byte {
	if hasSuffix(w, "e") {
		stem := w[:len(w)-1]
		m := measure(stem)
		if m > 1 || (m == 1 && !endsCVC(stem)) {
			return stem
		}
	}
	return w
}

func step5b(w []byte) []byte {
	if hasSuffix(w, "ll") && measure(w[:len(w)-1]) > 1 {
		return w[:len(w)-1]
	}
	return w
}
