package markdown

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// KindHTMLWrapper is the kind of an HTMLWrapper node.
var KindHTMLWrapper = ast.NewNodeKind("HTMLWrapper")

// HTMLWrapper is a block HTML element whose content is markdown.
//
// This is markdown inside HTML blocks, as kramdown does it with parse_block_html
// (Jekyll sites such as the 2023 challenge's turn it on). A line holding
// only the opening tag of a block element, such as <p style='...'> or
// <div class="note">, opens a wrapper whose lines up to the matching
// closing-tag line are parsed as markdown. CommonMark would instead keep
// them as raw HTML, showing "**24-hour**" and "[MIT](...)" literally.
//
// The tags are written as the author wrote them. A <p> wrapper holding one
// paragraph renders as that paragraph with the author's tag; one holding
// more (paragraphs, lists, math) renders its tag as <div> with the same
// attributes, since a <p> cannot hold blocks. A wrapper with no matching
// closing-tag line is left to CommonMark. kramdown's markdown="0" keeps the
// element raw; markdown="1" is accepted and dropped.
type HTMLWrapper struct {
	ast.BaseBlock
	Tag  string // lower case
	Open []byte // the opening tag as written, less any markdown attribute
	open bool   // still taking lines
}

// Kind implements ast.Node.
func (n *HTMLWrapper) Kind() ast.NodeKind { return KindHTMLWrapper }

// Dump implements ast.Node.
func (n *HTMLWrapper) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Tag": n.Tag, "Open": string(n.Open)}, nil)
}

var wrapperTags = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true,
	"center": true, "details": true, "div": true, "figcaption": true,
	"figure": true, "footer": true, "header": true, "main": true,
	"nav": true, "p": true, "section": true,
}

var (
	openTagLine  = regexp.MustCompile(`^ {0,3}<([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:[^\s"'=<>` + "`" + `]+|'[^']*'|"[^"]*"))?)*)\s*>\s*$`)
	markdownAttr = regexp.MustCompile(`\s+markdown\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>` + "`" + `]+))`)
)

type htmlWrapperParser struct{}

func (htmlWrapperParser) Trigger() []byte { return []byte{'<'} }

func (htmlWrapperParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	m := openTagLine.FindSubmatch(line)
	if m == nil {
		return nil, parser.NoChildren
	}
	tag := strings.ToLower(string(m[1]))
	if !wrapperTags[tag] {
		return nil, parser.NoChildren
	}
	open := bytes.TrimSpace(line)
	if a := markdownAttr.FindSubmatch(open); a != nil {
		v := string(a[1]) + string(a[2]) + string(a[3])
		if v == "0" {
			return nil, parser.NoChildren
		}
		open = markdownAttr.ReplaceAll(open, nil)
	}
	idx := indexOf(pc, reader.Source())
	if !idx.matched[idx.line(seg.Start)] {
		return nil, parser.NoChildren
	}
	reader.AdvanceToEOL()
	return &HTMLWrapper{Tag: tag, Open: bytes.Clone(open), open: true}, parser.HasChildren
}

func isClosingLine(line []byte, tag string) bool {
	t := bytes.TrimSpace(line)
	return len(t) == len(tag)+3 && bytes.HasPrefix(t, []byte("</")) && t[len(t)-1] == '>' &&
		strings.EqualFold(string(t[2:len(t)-1]), tag)
}

func (htmlWrapperParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	n := node.(*HTMLWrapper)
	line, _ := reader.PeekLine()
	if line == nil {
		n.open = false
		return parser.Close
	}
	if isClosingLine(line, n.Tag) && !innerOwnsLine(n, pc) {
		n.open = false
		reader.AdvanceToEOL()
		return parser.Close
	}
	return parser.Continue | parser.HasChildren
}

// innerOwnsLine reports whether a block opened inside n (a fenced code
// block, math, or a nested wrapper) takes the current line itself.
func innerOwnsLine(n *HTMLWrapper, pc parser.Context) bool {
	blocks := pc.OpenedBlocks()
	for i, b := range blocks {
		if b.Node != n {
			continue
		}
		for _, inner := range blocks[i+1:] {
			switch in := inner.Node.(type) {
			case *ast.FencedCodeBlock, *MathBlock:
				return true
			case *HTMLWrapper:
				if in.open {
					return true
				}
			}
		}
	}
	return false
}

func (htmlWrapperParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {
	node.(*HTMLWrapper).open = false
}

func (htmlWrapperParser) CanInterruptParagraph() bool { return true }
func (htmlWrapperParser) CanAcceptIndentedLine() bool { return false }

type htmlWrapperRenderer struct{}

func (htmlWrapperRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(KindHTMLWrapper, renderHTMLWrapper)
}

func renderHTMLWrapper(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*HTMLWrapper)
	tag := n.Tag
	open := n.Open
	if tag == "p" {
		if p, ok := n.FirstChild().(*ast.Paragraph); ok && p.NextSibling() == nil {
			// One paragraph: its <p> is the author's.
			if entering {
				_, _ = w.Write(open)
			} else {
				_, _ = w.WriteString("</p>\n")
			}
			return ast.WalkContinue, nil
		}
		if n.FirstChild() != nil {
			tag = "div"
			open = append([]byte("<div"), open[2:]...)
		}
	}
	if entering {
		_, _ = w.Write(open)
		if n.FirstChild() != nil {
			_ = w.WriteByte('\n')
		}
	} else {
		_, _ = w.WriteString("</" + tag + ">\n")
	}
	return ast.WalkContinue, nil
}

// paragraphRenderer writes paragraphs, leaving out the tags of those that a
// <p> wrapper writes itself.
type paragraphRenderer struct{}

func (paragraphRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindParagraph, renderParagraph)
}

func renderParagraph(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if wr, ok := n.Parent().(*HTMLWrapper); ok && wr.Tag == "p" && n.PreviousSibling() == nil && n.NextSibling() == nil {
		return ast.WalkContinue, nil // the wrapper writes the <p> tags
	}
	if entering {
		if n.Attributes() != nil {
			_, _ = w.WriteString("<p")
			html.RenderAttributes(w, n, html.ParagraphAttributeFilter)
			_ = w.WriteByte('>')
		} else {
			_, _ = w.WriteString("<p>")
		}
	} else {
		_, _ = w.WriteString("</p>\n")
	}
	return ast.WalkContinue, nil
}

// htmlWrapperExtension adds markdown inside HTML blocks.
type htmlWrapperExtension struct{}

func (htmlWrapperExtension) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(parser.WithBlockParsers(util.Prioritized(htmlWrapperParser{}, 850)))
	m.Renderer().AddOptions(renderer.WithNodeRenderers(
		util.Prioritized(htmlWrapperRenderer{}, 150),
		util.Prioritized(paragraphRenderer{}, 150),
	))
}
