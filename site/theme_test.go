package site

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestCustomTheme builds with a theme of one's own: every page kind, its
// partials, and its static files under /assets/.
func TestCustomTheme(t *testing.T) {
	main := `{{define "main"}}<h1>{{.Title}}</h1>{{end}}`
	theme := fstest.MapFS{
		"templates/base.html":           {Data: []byte(`<!DOCTYPE html><title>{{.Title}}</title><link rel="stylesheet" href="{{.Asset "site.css"}}">{{template "hello" .}}{{block "main" .}}{{end}}` + "\n")},
		"templates/partials/hello.html": {Data: []byte(`{{define "hello"}}<p>hello from {{.Site.Title}}</p>{{end}}`)},
		"static/site.css":               {Data: []byte("body{}")},
	}
	for _, k := range pageKinds {
		theme["templates/"+k+".html"] = &fstest.MapFile{Data: []byte(main)}
	}
	root := t.TempDir()
	writeTree(t, root, map[string]string{"content/site.toml": "title = \"Mine\"\n", "content/index.md": "# Welcome\n"})
	s := mustGenerate(t, Options{Root: root, Theme: theme})
	if got := string(s.Files["index.html"]); !strings.Contains(got, "<p>hello from Mine</p><h1>Welcome</h1>") {
		t.Errorf("index.html = %q", got)
	}
	if string(s.Files["assets/site.css"]) != "body{}" {
		t.Error("the theme's static file was not copied")
	}
	if bl := s.BrokenLinks(); len(bl) > 0 {
		t.Error(bl)
	}
	delete(theme, "templates/scenario.html")
	if _, err := Generate(Options{Root: root, Theme: theme}); err == nil || !strings.Contains(err.Error(), "scenario.html") {
		t.Errorf("a theme without a page kind: err = %v", err)
	}
}
