package markdown

import (
	"bytes"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// KindMath is the kind of a Math node.
var KindMath = ast.NewNodeKind("Math")

// Math is a formula inside a paragraph. TeX is kept as written: $...$ and
// \(...\) are inline, $$...$$ is display. Math renders as
//
//	<span class="math inline">\(TeX\)</span>
//	<span class="math display">\[TeX\]</span>   ($$ inside a paragraph)
//	<div class="math display">\[TeX\]</div>     ($$ block, ```math fence)
//
// so the TeX stays readable without scripts and KaTeX can typeset every
// element with class "math" in the browser. A $ opens math only when a
// non-space follows it, and closes it only after a non-space and before a
// non-digit (Pandoc's rule), so "$5 and $10" and "$2,500" stay dollars.
type Math struct {
	ast.BaseInline
	TeX     []byte
	Display bool
}

// Kind implements ast.Node.
func (n *Math) Kind() ast.NodeKind { return KindMath }

// Dump implements ast.Node.
func (n *Math) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"TeX": string(n.TeX)}, nil)
}

// KindMathBlock is the kind of a MathBlock node.
var KindMathBlock = ast.NewNodeKind("MathBlock")

// MathBlock is display math standing as a block of its own.
type MathBlock struct {
	ast.BaseBlock
}

// Kind implements ast.Node.
func (n *MathBlock) Kind() ast.NodeKind { return KindMathBlock }

// IsRaw implements ast.Node: the content is TeX, not markdown.
func (n *MathBlock) IsRaw() bool { return true }

// Dump implements ast.Node.
func (n *MathBlock) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, nil, nil)
}

// mathInlineParser parses $...$, $$...$$ and \(...\).
type mathInlineParser struct{}

func (mathInlineParser) Trigger() []byte { return []byte{'$', '\\'} }

func (mathInlineParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, _ := block.PeekLine()
	var open, close string
	display := false
	switch {
	case bytes.HasPrefix(line, []byte(`\(`)):
		open, close = `\(`, `\)`
	case bytes.HasPrefix(line, []byte("$$")):
		open, close, display = "$$", "$$", true
	case line[0] == '$':
		// Pandoc's rule: the opening $ has a non-space right after it, the
		// closing $ a non-space right before it and no digit right after
		// it. So "$5 and $10" and "$2,500" stay dollars.
		if len(line) < 2 || util.IsSpace(line[1]) {
			return nil
		}
		open, close = "$", "$"
	default:
		return nil
	}
	tex, ok := scanMath(block, open, close)
	if !ok {
		return nil
	}
	return &Math{TeX: tex, Display: display}
}

// maxInlineMath bounds the search for a closing delimiter, so text full
// of lone dollars (prices) costs linear time.
const maxInlineMath = 4096

// scanMath reads from the opener up to the closer, across the lines of the
// paragraph, and returns the TeX between them. It leaves the reader after
// the closer when it finds one.
func scanMath(block text.Reader, open, close string) ([]byte, bool) {
	l, pos := block.Position()
	block.Advance(len(open))
	var tex []byte
	first := true
	for {
		line, _ := block.PeekLine()
		if line == nil || len(tex) > maxInlineMath {
			block.SetPosition(l, pos)
			return nil, false
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '\\' && close != `\)` && i+1 < len(line) {
				i++ // \$ is an escaped dollar inside TeX too
				continue
			}
			if !bytes.HasPrefix(line[i:], []byte(close)) {
				continue
			}
			if close == `\)` && i > 0 && line[i-1] == '\\' {
				continue
			}
			if open == "$" {
				if first && i == 0 {
					block.SetPosition(l, pos)
					return nil, false // "$$" handled elsewhere
				}
				if i == 0 || util.IsSpace(line[i-1]) {
					continue
				}
				if i+1 < len(line) && util.IsNumeric(line[i+1]) {
					continue
				}
			}
			tex = append(tex, line[:i]...)
			if len(bytes.TrimSpace(tex)) == 0 {
				block.SetPosition(l, pos)
				return nil, false
			}
			block.Advance(i + len(close))
			return tex, true
		}
		first = false
		tex = append(tex, line...)
		block.AdvanceLine()
	}
}

// mathBlockParser parses $$ blocks: "$$ TeX $$" on one line, or "$$" lines
// around TeX. A block needs its closing $$; without one the line is left
// to the paragraph.
type mathBlockParser struct{}

var mathBlockInfoKey = parser.NewContextKey()

func (mathBlockParser) Trigger() []byte { return []byte{'$'} }

func (mathBlockParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	pos := pc.BlockOffset()
	if pos < 0 || !bytes.HasPrefix(line[pos:], []byte("$$")) {
		return nil, parser.NoChildren
	}
	rest := bytes.TrimRight(line[pos+2:], " \t\r\n")
	start := seg.Start + pos + 2
	if i := bytes.Index(rest, []byte("$$")); i >= 0 {
		// One line: the closing $$ must end it.
		if i != len(rest)-2 || len(bytes.TrimSpace(rest[:i])) == 0 {
			return nil, parser.NoChildren
		}
		node := &MathBlock{}
		node.Lines().Append(text.NewSegment(start, start+i))
		pc.Set(mathBlockInfoKey, node)
		reader.AdvanceToEOL()
		return node, parser.NoChildren
	}
	idx := indexOf(pc, reader.Source())
	if !idx.mathCloserAfter(idx.line(seg.Start)) {
		return nil, parser.NoChildren
	}
	node := &MathBlock{}
	if len(bytes.TrimSpace(rest)) > 0 {
		node.Lines().Append(text.NewSegment(start, seg.Stop)) // with its newline
	}
	reader.AdvanceToEOL()
	return node, parser.NoChildren
}

func closesMath(line []byte) bool {
	t := bytes.TrimRight(line, " \t\r\n")
	return bytes.HasSuffix(t, []byte("$$")) && !bytes.HasSuffix(t, []byte(`\$$`))
}

func (mathBlockParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	if pc.Get(mathBlockInfoKey) == node {
		pc.Set(mathBlockInfoKey, nil) // one-line block: already complete
		return parser.Close
	}
	line, seg := reader.PeekLine()
	if line == nil {
		return parser.Close
	}
	if closesMath(line) {
		t := bytes.TrimRight(line, " \t\r\n")
		if body := t[:len(t)-2]; len(bytes.TrimSpace(body)) > 0 {
			node.Lines().Append(text.NewSegment(seg.Start, seg.Start+len(body)))
		}
		reader.AdvanceToEOL()
		return parser.Close
	}
	node.Lines().Append(seg)
	reader.AdvanceToEOL()
	return parser.Continue | parser.NoChildren
}

func (mathBlockParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {
	if pc.Get(mathBlockInfoKey) == node {
		pc.Set(mathBlockInfoKey, nil)
	}
}

func (mathBlockParser) CanInterruptParagraph() bool { return false }
func (mathBlockParser) CanAcceptIndentedLine() bool { return false }

// mathRenderer writes Math and MathBlock nodes.
type mathRenderer struct{}

func (mathRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(KindMath, renderMath)
	reg.Register(KindMathBlock, renderMathBlock)
}

func renderMath(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*Math)
	if n.Display {
		writeMath(w, "span", "display", n.TeX)
	} else {
		writeMath(w, "span", "inline", n.TeX)
	}
	return ast.WalkSkipChildren, nil
}

func renderMathBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	var tex []byte
	lines := node.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		tex = append(tex, seg.Value(source)...)
	}
	writeMath(w, "div", "display", bytes.TrimRight(tex, "\n"))
	_ = w.WriteByte('\n')
	return ast.WalkSkipChildren, nil
}

func writeMath(w util.BufWriter, tag, mode string, tex []byte) {
	_, _ = w.WriteString("<" + tag + ` class="math ` + mode + `">`)
	if mode == "display" {
		_, _ = w.WriteString(`\[`)
	} else {
		_, _ = w.WriteString(`\(`)
	}
	_, _ = w.Write(util.EscapeHTML(tex))
	if mode == "display" {
		_, _ = w.WriteString(`\]`)
	} else {
		_, _ = w.WriteString(`\)`)
	}
	_, _ = w.WriteString("</" + tag + ">")
}

// mathExtension adds math to a goldmark.Markdown.
type mathExtension struct{}

func (mathExtension) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(
		parser.WithBlockParsers(util.Prioritized(mathBlockParser{}, 650)),
		parser.WithInlineParsers(util.Prioritized(mathInlineParser{}, 150)),
	)
	m.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(mathRenderer{}, 150)))
}
