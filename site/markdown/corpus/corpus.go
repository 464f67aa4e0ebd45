// Package corpus makes a synthetic set of markdown pages for benchmarks:
// the same pages for Podium's markdown renderer and for other generators
// (Hugo), so their times can be compared. Each page is about 4 KB of
// organizer-style markdown: YAML front matter, headings, paragraphs with
// bold, links, code spans, prices and inline math, lists, a table, a
// display formula and a quote; every fourth page also has a fenced code
// block for chroma.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Page is one markdown file of the corpus.
type Page struct {
	Name   string // e.g. "page-0001.md"
	Source []byte
}

var (
	words = strings.Fields(`model base fine-tune track GPU hours data license evaluation
		score rank team submission scenario metric accuracy holdout reproduce
		organizers prize round stage window token throughput memory latency
		open dataset approved rule deadline review winner checkpoint adapter`)
	langs   = []string{"go", "python", "bash", "toml", "json"}
	comment = map[string]string{"go": "// page %d", "python": "# page %d", "bash": "# page %d", "toml": "# page %d", "json": "[%d]"}
	code    = map[string]string{
		"go":     "func score(w []float64) float64 {\n\tp := 1.0\n\tfor _, x := range w {\n\t\tp *= x\n\t}\n\treturn math.Pow(p, 1/float64(len(w)))\n}",
		"python": "def score(w):\n    p = 1.0\n    for x in w:\n        p *= x  # product\n    return p ** (1 / len(w))",
		"bash":   "#!/bin/sh\nset -eu\nfor f in results/*.toml; do\n  echo \"$f\"\ndone",
		"toml":   "[round]\ntitle = \"Open round\"\nrule = \"helm-mean-win-rate\"\n\n[[tracks]]\nid = \"4090\"",
		"json":   "{\"team\": \"alpha\", \"score\": 0.731, \"tracks\": [\"4090\", \"a100\"]}",
	}
)

// Pages returns n pages, the same on every call.
func Pages(n int) []Page {
	rng := rand.New(rand.NewPCG(2023, uint64(n)))
	pages := make([]Page, n)
	for i := range pages {
		pages[i] = Page{Name: fmt.Sprintf("page-%04d.md", i+1), Source: page(rng, i+1)}
	}
	return pages
}

func sentence(rng *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = words[rng.IntN(len(words))]
	}
	w[0] = strings.ToUpper(w[0][:1]) + w[0][1:]
	return strings.Join(w, " ") + "."
}

func paragraph(rng *rand.Rand) string {
	var b strings.Builder
	for s := 0; s < 4+rng.IntN(4); s++ {
		if s > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sentence(rng, 6+rng.IntN(10)))
		switch rng.IntN(6) {
		case 0:
			fmt.Fprintf(&b, " See [the %s page](/%s/) for **details**.", words[rng.IntN(len(words))], words[rng.IntN(len(words))])
		case 1:
			fmt.Fprintf(&b, " The prize is $%d,000 and the fee is $%d.", 1+rng.IntN(9), 10+rng.IntN(90))
		case 2:
			b.WriteString(" The score is $\\prod_t w_t^{1/n}$ over tasks.")
		case 3:
			fmt.Fprintf(&b, " Run `podium build --out public/%d` with *care*.", rng.IntN(100))
		}
	}
	return b.String()
}

func page(rng *rand.Rand, i int) []byte {
	var b strings.Builder
	// nav_exclude: a thousand pages do not all belong in the site's menu.
	fmt.Fprintf(&b, "---\ntitle: \"Page %d: %s\"\nweight: %d\ndate: 2023-%02d-%02d\nnav_exclude: true\n---\n\n", i, words[rng.IntN(len(words))], i, 1+rng.IntN(12), 1+rng.IntN(28))
	fmt.Fprintf(&b, "# Page %d\n\n%s\n\n", i, paragraph(rng))
	for s := 0; s < 3; s++ {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", sentence(rng, 3), paragraph(rng))
		for j := 0; j < 3+rng.IntN(5); j++ {
			fmt.Fprintf(&b, "- %s\n", sentence(rng, 3+rng.IntN(6)))
		}
		b.WriteString("\n")
	}
	b.WriteString("| Team | Track | Score |\n|------|-------|------:|\n")
	for j := 0; j < 5; j++ {
		fmt.Fprintf(&b, "| %s-%d | %s | %.3f |\n", words[rng.IntN(len(words))], j, []string{"4090", "A100"}[j%2], rng.Float64())
	}
	if i%4 == 0 {
		// Every fourth page has highlighted code, unique to the page so
		// that no cache can skip the work.
		lang := langs[rng.IntN(len(langs))]
		fmt.Fprintf(&b, "\n```%s\n%s\n%s\n```\n", lang, code[lang], fmt.Sprintf(comment[lang], i))
	}
	b.WriteString("\n")
	b.WriteString("$$\n\\text{score} = \\Big(\\prod_{t=1}^{n} \\text{mwr}(t)\\Big)^{1/n}\n$$\n\n")
	fmt.Fprintf(&b, "> %s\n\n%s\n", sentence(rng, 12), paragraph(rng))
	return []byte(b.String())
}

// Write writes n pages into dir, which it creates.
func Write(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range Pages(n) {
		path := filepath.Join(dir, p.Name)
		tmp, err := os.CreateTemp(dir, ".corpus-*")
		if err != nil {
			return err
		}
		if _, err := tmp.Write(p.Source); err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return err
		}
		if err := tmp.Close(); err != nil {
			os.Remove(tmp.Name())
			return err
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return err
		}
	}
	return nil
}
