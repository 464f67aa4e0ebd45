package markdown

import (
	"bytes"
	"sort"
	"strings"

	"github.com/yuin/goldmark/parser"
)

// lineIndex answers the look-ahead questions of the $$ and HTML wrapper
// parsers (is there a closing line further down?) from one pass over the
// source, so a page full of unclosed openers still parses in linear time.
type lineIndex struct {
	starts      []int        // offset of each line's first byte
	mathClosers []int        // lines ending with $$, ascending
	matched     map[int]bool // wrapper opening lines that have a closing line
}

var lineIndexKey = parser.NewContextKey()

func indexOf(pc parser.Context, src []byte) *lineIndex {
	if v, ok := pc.Get(lineIndexKey).(*lineIndex); ok {
		return v
	}
	idx := &lineIndex{matched: map[int]bool{}}
	open := map[string][]int{} // tag -> stack of opening lines
	n := 0
	for off := 0; off < len(src) || off == 0; n++ {
		idx.starts = append(idx.starts, off)
		end := bytes.IndexByte(src[off:], '\n')
		next := len(src)
		line := src[off:]
		if end >= 0 {
			line, next = src[off:off+end], off+end+1
		}
		if closesMath(line) {
			idx.mathClosers = append(idx.mathClosers, n)
		}
		if t := bytes.TrimSpace(line); bytes.HasPrefix(t, []byte("</")) && bytes.HasSuffix(t, []byte(">")) {
			tag := strings.ToLower(string(t[2 : len(t)-1]))
			if s := open[tag]; len(s) > 0 {
				idx.matched[s[len(s)-1]] = true
				open[tag] = s[:len(s)-1]
			}
		} else if m := openTagLine.FindSubmatch(line); m != nil {
			if tag := strings.ToLower(string(m[1])); wrapperTags[tag] {
				open[tag] = append(open[tag], n)
			}
		}
		if end < 0 {
			break
		}
		off = next
	}
	pc.Set(lineIndexKey, idx)
	return idx
}

// line is the line number holding offset off.
func (x *lineIndex) line(off int) int {
	return sort.SearchInts(x.starts, off+1) - 1
}

// mathCloserAfter reports whether a line after line n closes $$ math.
func (x *lineIndex) mathCloserAfter(n int) bool {
	i := sort.SearchInts(x.mathClosers, n+1)
	return i < len(x.mathClosers)
}
