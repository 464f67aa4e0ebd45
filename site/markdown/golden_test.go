package markdown

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Golden cases live in _test/*.txt in goldmark's format:
//
//	3: what the case shows
//	//- - - - - - - - -//
//	markdown
//	//- - - - - - - - -//
//	expected HTML
//	//= = = = = = = = = = = = = = = = = = = = = = = =//
//
// Files named untrusted*.txt go through Renderer.Untrusted, the others
// through Renderer.HTML. go test -run Golden -update rewrites the expected
// HTML from what the renderer now writes.

var update = flag.Bool("update", false, "rewrite the expected output of the golden cases")

const (
	caseSep  = "//- - - - - - - - -//"
	caseEnd  = "//= = = = = = = = = = = = = = = = = = = = = = = =//"
	caseGlob = "_test/*.txt"
)

type goldenCase struct {
	Header   string
	Line     int
	Markdown string
	Expected string
}

func readCases(t *testing.T, file string) []goldenCase {
	t.Helper()
	cases, err := parseCases(file)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

func parseCases(file string) ([]goldenCase, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var cases []goldenCase
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		line++
		return sc.Text(), true
	}
	for {
		h, ok := next()
		if !ok {
			break
		}
		if strings.TrimSpace(h) == "" {
			continue
		}
		c := goldenCase{Header: h, Line: line}
		if s, _ := next(); s != caseSep {
			return nil, fmt.Errorf("%s:%d: want %q after the case header", file, line, caseSep)
		}
		var md, exp []string
		for {
			s, ok := next()
			if !ok {
				return nil, fmt.Errorf("%s:%d: case %q has no expected output", file, c.Line, h)
			}
			if s == caseSep {
				break
			}
			md = append(md, s)
		}
		for {
			s, ok := next()
			if !ok || s == caseEnd {
				break
			}
			exp = append(exp, s)
		}
		c.Markdown = strings.Join(md, "\n") + "\n"
		c.Expected = strings.Join(exp, "\n")
		cases = append(cases, c)
	}
	return cases, nil
}

func writeCases(file string, cases []goldenCase) error {
	var b strings.Builder
	for i, c := range cases {
		if i > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "%s\n%s\n%s%s\n%s\n%s\n", c.Header, caseSep, c.Markdown, caseSep, c.Expected, caseEnd)
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob(caseGlob)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files in " + caseGlob)
	}
	r := New()
	for _, file := range files {
		render := r.HTML
		if strings.HasPrefix(filepath.Base(file), "untrusted") {
			render = r.Untrusted
		}
		cases := readCases(t, file)
		changed := false
		for i, c := range cases {
			t.Run(filepath.Base(file)+"/"+strings.SplitN(c.Header, ":", 2)[0], func(t *testing.T) {
				out, err := render([]byte(c.Markdown))
				if err != nil {
					t.Fatalf("%s:%d: %v", file, c.Line, err)
				}
				got := strings.TrimRight(string(out), "\n")
				if got == c.Expected {
					return
				}
				if *update {
					cases[i].Expected = got
					changed = true
					return
				}
				t.Errorf("%s:%d: %s\n--- markdown\n%s--- want\n%s\n--- got\n%s", file, c.Line, c.Header, c.Markdown, c.Expected, got)
			})
		}
		if changed {
			if err := writeCases(file, cases); err != nil {
				t.Fatal(err)
			}
		}
	}
}
