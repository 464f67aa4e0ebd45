package site

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"podium/internal/fileio"
	"podium/site/markdown"
)

// contentPage is one markdown page of content/.
type contentPage struct {
	src      source
	Rel      string // path under content/, slash-separated
	Out      string // output file, e.g. "rules/index.html"
	Title    string
	Layout   string
	NavOrder int
	InNav    bool
	Links    []markdown.Link
	Body     template.HTML
	Front    map[string]any
	Round    string // the round folder it lives in, if any
}

// Dir is the page's URL folder relative to the site root.
func (p *contentPage) Dir() string { return strings.TrimSuffix(p.Out, "index.html") }

// isMarkdown reports whether a content file is a page.
func isMarkdown(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".md" || ext == ".markdown"
}

// readContent renders every markdown page of content/ and copies every
// other file (images, downloads) as it is.
func (b *builder) readContent() error {
	dir := filepath.Join(b.opts.Root, "content")
	fsys := os.DirFS(dir)
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." && os.IsNotExist(err) {
				return fs.SkipAll
			}
			return err
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	roundIDs := map[string]bool{}
	for _, r := range b.site.Rounds {
		roundIDs[r.ID] = true
	}
	pages := make([]*contentPage, len(files))
	err = parallel(len(files), func(i int) error {
		rel := files[i]
		if !isMarkdown(rel) {
			return nil
		}
		full := filepath.Join(dir, filepath.FromSlash(rel))
		data, err := fileio.ReadInto(full, nil)
		if err != nil {
			return err
		}
		p, err := b.renderPage(full, rel, data)
		if err != nil {
			return err
		}
		pages[i] = p
		return nil
	})
	if err != nil {
		return err
	}
	for i, rel := range files {
		if rel == ConfigFile {
			continue
		}
		full := filepath.Join(dir, filepath.FromSlash(rel))
		if !isMarkdown(rel) {
			data, err := fileio.ReadInto(full, nil)
			if err != nil {
				return err
			}
			if err := b.put(rel, data, &source{path: full}); err != nil {
				return err
			}
			continue
		}
		p := pages[i]
		if p == nil { // a draft
			continue
		}
		if parts := strings.SplitN(rel, "/", 3); len(parts) == 3 && parts[0] == "rounds" {
			if !roundIDs[parts[1]] {
				return fmt.Errorf("%s: content/rounds/%s/ names no round under results/ (a round needs results/%s/round.toml)", full, parts[1], parts[1])
			}
			p.Round = parts[1]
		}
		b.pages = append(b.pages, p)
	}
	var footer string
	if f, ok := b.siteFooter(); ok {
		footer = f
	}
	if footer != "" {
		html, err := b.trusted(filepath.Join(dir, ConfigFile), footer)
		if err != nil {
			return err
		}
		b.footer = html
	}
	return nil
}

func (b *builder) siteFooter() (string, bool) {
	return b.site.Config.Footer, b.site.Config.Footer != ""
}

// renderPage renders one markdown page and works out where it goes.
func (b *builder) renderPage(full, rel string, data []byte) (*contentPage, error) {
	mp, err := b.md.Page(full, data)
	if err != nil {
		return nil, err
	}
	if mp.Meta.Draft {
		return nil, nil
	}
	p := &contentPage{
		src: source{path: full, data: data}, Rel: rel,
		Title: mp.Title, Layout: mp.Meta.Layout, Front: mp.Params, Links: mp.Links,
		Body:     template.HTML(b.rebase(mp.HTML)),
		NavOrder: mp.Meta.Order, InNav: mp.Meta.Order != 0 && !mp.Meta.NavExclude,
	}
	out, err := outPath(rel, mp.Meta.Permalink)
	if err != nil {
		return nil, fmt.Errorf("%s: permalink: %w", full, err)
	}
	p.Out = out
	if p.Title == "" {
		p.Title = titleFromPath(rel)
	}
	return p, nil
}

// outPath maps a content file to its output file. A permalink ("/rules/"
// or "/rules.html") wins over the file's place.
func outPath(rel, permalink string) (string, error) {
	if permalink != "" {
		if strings.Contains(permalink, "://") || strings.Contains(permalink, "..") {
			return "", fmt.Errorf("%q: want a site path such as /rules/", permalink)
		}
		p := strings.TrimPrefix(path.Clean("/"+permalink), "/")
		if strings.HasSuffix(permalink, "/") || p == "" {
			if p == "" {
				return "index.html", nil
			}
			return p + "/index.html", nil
		}
		if path.Ext(p) == ".html" || path.Ext(p) == ".htm" {
			return p, nil
		}
		return p + "/index.html", nil
	}
	noext := strings.TrimSuffix(rel, path.Ext(rel))
	base := path.Base(noext)
	if strings.EqualFold(base, "index") || strings.EqualFold(base, "readme") || strings.EqualFold(base, "_index") {
		d := path.Dir(noext)
		if d == "." {
			return "index.html", nil
		}
		return d + "/index.html", nil
	}
	return noext + "/index.html", nil
}

// titleFromPath makes a title of a file name: "starter-kit.md" -> "Starter kit".
func titleFromPath(rel string) string {
	noext := strings.TrimSuffix(rel, path.Ext(rel))
	base := path.Base(noext)
	if strings.EqualFold(base, "index") {
		base = path.Base(path.Dir(noext))
		if base == "." {
			return "Home"
		}
	}
	t := strings.NewReplacer("-", " ", "_", " ").Replace(base)
	if t == "" {
		return rel
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// rootLink finds site-absolute links ("/rules/") in rendered markdown.
var rootLink = regexp.MustCompile(`\b(href|src)=(["'])/([^/"'])`)

// rebase prefixes site-absolute links in organizer HTML with the base
// path, so that "/rules/" works on a project site under /repo/.
func (b *builder) rebase(html []byte) []byte {
	if b.site.BasePath == "/" {
		return html
	}
	return rootLink.ReplaceAll(html, []byte("$1=$2"+b.site.BasePath+"$3"))
}

// trusted renders organizer markdown (round and scenario descriptions).
func (b *builder) trusted(file, src string) (template.HTML, error) {
	if strings.TrimSpace(src) == "" {
		return "", nil
	}
	html, err := b.md.HTML([]byte(src))
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	return template.HTML(b.rebase(html)), nil
}

// hasMath reports whether rendered HTML holds math for KaTeX.
func hasMath(html string) bool {
	return strings.Contains(html, `class="math`)
}

// renderContent writes the site's own pages (not those of rounds).
func (b *builder) renderContent() error {
	for _, p := range b.pages {
		for _, rv := range b.rounds {
			if rv.Round.ID == p.Round {
				rv.Pages = append(rv.Pages, p)
			}
		}
	}
	var site []*contentPage
	for _, p := range b.pages {
		if p.Round == "" {
			site = append(site, p)
		}
	}
	out := make([][]byte, len(site))
	err := parallel(len(site), func(i int) error {
		var err error
		out[i], err = b.renderContentPage(site[i], nil)
		return err
	})
	if err != nil {
		return err
	}
	for i, p := range site {
		if err := b.put(p.Out, out[i], &p.src); err != nil {
			return err
		}
	}
	return nil
}

// renderContentPage renders a content page; the caller puts it.
func (b *builder) renderContentPage(p *contentPage, rv *roundView) ([]byte, error) {
	pd := b.pageData(p.Title, p.Dir(), rv)
	pd.Body, pd.Layout, pd.Front = p.Body, p.Layout, p.Front
	pd.Math = hasMath(string(p.Body))
	if p.Out == "index.html" && rv == nil {
		pd.Round = b.currentView()
	}
	out, err := b.tpl.execute("page", pd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.src.path, err)
	}
	return out, nil
}

func (b *builder) currentView() *roundView {
	for _, rv := range b.rounds {
		if rv.Current {
			return rv
		}
	}
	return nil
}

// makeNav is the menu: the config's entries, then the site's pages that
// set a nav order (nav_order, order or weight) and no nav_exclude, by
// order then title.
func (b *builder) makeNav() []navItem {
	var nav []navItem
	for _, n := range b.site.Config.Nav {
		u := n.URL
		if !strings.Contains(u, "://") && !strings.HasPrefix(u, "mailto:") {
			u = b.site.BasePath + strings.TrimPrefix(u, "/")
		}
		nav = append(nav, navItem{Title: n.Title, URL: u})
	}
	var pages []*contentPage
	for _, p := range b.pages {
		if p.InNav && p.Round == "" && p.Out != "index.html" {
			pages = append(pages, p)
		}
	}
	sort.SliceStable(pages, func(i, j int) bool {
		if pages[i].NavOrder != pages[j].NavOrder {
			return pages[i].NavOrder < pages[j].NavOrder
		}
		return pages[i].Title < pages[j].Title
	})
	for _, p := range pages {
		nav = append(nav, navItem{Title: p.Title, URL: b.site.BasePath + p.Dir()})
	}
	return nav
}

// copyAssets writes the theme's static files under /assets/, and the
// stylesheet for highlighted code.
func (b *builder) copyAssets() error {
	err := fs.WalkDir(b.theme, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(b.theme, p)
		if err != nil {
			return err
		}
		return b.put("assets/"+strings.TrimPrefix(p, "static/"), data, nil)
	})
	if err != nil {
		return fmt.Errorf("theme: %w", err)
	}
	var css bytes.Buffer
	css.Write(markdown.CSS())
	return b.put("assets/chroma.css", css.Bytes(), nil)
}
