package markdown

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"podium/internal/sharedtest"
)

// The sample round in content/ renders, and its site-absolute links lead
// to its own pages and headings.
func TestSampleContent(t *testing.T) {
	dir := filepath.Join(sharedtest.Root(t), "content")
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil || len(files) < 7 {
		t.Fatalf("content pages: %v %v", files, err)
	}
	r := New()
	pages := map[string]*Page{} // URL path -> page
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.Page(f, src)
		if err != nil {
			t.Fatal(err)
		}
		if p.Meta.Title == "" || p.Meta.Order == 0 {
			t.Errorf("%s: wants a title and nav_order, got %+v", f, p.Meta)
		}
		url := p.Meta.Permalink
		if url == "" {
			url = "/" + strings.TrimSuffix(filepath.Base(f), ".md") + "/"
			if url == "/index/" {
				url = "/"
			}
		}
		pages[url] = p
	}
	for url, p := range pages {
		for _, l := range p.Links {
			if !strings.HasPrefix(l.Dest, "/") {
				continue
			}
			path, frag, _ := strings.Cut(l.Dest, "#")
			target, ok := pages[path]
			if !ok {
				t.Errorf("%s line %d: link to %s: no such page", url, l.Line, l.Dest)
				continue
			}
			if frag == "" {
				continue
			}
			found := false
			for _, h := range target.Headings {
				found = found || h.ID == frag
			}
			if !found {
				t.Errorf("%s line %d: link to %s: no heading #%s", url, l.Line, l.Dest, frag)
			}
		}
	}
	challenge := string(pages["/challenge/"].HTML)
	if !strings.Contains(challenge, `<div class="math display">\[`) || strings.Count(challenge, "<li>") < 24+4+2 {
		t.Errorf("challenge page: formula or lists missing:\n%s", challenge)
	}
	prizes := string(pages["/prizes/"].HTML)
	for _, want := range []string{"$7,500", "$2,500", "$1,000", "$500"} {
		if !strings.Contains(prizes, want) {
			t.Errorf("prizes page lost %s:\n%s", want, prizes)
		}
	}
	if strings.Contains(prizes, "math") {
		t.Errorf("prices became math:\n%s", prizes)
	}
	if pages["/dates/"].Meta.Format != "toml" {
		t.Error("dates page: want TOML front matter")
	}
}
