package client

import (
	"bytes"
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// parseProcessFast reads a /process body without reflection: the scorer
// parses one per request. It handles any valid JSON; on anything it does
// not expect it returns an error and the caller falls back to
// encoding/json (whose error message is the one reported).
func parseProcessFast(b []byte) (text string, toks []Token, logprob *float64, err error) {
	p := &scanner{b: b}
	hasText := false
	err = p.object(func(key []byte) error {
		switch {
		case is(key, "text"):
			s, err := p.str()
			text, hasText = s, true
			return err
		case is(key, "logprob"):
			v, ok, err := p.numOrNull()
			if ok {
				logprob = &v
			}
			return err
		case is(key, "tokens"):
			return p.array(func() error {
				var t Token
				err := p.object(func(k []byte) error {
					switch {
					case is(k, "text"):
						s, err := p.str()
						t.Text = s
						return err
					case is(k, "logprob"):
						v, ok, err := p.numOrNull()
						if ok {
							t.Logprob = &v
						}
						return err
					case is(k, "top_logprob"):
						return p.object(func(k []byte) error {
							name, err := unquote(k)
							if err != nil {
								return err
							}
							v, ok, err := p.numOrNull()
							if ok {
								if t.Top == nil {
									t.Top = make(map[string]float64, 1)
								}
								t.Top[name] = v
							}
							return err
						})
					}
					return p.skip()
				})
				toks = append(toks, t)
				return err
			})
		}
		return p.skip()
	})
	if err == nil {
		p.ws()
		if p.i != len(p.b) {
			err = errSyntax
		}
	}
	if err == nil && !hasText {
		err = errors.New(`no "text" field`)
	}
	return text, toks, logprob, err
}

var errSyntax = errors.New("json syntax")

type scanner struct {
	b []byte
	i int
}

func (p *scanner) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *scanner) peek() byte {
	p.ws()
	if p.i >= len(p.b) {
		return 0
	}
	return p.b[p.i]
}

// object calls field for each key, positioned at its value. The key is
// passed raw, quotes included (see is).
func (p *scanner) object(field func(key []byte) error) error {
	if p.peek() != '{' {
		return errSyntax
	}
	p.i++
	if p.peek() == '}' {
		p.i++
		return nil
	}
	for {
		if p.peek() != '"' {
			return errSyntax
		}
		start := p.i
		if err := p.skipString(); err != nil {
			return err
		}
		key := p.b[start:p.i]
		if p.peek() != ':' {
			return errSyntax
		}
		p.i++
		if err := field(key); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// is reports whether the raw key matches name as encoding/json matches
// field names: escapes decoded, ASCII case folded.
func is(key []byte, name string) bool {
	k := key[1 : len(key)-1]
	if bytes.IndexByte(k, '\\') >= 0 {
		s, err := unquote(key)
		if err != nil {
			return false
		}
		k = []byte(s)
	}
	return asciiEqualFold(k, name)
}

func (p *scanner) array(elem func() error) error {
	if p.peek() == 'n' {
		return p.literal("null")
	}
	if p.peek() != '[' {
		return errSyntax
	}
	p.i++
	if p.peek() == ']' {
		p.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return errSyntax
		}
	}
}

func (p *scanner) literal(s string) error {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return errSyntax
	}
	p.i += len(s)
	return nil
}

func (p *scanner) skipString() error {
	p.i++ // opening quote
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return nil
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return errSyntax
			}
			switch p.b[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if _, ok := hex4(p.b[p.i+2:]); !ok {
					return errSyntax
				}
				p.i += 6
			default:
				return errSyntax
			}
		case c < 0x20:
			return errSyntax
		default:
			p.i++
		}
	}
	return errSyntax
}

func (p *scanner) str() (string, error) {
	if p.peek() != '"' {
		return "", errSyntax
	}
	start := p.i
	if err := p.skipString(); err != nil {
		return "", err
	}
	return unquote(p.b[start:p.i])
}

// unquote decodes a quoted JSON string as encoding/json does.
func unquote(q []byte) (string, error) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", errSyntax
	}
	s := q[1 : len(q)-1]
	if !needsDecode(s) {
		return string(s), nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				out = append(out, c)
				i++
				continue
			}
			r, size := utf8.DecodeRune(s[i:])
			out = utf8.AppendRune(out, r) // invalid bytes become U+FFFD
			i += size
			continue
		}
		if i+1 >= len(s) {
			return "", errSyntax
		}
		switch s[i+1] {
		case '"', '\\', '/':
			out = append(out, s[i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s[i+2:])
			if !ok {
				return "", errSyntax
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(-1), false
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2, ok2 = hex4(s[i+2:])
				}
				if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
					out = utf8.AppendRune(out, dec)
					i += 6
					continue
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return "", errSyntax
		}
		i += 2
	}
	return string(out), nil
}

// needsDecode reports whether a string's bytes differ from its value.
func needsDecode(s []byte) bool {
	ascii := true
	for _, c := range s {
		if c == '\\' {
			return true
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return !ascii && !utf8.Valid(s)
}

func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// numOrNull reads a number (ok) or null (not ok), by JSON's grammar.
func (p *scanner) numOrNull() (float64, bool, error) {
	if p.peek() == 'n' {
		return 0, false, p.literal("null")
	}
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return 0, false, errSyntax
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return 0, false, errSyntax
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return 0, false, errSyntax
		}
	}
	v, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	if err != nil {
		return 0, false, errSyntax
	}
	return v, true, nil
}

// skip passes over any value.
func (p *scanner) skip() error {
	switch c := p.peek(); {
	case c == '"':
		return p.skipString()
	case c == '{':
		return p.object(func([]byte) error { return p.skip() })
	case c == '[':
		return p.array(p.skip)
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	default:
		_, _, err := p.numOrNull()
		return err
	}
}
