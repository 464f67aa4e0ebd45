package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"podium/internal/sharedtest"
)

// TestSeedPage builds the 2023 challenge page as its organizers wrote it
// for Jekyll (read from ../shared at test time, never copied) and checks
// the HTML; TestBrowserSeedPage checks it typeset in a browser.
func TestSeedPage(t *testing.T) {
	seed, err := os.ReadFile(filepath.Join(sharedtest.Dir(t, "seeds"), "000_47f0ad392f6d3e4b.txt"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	writeTree(t, root, map[string]string{"content/challenge.md": string(seed)})
	s := mustGenerate(t, Options{Root: root})
	page := string(s.Files["challenge/index.html"])
	if page == "" {
		t.Fatal("no /challenge/ page")
	}
	article := page[strings.Index(page, "<article"):strings.Index(page, "</article>")]
	for _, m := range seedBaseModels {
		if !strings.Contains(article, "<li>"+m+"</li>") {
			t.Errorf("base model %q is not a list item", m)
		}
	}
	for _, want := range []string{
		`<strong>24-hour</strong>`,
		`<strong>NVIDIA A100 (40GB)</strong>`,
		`<a href="https://spdx.org/licenses/MIT.html">MIT</a>`,
		`style='text-align: justify;'`,
		`class="math display">\[\text{score} = \Pi ( \text{mean-win-rate(\text{task})} )\]</`,
		`<h2 id="approved-base-models">Approved Base models:</h2>`,
	} {
		if !strings.Contains(article, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(article, "layout: default") || strings.Contains(article, "**") {
		t.Error("front matter or markdown markup left in the page")
	}
	if !strings.Contains(page, "vendor/katex/katex.min.js") {
		t.Error("the page does not load KaTeX")
	}
	if bl := s.BrokenLinks(); len(bl) > 0 {
		t.Error(bl)
	}
}
