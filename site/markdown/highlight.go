package markdown

import (
	"bytes"
	"sort"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// Style is the chroma style of the site's one code stylesheet.
const Style = "github"

// formatter writes CSS classes, never inline styles, so one stylesheet
// (CSS) colours every page.
var formatter = chromahtml.New(chromahtml.WithClasses(true))

// CSS returns the stylesheet for highlighted code.
func CSS() []byte {
	var b bytes.Buffer
	if err := formatter.WriteCSS(&b, styles.Get(Style)); err != nil {
		panic(err) // writes to a bytes.Buffer do not fail
	}
	return b.Bytes()
}

// lexerFor finds the lexer of a fence's language by name, alias or file
// extension ("go", "golang", "yml"), or nil. The table is built once:
// chroma's own lookup scans every lexer's file patterns for an unknown
// name, milliseconds each, which text with many made-up language names
// would turn into a slow build.
func lexerFor(lang string) chroma.Lexer {
	lexerTableOnce.Do(buildLexerTable)
	return lexerTable[strings.ToLower(lang)]
}

var (
	lexerTableOnce sync.Once
	lexerTable     map[string]chroma.Lexer
)

func buildLexerTable() {
	all := append(chroma.PrioritisedLexers(nil), lexers.GlobalLexerRegistry.Lexers...)
	sort.Stable(all) // by priority, then name: the first to claim a key keeps it
	table := map[string]chroma.Lexer{}
	claim := func(key string, l chroma.Lexer) {
		key = strings.ToLower(key)
		if _, taken := table[key]; !taken && key != "" {
			table[key] = l
		}
	}
	coalesced := make([]chroma.Lexer, len(all))
	for i, l := range all {
		coalesced[i] = chroma.Coalesce(l)
		claim(l.Config().Name, coalesced[i])
	}
	for i, l := range all {
		for _, a := range l.Config().Aliases {
			claim(a, coalesced[i])
		}
	}
	for i, l := range all {
		for _, f := range l.Config().Filenames {
			if ext, ok := strings.CutPrefix(f, "*."); ok && !strings.ContainsAny(ext, "*?[{") {
				claim(ext, coalesced[i])
			}
		}
	}
	lexerTable = table
}

// codeRenderer writes fenced code blocks, highlighted when highlight is
// set; a ```math fence is display math. Participant text is not
// highlighted: chroma's lexers backtrack, and a crafted block could make
// each of its matches run to chroma's 250 ms limit.
type codeRenderer struct{ highlight bool }

func (c codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, func(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
		return renderFencedCode(w, source, node, entering, c.highlight)
	})
}

func renderFencedCode(w util.BufWriter, source []byte, node ast.Node, entering, highlight bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.FencedCodeBlock)
	lang := strings.ToLower(string(n.Language(source)))
	var code bytes.Buffer
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		code.Write(seg.Value(source))
	}
	if lang == "math" {
		writeMath(w, "div", "display", bytes.TrimRight(code.Bytes(), "\n"))
		_ = w.WriteByte('\n')
		return ast.WalkSkipChildren, nil
	}
	var lx chroma.Lexer
	if lang != "" && highlight {
		lx = lexerFor(lang)
	}
	if lx == nil {
		_, _ = w.WriteString("<pre><code")
		if lang != "" {
			_, _ = w.WriteString(` class="language-`)
			_, _ = w.Write(util.EscapeHTML([]byte(lang)))
			_ = w.WriteByte('"')
		}
		_ = w.WriteByte('>')
		_, _ = w.Write(util.EscapeHTML(code.Bytes()))
		_, _ = w.WriteString("</code></pre>\n")
		return ast.WalkSkipChildren, nil
	}
	it, err := lx.Tokenise(nil, code.String())
	if err != nil {
		return ast.WalkStop, err
	}
	if err := formatter.Format(w, styles.Get(Style), it); err != nil {
		return ast.WalkStop, err
	}
	_ = w.WriteByte('\n')
	return ast.WalkSkipChildren, nil
}
