package markdown

import (
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
)

// headingIDs makes heading ids as GitHub does: lower case, letters and
// digits of any script kept, spaces and dashes as '-', other characters
// dropped, and -1, -2... after repeats. "Über café 2023!" is
// "über-café-2023".
type headingIDs struct {
	used map[string]bool
}

func newContext() parser.Context {
	return parser.NewContext(parser.WithIDs(&headingIDs{used: map[string]bool{}}))
}

func (s *headingIDs) Generate(value []byte, kind ast.NodeKind) []byte {
	var id []byte
	for len(value) > 0 {
		r, n := utf8.DecodeRune(value)
		value = value[n:]
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			id = utf8.AppendRune(id, unicode.ToLower(r))
		case r == ' ' || r == '-' || r == '_' || r == '\t':
			id = append(id, '-')
		}
	}
	// Trim the dashes that leading and trailing spaces left.
	for len(id) > 0 && id[0] == '-' {
		id = id[1:]
	}
	for len(id) > 0 && id[len(id)-1] == '-' {
		id = id[:len(id)-1]
	}
	if len(id) == 0 {
		id = []byte("section")
	}
	base := string(id)
	key := base
	for i := 1; s.used[key]; i++ {
		key = base + "-" + strconv.Itoa(i)
	}
	s.used[key] = true
	return []byte(key)
}

func (s *headingIDs) Put(value []byte) { s.used[string(value)] = true }
