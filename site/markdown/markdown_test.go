package markdown

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestPageHeadingsLinksTitle(t *testing.T) {
	src := "---\ntitle: Rules\n---\n# Big *title*\n\nSee [the FAQ](/faq/#scores)\nand ![chart](img/c.png).\n\n## Scores `x`\n\n<https://example.com>\n"
	var rewritten []string
	r := New(WithLinkRewriter(func(d string) string {
		rewritten = append(rewritten, d)
		if strings.HasPrefix(d, "/") {
			return "/repo" + d
		}
		return d
	}))
	p, err := r.Page("rules.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Rules" {
		t.Errorf("front matter title wins: %q", p.Title)
	}
	wantH := []Heading{{1, "big-title", "Big title"}, {2, "scores-x", "Scores x"}}
	if fmt.Sprint(p.Headings) != fmt.Sprint(wantH) {
		t.Errorf("headings: %+v", p.Headings)
	}
	wantL := []Link{{"/faq/#scores", 6, false}, {"img/c.png", 7, true}}
	if fmt.Sprint(p.Links) != fmt.Sprint(wantL) {
		t.Errorf("links: %+v", p.Links)
	}
	html := string(p.HTML)
	if !strings.Contains(html, `<a href="/repo/faq/#scores">`) || !strings.Contains(html, `<img src="img/c.png" alt="chart">`) {
		t.Errorf("rewritten links: %s", html)
	}
	if len(rewritten) != 2 {
		t.Errorf("rewriter saw %q", rewritten)
	}
}

func TestTitleFromFirstH1(t *testing.T) {
	p, err := New().Page("x.md", []byte("intro\n\n## Not this\n\n# Prizes & $x$\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Prizes & x" {
		t.Errorf("title %q", p.Title)
	}
}

func TestCommonMarkHTMLOption(t *testing.T) {
	src := []byte("<div>\n**raw**\n</div>\n")
	cm, _ := New(WithCommonMarkHTML()).HTML(src)
	if string(cm) != "<div>\n**raw**\n</div>\n" {
		t.Errorf("CommonMark: %q", cm)
	}
	kd, _ := New().HTML(src)
	if string(kd) != "<div>\n<p><strong>raw</strong></p>\n</div>\n" {
		t.Errorf("kramdown: %q", kd)
	}
}

func TestCSS(t *testing.T) {
	css := CSS()
	for _, want := range []string{".chroma {", ".chroma .kd {", ".bg {"} {
		if !bytes.Contains(css, []byte(want)) {
			t.Errorf("CSS lacks %q", want)
		}
	}
	if !bytes.Equal(css, CSS()) {
		t.Error("CSS differs between calls")
	}
	// Every class the renderer writes for highlighted code is styled or
	// plain text.
	out, err := New().HTML([]byte("```go\n// c\nfunc f() int { return 1 }\n```\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cls := range []string{"c1", "kd", "nf", "kt", "mi"} {
		if !bytes.Contains(out, []byte(`class="`+cls+`"`)) || !bytes.Contains(css, []byte(".chroma ."+cls+" {")) {
			t.Errorf("class %s: missing in output or CSS", cls)
		}
	}
}

// One Renderer serves many goroutines, and output never varies.
func TestConcurrentDeterministic(t *testing.T) {
	r := New()
	pages := Corpus(16)
	want := make([][]byte, len(pages))
	for i, pg := range pages {
		p, err := r.Page(pg.Name, pg.Source)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = p.HTML
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(pages))
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, pg := range pages {
				p, err := r.Page(pg.Name, pg.Source)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(p.HTML, want[i]) {
					errs <- fmt.Errorf("%s: output differs between runs", pg.Name)
				}
				if _, err := r.Untrusted(pg.Source); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Text full of lone openers (prices, $$ lines, HTML wrappers without a
// closing line) keeps its dollars and tags; the parsers' look-ahead is
// indexed once per page, so such text costs linear time
// (BenchmarkLoneOpeners).
func TestLoneOpeners(t *testing.T) {
	src := loneOpeners(500)
	out, err := New().HTML(src)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("math")) || bytes.Count(out, []byte("$5")) != 500*10 {
		t.Errorf("dollars changed: %d of %d kept", bytes.Count(out, []byte("$5")), 500*10)
	}
	if bytes.Count(out, []byte(`<div class="x">`)) != 500 {
		t.Error("unclosed divs not kept raw")
	}
	u, err := New().Untrusted(src)
	if err != nil || bytes.Count(u, []byte("$5")) != 500*10 {
		t.Errorf("untrusted: %v, %d dollars", err, bytes.Count(u, []byte("$5")))
	}
}

func loneOpeners(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat("$5 ", 10) + "\n\n$$ a\n\n<div class=\"x\">\n\n")
	}
	return b.Bytes()
}

func BenchmarkLoneOpeners(b *testing.B) {
	src := loneOpeners(2000)
	r := New()
	for b.Loop() {
		if _, err := r.HTML(src); err != nil {
			b.Fatal(err)
		}
	}
}
