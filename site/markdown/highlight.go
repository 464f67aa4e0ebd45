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
	key := lang + "\x00" + code.String()
	html, ok := highlighted.get(key)
	if !ok {
		it, err := lx.Tokenise(nil, code.String())
		if err != nil {
			return ast.WalkStop, err
		}
		var out bytes.Buffer
		if err := formatter.Format(&out, styles.Get(Style), it); err != nil {
			return ast.WalkStop, err
		}
		html = out.Bytes()
		highlighted.put(key, html)
	}
	_, _ = w.Write(html)
	_ = w.WriteByte('\n')
	return ast.WalkSkipChildren, nil
}

// highlighted keeps the HTML of code blocks already highlighted, by
// language and code: the same snippet on many pages (an install command, a
// config file) is lexed once, and a rebuild under `podium serve` lexes
// only what changed. Chroma's output depends on nothing else.
var highlighted = &codeCache{max: 16 << 20}

// codeCache is a map of bounded size; when full, it is emptied.
type codeCache struct {
	mu   sync.Mutex
	m    map[string][]byte
	size int
	max  int
}

func (c *codeCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[key]
	return b, ok
}

func (c *codeCache) put(key string, html []byte) {
	n := len(key) + len(html)
	if n > c.max/16 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.size+n > c.max {
		c.m, c.size = map[string][]byte{}, 0
	}
	if _, dup := c.m[key]; !dup {
		c.m[key] = html
		c.size += n
	}
}
