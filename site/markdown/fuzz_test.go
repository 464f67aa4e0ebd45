package markdown

import (
	"bytes"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzRender feeds the golden cases, mutated, to both renderers: no input
// may panic, page errors are *Error, and untrusted output holds only
// harmless tags and attributes.
func FuzzRender(f *testing.F) {
	files, _ := filepath.Glob(caseGlob)
	for _, file := range files {
		cases, err := parseCases(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, c := range cases {
			f.Add(c.Markdown)
		}
	}
	r := New()
	f.Fuzz(func(t *testing.T, src string) {
		if _, err := r.Page("fuzz.md", []byte(src)); err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
		out, err := r.Untrusted([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if msg := unsafeHTML(out); msg != "" {
			t.Fatalf("%s in the untrusted output of %q:\n%s", msg, src, out)
		}
	})
}

// unsafeHTML names the first tag or attribute of out that could run
// script, or returns "".
func unsafeHTML(out []byte) string {
	z := html.NewTokenizer(bytes.NewReader(out))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			switch string(name) {
			case "script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "link", "meta", "base":
				return "tag " + string(name)
			}
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				key, val := string(k), strings.ToLower(strings.TrimSpace(string(v)))
				if strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" {
					return "attribute " + key
				}
				if key == "href" || key == "src" {
					u, err := url.Parse(val)
					if err != nil {
						return "unparsable URL " + val
					}
					switch u.Scheme {
					case "", "http", "https", "mailto":
					default:
						return "URL " + val
					}
				}
			}
		}
	}
}

func TestUnsafeHTMLCheck(t *testing.T) {
	for _, bad := range []string{`<script>`, `<a href="JavaScript:x">`, `<img src=x onerror=y>`, `<p style="x">`, `<svg>`} {
		if unsafeHTML([]byte(bad)) == "" {
			t.Errorf("%s passed the check", bad)
		}
	}
	if msg := unsafeHTML([]byte(`<p><a href="https://e.com/a:b" rel="nofollow noopener">x</a><span class="math inline">\(a\)</span></p>`)); msg != "" {
		t.Errorf("safe HTML flagged: %s", msg)
	}
}
