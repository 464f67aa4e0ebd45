package site

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Check validates content and results by building the site in memory,
// then checks every internal link and image. It returns the problems, each
// naming a file and line, and the warnings.
func Check(opts Options) (problems, warnings []string) {
	s, err := Generate(opts)
	if err != nil {
		return []string{err.Error()}, nil
	}
	return s.BrokenLinks(), s.Warnings
}

// linkAttr finds link targets in HTML.
var linkAttr = regexp.MustCompile(`(?i)\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')`)

// BrokenLinks lists every internal link or image of the site's HTML that
// leads to no file, with the content file and line it came from (or the
// output file and line).
func (s *Site) BrokenLinks() []string {
	var out []string
	for _, p := range sortedKeys(s.Files) {
		if !strings.HasSuffix(p, ".html") || s.mirrors[p] {
			continue
		}
		data := s.Files[p]
		dir := path.Dir(p)
		if dir == "." {
			dir = ""
		} else {
			dir += "/"
		}
		if p == "404.html" {
			dir = "" // served at any depth: its links must not be relative
		}
		for _, m := range linkAttr.FindAllSubmatchIndex(data, -1) {
			lo, hi := m[2], m[3]
			if lo < 0 {
				lo, hi = m[4], m[5]
			}
			raw := html.UnescapeString(string(data[lo:hi]))
			why := s.resolve(dir, raw, p == "404.html")
			if why == "" {
				continue
			}
			out = append(out, s.where(p, data, lo, raw)+": broken link "+strconvQuote(raw)+": "+why)
		}
	}
	sort.Strings(out)
	return out
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// resolve returns why a link from a page in dir is broken, or "".
func (s *Site) resolve(dir, link string, anyDepth bool) string {
	if link == "" || strings.HasPrefix(link, "#") {
		return ""
	}
	if u, err := url.Parse(link); err != nil {
		return "not a URL"
	} else if u.Scheme != "" || u.Host != "" {
		return "" // external
	}
	if i := strings.IndexAny(link, "?#"); i >= 0 {
		link = link[:i]
	}
	if link == "" {
		return ""
	}
	target, err := url.PathUnescape(link)
	if err != nil {
		return "bad escape"
	}
	if !strings.HasPrefix(target, "/") {
		if anyDepth {
			return "404.html is served at any depth: its links must start with the base path " + s.BasePath
		}
		trail := strings.HasSuffix(target, "/")
		target = path.Join(s.BasePath+dir, target)
		if trail {
			target += "/"
		}
	}
	if !strings.HasPrefix(target+"/", s.BasePath) {
		return "outside the site's base path " + s.BasePath
	}
	rel := strings.TrimPrefix(target, s.BasePath)
	if rel == "" || strings.HasSuffix(rel, "/") {
		if _, ok := s.Files[rel+"index.html"]; ok {
			return ""
		}
		return "no page /" + rel + "index.html"
	}
	if _, ok := s.Files[rel]; ok {
		return ""
	}
	if _, ok := s.Files[rel+"/index.html"]; ok {
		return ""
	}
	return "no file /" + rel
}

// where names the source of a link: the content file and line when the
// page came from one and the link is found there, else the output file.
func (s *Site) where(p string, data []byte, off int, link string) string {
	if src, ok := s.source[p]; ok && len(src.data) > 0 {
		if line := lineOf(src.data, link, s.BasePath); line > 0 {
			return fmt.Sprintf("%s:%d", src.path, line)
		}
		return src.path
	}
	return fmt.Sprintf("public/%s:%d", p, bytes.Count(data[:off], []byte("\n"))+1)
}

// lineOf finds the line of src that holds link, as written or without
// the base path that the build put before it.
func lineOf(src []byte, link, base string) int {
	for _, l := range []string{link, "/" + strings.TrimPrefix(link, base)} {
		if i := bytes.Index(src, []byte(l)); i >= 0 {
			return bytes.Count(src[:i], []byte("\n")) + 1
		}
	}
	return 0
}
