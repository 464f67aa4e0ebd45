// Package markdown renders the site's markdown: organizer pages (trusted,
// with front matter, raw HTML, math and highlighted code) and participant
// text (untrusted, sanitized).
//
// Organizer pages are CommonMark with GFM (tables, autolinks,
// strikethrough, task lists), footnotes, heading ids ({#id} or made from
// the text), raw HTML kept, and two things from Jekyll sites: markdown
// inside block HTML elements (see HTMLWrapper) and TeX math (see Math).
// Fenced code is highlighted by chroma with CSS classes; CSS returns the one
// stylesheet for it.
//
// Math is written for KaTeX in the browser: every formula is an element of
// class "math" holding \(TeX\) or \[TeX\], HTML-escaped, so the TeX reads
// as text without scripts. Typeset each such element with KaTeX's
// renderMathInElement and only the delimiters \( \) and \[ \]; KaTeX's
// trust option must stay off, as participant text may hold math too.
package markdown

import (
	"bufio"
	"bytes"
	"io"
	"sort"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Page is a rendered organizer page.
type Page struct {
	Meta     FrontMatter
	Params   map[string]any // every front matter key
	Title    string         // Meta.Title, else the first h1's text
	HTML     []byte
	Headings []Heading
	Links    []Link // link and image targets, in order, for link checks
}

// Heading is a heading of a page, for tables of contents.
type Heading struct {
	Level int
	ID    string
	Text  string
}

// Link is a link or image target in a page, with its line in the file.
type Link struct {
	Dest  string
	Line  int
	Image bool
}

// Renderer renders markdown. It is safe for concurrent use.
type Renderer struct {
	trusted   goldmark.Markdown
	untrusted goldmark.Markdown
	rewrite   func(string) string
}

type config struct {
	commonMarkHTML bool
	rewrite        func(string) string
}

// Option configures a Renderer.
type Option func(*config)

// WithCommonMarkHTML turns off markdown inside HTML blocks (see
// HTMLWrapper): a block HTML element's lines are then raw HTML up to the
// next blank line, as CommonMark says.
func WithCommonMarkHTML() Option {
	return func(c *config) { c.commonMarkHTML = true }
}

// WithLinkRewriter rewrites every markdown link and image target of
// organizer pages, e.g. to put a base URL before site-absolute paths.
// Page.Links holds the targets as written.
func WithLinkRewriter(f func(dest string) string) Option {
	return func(c *config) { c.rewrite = f }
}

// New returns a Renderer.
func New(opts ...Option) *Renderer {
	var c config
	for _, o := range opts {
		o(&c)
	}
	exts := []goldmark.Extender{extension.GFM, extension.Footnote, mathExtension{}, codeExtension{highlight: true}}
	if !c.commonMarkHTML {
		exts = append(exts, htmlWrapperExtension{})
	}
	trusted := goldmark.New(
		goldmark.WithExtensions(exts...),
		goldmark.WithParserOptions(parser.WithAutoHeadingID(), parser.WithAttribute()),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	untrusted := goldmark.New(
		goldmark.WithExtensions(extension.GFM, mathExtension{}, codeExtension{}),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(relTransformer{}, 100))),
	)
	return &Renderer{trusted: trusted, untrusted: untrusted, rewrite: c.rewrite}
}

// Page renders an organizer page: front matter (YAML between --- lines or
// TOML between +++ lines) and a markdown body. name is the file's name for
// errors.
func (r *Renderer) Page(name string, src []byte) (*Page, error) {
	format, fm, body, bodyLine, err := splitFrontMatter(name, src)
	if err != nil {
		return nil, err
	}
	meta, params, err := parseFrontMatter(name, format, fm)
	if err != nil {
		return nil, err
	}
	if params == nil {
		params = map[string]any{}
	}
	p := &Page{Meta: meta, Params: params, Title: meta.Title}
	doc := r.trusted.Parser().Parse(text.NewReader(body), parser.WithContext(newContext()))
	lines := lineStarts(body)
	lineOf := func(n ast.Node) int {
		pos := n.Pos()
		for pos < 0 && n.Parent() != nil { // inline nodes may lack a position
			n = n.Parent()
			pos = n.Pos()
		}
		if pos < 0 {
			return bodyLine
		}
		return bodyLine + sort.SearchInts(lines, pos+1) - 1
	}
	err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			h := Heading{Level: n.Level, Text: plainText(n, body)}
			if id, ok := n.AttributeString("id"); ok {
				if b, ok := id.([]byte); ok {
					h.ID = string(b)
				}
			}
			p.Headings = append(p.Headings, h)
			if p.Title == "" && n.Level == 1 {
				p.Title = h.Text
			}
		case *ast.Link:
			p.Links = append(p.Links, Link{Dest: string(n.Destination), Line: lineOf(n)})
			if r.rewrite != nil {
				n.Destination = []byte(r.rewrite(string(n.Destination)))
			}
		case *ast.Image:
			p.Links = append(p.Links, Link{Dest: string(n.Destination), Line: lineOf(n), Image: true})
			if r.rewrite != nil {
				n.Destination = []byte(r.rewrite(string(n.Destination)))
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := buffered(&buf, func(w io.Writer) error { return r.trusted.Renderer().Render(w, body, doc) }); err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	p.HTML = buf.Bytes()
	return p, nil
}

// HTML renders trusted markdown without front matter, such as a round's
// description.
func (r *Renderer) HTML(src []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := buffered(&buf, func(w io.Writer) error { return r.trusted.Convert(src, w, parser.WithContext(newContext())) }); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// buffered calls render with a pooled buffered writer into buf: goldmark
// would otherwise make a 4 KiB one for every page and description.
func buffered(buf *bytes.Buffer, render func(io.Writer) error) error {
	w := bufWriters.Get().(*bufio.Writer)
	w.Reset(buf)
	err := render(w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	w.Reset(nil)
	bufWriters.Put(w)
	return err
}

var bufWriters = sync.Pool{New: func() any { return bufio.NewWriter(nil) }}

// lineStarts returns the offset of each line's first byte.
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// plainText is the text of n's inline content, without markup.
func plainText(n ast.Node, src []byte) string {
	var b bytes.Buffer
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *Math:
			b.Write(c.TeX)
		case *ast.CodeSpan:
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if tx, ok := t.(*ast.Text); ok {
					b.Write(tx.Value(src))
				}
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return string(bytes.TrimSpace(b.Bytes()))
}

// codeExtension writes fenced code, highlighted or not.
type codeExtension struct{ highlight bool }

func (c codeExtension) Extend(m goldmark.Markdown) {
	m.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(codeRenderer{c.highlight}, 150)))
}
