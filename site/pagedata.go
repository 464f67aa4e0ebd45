package site

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"sync"
)

// siteView is what every page knows of the site.
type siteView struct {
	Title       string
	Description string
	Base        string // base path, "/" or "/repo/"
	Nav         []navItem
	Rounds      []*roundView // newest first, for the round switcher
	Current     *roundView
	Footer      template.HTML
}

type navItem struct {
	Title string
	URL   string
}

// pageData is what a page template gets.
type pageData struct {
	Site      *siteView
	Title     string
	Path      string // the page's folder, relative to the site root
	Canonical string
	Round     *roundView // the round the page belongs to, if any
	Math      bool       // load KaTeX
	Charts    bool       // load ECharts
	Body      template.HTML
	Layout    string
	Front     map[string]any

	Tables   []*table
	Track    *trackView
	Sub      *subView
	Scenario *scenarioView

	splice []*table           // tables written into the page, not through the template
	size   int                // about the page's size, if known before
	set    *template.Template // the template set rendering the page
	once   *sync.Map          // fragments made by Once, by name and round
	onces  int                // calls to Once on this page
}

// Once renders the named template for the page once per round and reuses
// the HTML on every other page of that round: for fragments that depend on
// nothing but .Site and .Round (the site header, the round's menu), which
// thousands of submission pages would otherwise each make again.
func (p *pageData) Once(name string) (template.HTML, error) {
	round := ""
	if p.Round != nil {
		round = p.Round.Round.ID
	}
	key := name + "\x00" + round
	if p.once != nil {
		if h, ok := p.once.Load(key); ok {
			return h.(template.HTML), nil
		}
	}
	if p.set == nil {
		return "", fmt.Errorf("Once %q: no template set", name)
	}
	p.onces++
	if p.onces > 16 {
		return "", fmt.Errorf("Once %q: too deep", name) // a fragment calling itself
	}
	var buf bytes.Buffer
	if err := p.set.ExecuteTemplate(&buf, name, p); err != nil {
		return "", err
	}
	h := template.HTML(buf.String())
	if p.once != nil {
		p.once.Store(key, h)
	}
	return h, nil
}

// URL returns the link to a site-relative path.
func (p *pageData) URL(rel string) string { return p.Site.Base + strings.TrimPrefix(rel, "/") }

// Asset returns the link to a theme asset.
func (p *pageData) Asset(name string) string { return p.Site.Base + "assets/" + name }

// RoundURL links to a path inside the page's round, e.g. "tracks/x/".
func (p *pageData) RoundURL(rv *roundView, rel string) string { return p.Site.Base + rv.Dir + rel }

func (b *builder) siteView() *siteView {
	if b.sv != nil {
		return b.sv
	}
	s := b.site
	sv := &siteView{Title: s.Config.Title, Description: s.Config.Description, Base: s.BasePath, Nav: b.nav}
	for i := len(b.rounds) - 1; i >= 0; i-- {
		sv.Rounds = append(sv.Rounds, b.rounds[i])
		if b.rounds[i].Current {
			sv.Current = b.rounds[i]
		}
	}
	sv.Footer = b.footer
	b.sv = sv
	return sv
}

func (b *builder) pageData(title, dir string, rv *roundView) *pageData {
	pd := &pageData{Site: b.siteView(), Title: title, Path: dir, Round: rv}
	if absoluteBase(b.site.Config.BaseURL) {
		pd.Canonical = absURL(b.site.Config.BaseURL, dir)
	}
	return pd
}

// absURL joins an absolute base URL and a site-relative path.
func absURL(base, rel string) string { return strings.TrimSuffix(base, "/") + "/" + rel }
