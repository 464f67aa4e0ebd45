package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Corpus writes the same markdown pages as a Podium root (content/)
// and as a Hugo site (hugo.toml, content/, minimal layouts) in one folder:
// both read content/.
func Corpus(dir string, n int) error {
	files := map[string]string{
		"hugo.toml": "baseURL = \"http://localhost/\"\ntitle = \"Corpus\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\", \"robotsTXT\"]\n" +
			"[markup.highlight]\nnoClasses = false\n[markup.goldmark.renderer]\nunsafe = true\n",
		"layouts/_default/baseof.html": "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }} · {{ .Site.Title }}</title></head>\n<body><header><a href=\"{{ \"/\" | relURL }}\">{{ .Site.Title }}</a></header>\n<main>{{ block \"main\" . }}{{ end }}</main></body></html>\n",
		"layouts/_default/single.html": "{{ define \"main\" }}<article><h1>{{ .Title }}</h1>{{ .Content }}</article>{{ end }}\n",
		"layouts/_default/list.html":   "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n",
		"layouts/index.html":           "{{ define \"main\" }}<h1>{{ .Site.Title }}</h1>{{ .Content }}{{ end }}\n",
		"content/_index.md":            "---\ntitle: Corpus\n---\nA corpus of pages.\n",
	}
	for i := 1; i <= n; i++ {
		files[fmt.Sprintf("content/pages/page-%04d.md", i)] = page(i)
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// page is one page of the corpus: headings, emphasis, lists, a table,
// links and a fenced code block, about 2 KB.
func page(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: \"Page %d\"\ndate: 2023-10-%02d\n---\n\n", i, i%28+1)
	fmt.Fprintf(&b, "## Overview of page %d\n\n", i)
	for k := 0; k < 3; k++ {
		fmt.Fprintf(&b, "Fine-tuning on **one GPU** within *24 hours* is the rule of round %d, paragraph %d. "+
			"A submission runs as an HTTP server; the scorer sends it prompts and grades the answers with the task's metrics, "+
			"then ranks it by [mean win rate](/pages/page-%04d/) against every other submission of its track.\n\n", i, k, i%1000+1)
	}
	b.WriteString("### Checklist\n\n")
	for k := 1; k <= 6; k++ {
		fmt.Fprintf(&b, "- step %d: check `item_%d` and keep the log\n", k, k)
	}
	b.WriteString("\n| task | metric | weight |\n| --- | --- | ---: |\n")
	for k := 1; k <= 5; k++ {
		fmt.Fprintf(&b, "| task_%d | exact match | %d.0 |\n", k, k)
	}
	b.WriteString("\n```go\nfunc score(rates []float64) float64 {\n\tp := 1.0\n\tfor _, r := range rates {\n\t\tp *= r\n\t}\n\treturn math.Pow(p, 1/float64(len(rates)))\n}\n```\n\n")
	b.WriteString("> Questions go to the organizers before the deadline.\n")
	return b.String()
}
