package perturb

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// MildMix is HELM's canonical robustness perturbation: lower-case, then
// contractions, then extra whitespace (up to 3 spaces), then typos (each
// word with probability 0.1).
func MildMix(s string, r *rand.Rand) string {
	s = Lower(s)
	s = Contract(s)
	s = ExtraSpace(s, r, 3)
	return Typos(s, r, 0.1)
}

// Lower lower-cases the text.
func Lower(s string) string { return strings.ToLower(s) }

// ExtraSpace replaces each single space by 1 to max spaces.
func ExtraSpace(s string, r *rand.Rand, max int) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for _, c := range s {
		if c == ' ' {
			b.WriteString(strings.Repeat(" ", 1+r.IntN(max)))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// neighbors are the keys next to each letter on a QWERTY keyboard.
var neighbors = map[rune]string{
	'q': "wa", 'w': "qeas", 'e': "wrsd", 'r': "etdf", 't': "ryfg", 'y': "tugh", 'u': "yihj", 'i': "uojk", 'o': "ipkl", 'p': "ol",
	'a': "qwsz", 's': "awedxz", 'd': "serfcx", 'f': "drtgvc", 'g': "ftyhbv", 'h': "gyujnb", 'j': "huikmn", 'k': "jiolm", 'l': "kop",
	'z': "asx", 'x': "zsdc", 'c': "xdfv", 'v': "cfgb", 'b': "vghn", 'n': "bhjm", 'm': "njk",
}

// Typos gives each word of two letters or more, with probability p, one
// typo: a letter replaced by a neighbouring key (keeping its case).
func Typos(s string, r *rand.Rand, p float64) string {
	words := splitKeep(s)
	for i, w := range words {
		rs := []rune(w)
		var letters []int
		for j, c := range rs {
			if _, ok := neighbors[unicode.ToLower(c)]; ok {
				letters = append(letters, j)
			}
		}
		if len(letters) < 2 || r.Float64() >= p {
			continue
		}
		at := letters[r.IntN(len(letters))]
		nb := neighbors[unicode.ToLower(rs[at])]
		t := rune(nb[r.IntN(len(nb))])
		if unicode.IsUpper(rs[at]) {
			t = unicode.ToUpper(t)
		}
		rs[at] = t
		words[i] = string(rs)
	}
	return strings.Join(words, "")
}

// splitKeep splits s into alternating runs of non-space and space, so
// that joining them gives s back.
func splitKeep(s string) []string {
	var out []string
	start := 0
	for i, c := range s {
		if i > start && unicode.IsSpace(c) != unicode.IsSpace(rune(s[start])) {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// contractions maps expanded forms to their contractions: the common
// English ones (written by us).
var contractions = [][2]string{
	{"are not", "aren't"}, {"cannot", "can't"}, {"could not", "couldn't"}, {"did not", "didn't"},
	{"does not", "doesn't"}, {"do not", "don't"}, {"had not", "hadn't"}, {"has not", "hasn't"},
	{"have not", "haven't"}, {"he is", "he's"}, {"he will", "he'll"}, {"he would", "he'd"},
	{"how is", "how's"}, {"I am", "I'm"}, {"I have", "I've"}, {"I will", "I'll"}, {"I would", "I'd"},
	{"is not", "isn't"}, {"it is", "it's"}, {"it will", "it'll"}, {"let us", "let's"},
	{"must not", "mustn't"}, {"she is", "she's"}, {"she will", "she'll"}, {"she would", "she'd"},
	{"should not", "shouldn't"}, {"that is", "that's"}, {"there is", "there's"}, {"they are", "they're"},
	{"they have", "they've"}, {"they will", "they'll"}, {"they would", "they'd"}, {"was not", "wasn't"},
	{"we are", "we're"}, {"we have", "we've"}, {"we will", "we'll"}, {"were not", "weren't"},
	{"what is", "what's"}, {"where is", "where's"}, {"who is", "who's"}, {"will not", "won't"},
	{"would not", "wouldn't"}, {"you are", "you're"}, {"you have", "you've"}, {"you will", "you'll"},
	{"you would", "you'd"},
}

var contractWords, expandWords = buildContractions()

func buildContractions() (*phrases, *phrases) {
	c, e := map[string]string{}, map[string]string{}
	for _, p := range contractions {
		c[strings.ToLower(p[0])] = p[1]
		e[strings.ToLower(p[1])] = p[0]
	}
	return newPhrases(c, false), newPhrases(e, false)
}

// Contract turns expanded forms into contractions ("do not" -> "don't"),
// keeping the case of the first letter.
func Contract(s string) string { return contractWords.replace(s, matchCase) }

// Expand turns contractions into expanded forms ("don't" -> "do not").
func Expand(s string) string { return expandWords.replace(s, matchCase) }

// matchCase gives repl the case of m's first letter.
func matchCase(m, repl string) string {
	if repl == "" || m == "" {
		return repl
	}
	r := []rune(repl)
	if unicode.IsUpper([]rune(m)[0]) {
		r[0] = unicode.ToUpper(r[0])
	} else {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}
