package perturb

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// phrases maps lower-case phrases of one or two words to replacements.
type phrases struct {
	m        map[string]string
	twoWords bool
	exact    bool // match case exactly instead of ignoring it
}

func newPhrases(m map[string]string, exact bool) *phrases {
	p := &phrases{m: m, exact: exact}
	for k := range m {
		if strings.Contains(k, " ") {
			p.twoWords = true
		}
	}
	return p
}

// isWordRune reports letters, digits and the apostrophe inside words.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’'
}

// wordAt returns the end of the word starting at i.
func wordEnd(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			break
		}
		i += n
	}
	return i
}

// replace rewrites whole words (and two-word phrases joined by one space)
// found in the map; repl gets the matched text and the map's value.
func (p *phrases) replace(s string, repl func(match, to string) string) string {
	var b strings.Builder
	changed := false
	last := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) || r == '\'' {
			i += n
			continue
		}
		end := wordEnd(s, i)
		matchEnd, to, ok := -1, "", false
		if p.twoWords && end < len(s) && s[end] == ' ' {
			if e2 := wordEnd(s, end+1); e2 > end+1 {
				if v, hit := p.lookup(s[i:e2]); hit {
					matchEnd, to, ok = e2, v, true
				}
			}
		}
		if !ok {
			if v, hit := p.lookup(s[i:end]); hit {
				matchEnd, to, ok = end, v, true
			}
		}
		if ok {
			if !changed {
				b.Grow(len(s) + 16)
				changed = true
			}
			b.WriteString(s[last:i])
			b.WriteString(repl(s[i:matchEnd], to))
			last, i = matchEnd, matchEnd
			continue
		}
		i = end
	}
	if !changed {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func (p *phrases) lookup(w string) (string, bool) {
	if !p.exact {
		w = strings.ToLower(w)
	}
	v, ok := p.m[w]
	return v, ok
}
