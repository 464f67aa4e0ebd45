package markdown

import (
	"errors"
	"strings"
	"testing"
)

func TestFrontMatterYAML(t *testing.T) {
	src := "---\nlayout: default\ntitle: \"Rules: read first\"\npermalink: /rules/\nnav_order: 3\ndate: 2023-10-25\ntags: [a, b]\ncustom:\n  x: 1\n---\n# Heading\n\nBody.\n"
	p, err := New().Page("rules.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := FrontMatter{Title: "Rules: read first", Layout: "default", Permalink: "/rules/", Order: 3, Date: "2023-10-25", Format: "yaml"}
	if p.Meta != want {
		t.Errorf("meta: got %+v, want %+v", p.Meta, want)
	}
	if p.Title != "Rules: read first" {
		t.Errorf("title %q", p.Title)
	}
	if tags, ok := p.Params["tags"].([]any); !ok || len(tags) != 2 || tags[0] != "a" {
		t.Errorf("params tags: %#v", p.Params["tags"])
	}
	if c, ok := p.Params["custom"].(map[string]any); !ok || c["x"] != 1 {
		t.Errorf("params custom: %#v", p.Params["custom"])
	}
	if string(p.HTML) != "<h1 id=\"heading\">Heading</h1>\n<p>Body.</p>\n" {
		t.Errorf("html: %q", p.HTML)
	}
}

func TestFrontMatterTOML(t *testing.T) {
	src := "+++\ntitle = \"Dates\"\nweight = 2\ndraft = true\ndate = 2023-10-25\n[extra]\nk = \"v\"\n+++\nText\n"
	p, err := New().Page("dates.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := FrontMatter{Title: "Dates", Order: 2, Draft: true, Date: "2023-10-25", Format: "toml"}
	if p.Meta != want {
		t.Errorf("meta: got %+v, want %+v", p.Meta, want)
	}
	if e, ok := p.Params["extra"].(map[string]any); !ok || e["k"] != "v" {
		t.Errorf("params: %#v", p.Params)
	}
}

func TestNoFrontMatter(t *testing.T) {
	p, err := New().Page("a.md", []byte("# Hello *world*\n\n---\n\ntext\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Meta != (FrontMatter{}) || p.Title != "Hello world" || len(p.Params) != 0 {
		t.Errorf("got meta %+v title %q params %v", p.Meta, p.Title, p.Params)
	}
	if !strings.Contains(string(p.HTML), "<hr>") {
		t.Errorf("a later --- is a thematic break: %s", p.HTML)
	}
}

func TestEmptyFrontMatter(t *testing.T) {
	for _, src := range []string{"---\n---\nx\n", "---\r\n---\r\nx\r\n", "+++\n+++\nx", "\xef\xbb\xbf---\n...\nx\n"} {
		p, err := New().Page("a.md", []byte(src))
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if strings.TrimSpace(string(p.HTML)) != "<p>x</p>" {
			t.Errorf("%q: html %q", src, p.HTML)
		}
	}
}

// Errors name the file and the line in it.
func TestFrontMatterErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"unclosed yaml", "---\ntitle: x\n\nbody\n", 1, `front matter opened with "---" is never closed`},
		{"unclosed toml", "+++\ntitle = 'x'\n", 1, `front matter opened with "+++" is never closed`},
		{"yaml syntax", "---\ntitle: x\nlayout: [a\n---\n", 3, "sequence end token ']' not found"},
		{"yaml bad indent", "---\ntitle: x\n  nav_order: 2\n---\n", 2, "mapping value is not allowed"},
		{"yaml duplicate key", "---\ntitle: a\nlayout: b\ntitle: c\n---\n", 4, `mapping key "title" already defined at [2:1]`},
		{"yaml not a mapping", "---\n- a\n- b\n---\n", 2, "must be a mapping"},
		{"yaml order type", "---\ntitle: a\nnav_order: first\n---\n", 3, `"nav_order" must be a whole number, got "first"`},
		{"yaml title type", "---\n\ntitle: [a, b]\n---\n", 3, `"title" must be text`},
		{"yaml draft type", "---\ndraft: maybe\n---\n", 2, `"draft" must be true or false`},
		{"two order keys", "---\norder: 1\nnav_order: 2\n---\n", 2, `"nav_order" and "order" both set the order`},
		{"relative permalink", "---\npermalink: rules/\n---\n", 2, `"permalink" must start with /`},
		{"toml syntax", "+++\ntitle = \"a\"\nweight = = 2\n+++\n", 3, "front matter:"},
		{"toml type", "+++\ntitle = \"a\"\n\nweight = \"two\"\n+++\n", 4, `"weight" must be a whole number`},
	}
	for _, c := range cases {
		_, err := New().Page("content/rules.md", []byte(c.src))
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("%s: got %v, want an *Error", c.name, err)
			continue
		}
		if fe.File != "content/rules.md" || fe.Line != c.line || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("%s: got %q (line %d), want line %d and %q", c.name, err, fe.Line, c.line, c.msg)
		}
		if !strings.HasPrefix(err.Error(), "content/rules.md:") {
			t.Errorf("%s: %q does not start with the file name", c.name, err)
		}
	}
}
