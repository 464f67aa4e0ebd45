package markdown

import (
	"bytes"
	"io"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Untrusted renders participant markdown (team descriptions, model cards):
// raw HTML is dropped, and the result is sanitized with bluemonday's UGC
// policy. Links carry rel="nofollow noopener". The result is safe to put
// inside HTML element content; it is not safe inside a <script> or an
// attribute, which need their own escaping.
func (r *Renderer) Untrusted(src []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := buffered(&buf, func(w io.Writer) error { return r.untrusted.Convert(src, w) }); err != nil {
		return nil, err
	}
	return ugcPolicy.SanitizeBytes(buf.Bytes()), nil
}

// ugcPolicy is bluemonday's UGC policy plus the classes our renderer
// writes for math and code. Raw HTML never reaches it from
// markdown (the untrusted renderer drops it), so this is a second line of
// defence.
var ugcPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^nofollow noopener$`)).OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^math (inline|display)$`)).OnElements("span", "div")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+-]{1,30}$`)).OnElements("code")
	return p
}()

// relTransformer marks every link of participant text nofollow noopener.
type relTransformer struct{}

func (relTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			switch n.(type) {
			case *ast.Link, *ast.AutoLink:
				n.SetAttributeString("rel", []byte("nofollow noopener"))
			}
		}
		return ast.WalkContinue, nil
	})
}
