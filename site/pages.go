package site

import (
	"bytes"
	"fmt"
	"html/template"
	"path"
	"strconv"
	"strings"
)

// renderRoundsIndex writes /rounds/: every round, newest first.
func (b *builder) renderRoundsIndex() error {
	if len(b.rounds) == 0 {
		return nil
	}
	bp := b.site.BasePath
	t := &table{ID: "rounds", Caption: "Rounds", Columns: []column{
		{Name: "round"}, {Name: "title"}, {Name: "start"}, {Name: "end"}, {Name: "tracks"}, {Name: "submissions", Num: true}, {Name: "status"},
	}}
	for i := len(b.rounds) - 1; i >= 0; i-- {
		rv := b.rounds[i]
		var tracks []string
		for _, tv := range rv.Tracks {
			tracks = append(tracks, tv.Name())
		}
		status := "current"
		if rv.Archived {
			status = "archived"
		} else if !rv.Current {
			status = "upcoming"
		}
		t.Rows = append(t.Rows, []cell{
			linkCell(rv.Round.ID, bp+rv.Dir), linkCell(rv.Title(), bp+rv.Dir), textCell(rv.Round.Start), textCell(rv.Round.End),
			textCell(strings.Join(tracks, ", ")), intCell(rv.count()), textCell(status),
		})
	}
	if err := b.putTable("rounds/", t); err != nil {
		return err
	}
	pd := b.pageData("Rounds", "rounds/", nil)
	pd.Tables = []*table{t}
	out, err := b.tpl.execute("rounds", pd)
	if err != nil {
		return err
	}
	return b.put("rounds/index.html", out, nil)
}

// renderEmptyHome writes the home page of a site with no content/index.md
// and no round: the navigation's pages, listed.
func (b *builder) renderEmptyHome() error {
	var body bytes.Buffer
	body.WriteString("<p>No round has results yet.</p>\n")
	if len(b.nav) > 0 {
		body.WriteString("<ul>\n")
		for _, n := range b.nav {
			fmt.Fprintf(&body, "<li><a href=\"%s\">%s</a></li>\n", template.HTMLEscapeString(n.URL), template.HTMLEscapeString(n.Title))
		}
		body.WriteString("</ul>\n")
	}
	pd := b.pageData(b.site.Config.Title, "", nil)
	pd.Body = template.HTML(body.String())
	out, err := b.tpl.execute("page", pd)
	if err != nil {
		return err
	}
	return b.put("index.html", out, nil)
}

// render404 writes 404.html. Its links are absolute paths, so GitHub
// Pages can serve it for a missing page at any depth.
func (b *builder) render404() error {
	pd := b.pageData("Page not found", "", nil)
	pd.Canonical = ""
	out, err := b.tpl.execute("404", pd)
	if err != nil {
		return err
	}
	return b.put("404.html", out, nil)
}

// sitemap lists every page but the root copies of the current round and
// 404.html, with absolute URLs, sorted.
func (b *builder) sitemap() []byte {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	buf.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, p := range b.out.sortedPaths() {
		if !strings.HasSuffix(p, ".html") || p == "404.html" || b.out.mirrors[p] {
			continue
		}
		rel := p
		if path.Base(p) == "index.html" {
			rel = strings.TrimSuffix(p, "index.html")
		}
		buf.WriteString("  <url><loc>")
		template.HTMLEscape(&buf, []byte(absURL(b.site.Config.BaseURL, rel)))
		buf.WriteString("</loc></url>\n")
	}
	buf.WriteString("</urlset>\n")
	return buf.Bytes()
}

// Summary is a one-line account of a build.
func (s *Site) Summary() string {
	return strconv.Itoa(len(s.Paths)) + " files (" + strconv.Itoa(s.nPages) + " pages, " + strconv.FormatFloat(float64(s.size)/(1<<20), 'f', 1, 64) + " MiB)"
}
