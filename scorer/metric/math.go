package metric

import (
	"strconv"
	"strings"
)

// MathEquiv is HELM's math_equiv_chain_of_thought: the final \boxed{...}
// answers of gold and pred are equal after Hendrycks et al.'s LaTeX
// normalization (MATH, 2021). A prediction with no boxed answer scores 0.
func MathEquiv(gold, pred string) float64 {
	g, gok := BoxedAnswer(gold)
	p, pok := BoxedAnswer(pred)
	switch {
	case !gok && !pok:
		return 1 // as HELM: both missing count as equal
	case !gok || !pok:
		return 0
	}
	gs, err1 := StripMath(g)
	ps, err2 := StripMath(p)
	if err1 != nil || err2 != nil {
		return b2f(g == p)
	}
	return b2f(gs == ps)
}

// MathEquivPlain is HELM's math_equiv, for MATH runs without chain of
// thought: the whole prediction is the answer (the prompt ends in "$" and
// the gold is the boxed answer alone), compared after StripMath.
func MathEquivPlain(gold, pred string) float64 {
	pred = strings.TrimSpace(pred)
	for i := 0; i < len(pred); i++ {
		if pred[i] == '$' && (i == 0 || pred[i-1] != '\\') {
			pred = pred[:i] // the answer's closing $ (not an escaped \$)
			break
		}
	}
	gs, err1 := StripMath(gold)
	ps, err2 := StripMath(pred)
	if err1 != nil || err2 != nil {
		return b2f(gold == pred)
	}
	return b2f(gs == ps)
}

// BoxedAnswer returns the content of the last \boxed{...} (or \fbox{...},
// or "\boxed x" up to the next $) in s.
func BoxedAnswer(s string) (string, bool) {
	if i := strings.LastIndex(s, "\\boxed "); i >= 0 && i >= strings.LastIndex(s, "\\boxed{") {
		rest := s[i+len("\\boxed "):]
		if j := strings.IndexByte(rest, '$'); j >= 0 {
			rest = rest[:j]
		}
		return rest, true
	}
	idx := strings.LastIndex(s, "\\boxed")
	if idx < 0 {
		idx = strings.LastIndex(s, "\\fbox")
		if idx < 0 {
			return "", false
		}
	}
	depth := 0
	for i := idx; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				box := s[idx : i+1]
				const left = "\\boxed{"
				if !strings.HasPrefix(box, left) {
					return "", false
				}
				return box[len(left) : len(box)-1], true
			}
		}
	}
	return "", false
}

type mathError string

func (e mathError) Error() string { return string(e) }

// StripMath is the MATH answer normalization: drop line breaks, \!, \left,
// \right, degrees, \$, units after "\text{ ", \% and spaces; tfrac/dfrac
// become frac; leading "x =" goes; ".5" gets its 0; \sqrt3 and \frac12
// get braces; 0.5 and simple a/b become \frac{a}{b}. It fails where the
// original raises, and MathEquiv then compares the raw strings.
func StripMath(s string) (string, error) {
	r := strings.NewReplacer("\n", "", "\\!", "")
	s = r.Replace(s)
	s = strings.ReplaceAll(s, "\\\\", "\\")
	s = strings.ReplaceAll(s, "tfrac", "frac")
	s = strings.ReplaceAll(s, "dfrac", "frac")
	s = strings.ReplaceAll(s, "\\left", "")
	s = strings.ReplaceAll(s, "\\right", "")
	s = strings.ReplaceAll(s, "^{\\circ}", "")
	s = strings.ReplaceAll(s, "^\\circ", "")
	s = strings.ReplaceAll(s, "\\$", "")
	if strings.Contains(s, "\\text{ ") {
		parts := strings.Split(s, "\\text{ ")
		if len(parts) != 2 {
			return "", mathError("more than one unit")
		}
		s = parts[0]
	}
	s = strings.ReplaceAll(s, "\\%", "")
	s = strings.ReplaceAll(s, " .", " 0.")
	s = strings.ReplaceAll(s, "{.", "{0.")
	if s == "" {
		return s, nil
	}
	if s[0] == '.' {
		s = "0" + s
	}
	if parts := strings.Split(s, "="); len(parts) == 2 && len(parts[0]) <= 2 {
		s = parts[1]
	}
	var err error
	if s, err = fixSqrt(s); err != nil {
		return "", err
	}
	s = strings.ReplaceAll(s, " ", "")
	if s, err = fixFracs(s); err != nil {
		return "", err
	}
	if s == "0.5" {
		s = "\\frac{1}{2}"
	}
	return fixSlash(s), nil
}

func fixSqrt(s string) (string, error) {
	if !strings.Contains(s, "\\sqrt") {
		return s, nil
	}
	parts := strings.Split(s, "\\sqrt")
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1:] {
		if p == "" {
			return "", mathError("\\sqrt with no argument")
		}
		if p[0] != '{' {
			b.WriteString("\\sqrt{" + p[:1] + "}" + p[1:])
		} else {
			b.WriteString("\\sqrt" + p)
		}
	}
	return b.String(), nil
}

// fixFracs gives \frac's one-character arguments braces: \frac12 is
// \frac{1}{2}, \frac1{72} is \frac{1}{72}.
func fixFracs(s string) (string, error) {
	parts := strings.Split(s, "\\frac")
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1:] {
		b.WriteString("\\frac")
		if p == "" {
			return "", mathError("\\frac with no argument")
		}
		if p[0] == '{' {
			b.WriteString(p)
			continue
		}
		if len(p) < 2 {
			return s, nil
		}
		a, c := p[:1], p[1:2]
		if c != "{" {
			b.WriteString("{" + a + "}{" + c + "}" + p[2:])
		} else {
			b.WriteString("{" + a + "}" + c + p[2:])
		}
	}
	return b.String(), nil
}

// fixSlash turns "a/b" of two integers into \frac{a}{b}.
func fixSlash(s string) string {
	parts := strings.Split(s, "/")
	if len(parts) != 2 {
		return s
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || s != strconv.Itoa(a)+"/"+strconv.Itoa(b) {
		return s
	}
	return "\\frac{" + parts[0] + "}{" + parts[1] + "}"
}
