package site

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of testdata/golden/*.txtar")

// TestGolden builds each small site of testdata/golden/*.txtar. An archive
// holds input files (content/..., results/...), "want/<path>" files that
// the built site must hold byte for byte, and "want.files": every file of
// the built site outside assets/. Run with -update to rewrite the wants.
func TestGolden(t *testing.T) {
	archives, _ := filepath.Glob("testdata/golden/*.txtar")
	if len(archives) == 0 {
		t.Fatal("no golden archives")
	}
	for _, path := range archives {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			inputs := map[string]string{}
			for _, f := range ar.Files {
				if f.Name != "want.files" && !strings.HasPrefix(f.Name, "want/") {
					inputs[f.Name] = string(f.Data)
				}
			}
			writeTree(t, root, inputs)
			s := mustGenerate(t, Options{Root: root})
			if bl := s.BrokenLinks(); len(bl) > 0 {
				t.Errorf("broken links:\n%s", strings.Join(bl, "\n"))
			}
			var list []string
			for _, p := range sortedKeys(s.Files) {
				if !strings.HasPrefix(p, "assets/") {
					list = append(list, p)
				}
			}
			files := []byte(strings.Join(list, "\n") + "\n")
			if *update {
				for i := range ar.Files {
					f := &ar.Files[i]
					switch {
					case f.Name == "want.files":
						f.Data = files
					case strings.HasPrefix(f.Name, "want/"):
						got, ok := s.Files[strings.TrimPrefix(f.Name, "want/")]
						if !ok {
							t.Errorf("%s: the site has no such file", f.Name)
						}
						f.Data = got
					}
				}
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, f := range ar.Files {
				switch {
				case f.Name == "want.files":
					if !bytes.Equal(f.Data, files) {
						t.Errorf("files differ:\n got: %s\nwant: %s", files, f.Data)
					}
				case strings.HasPrefix(f.Name, "want/"):
					got, ok := s.Files[strings.TrimPrefix(f.Name, "want/")]
					if !ok {
						t.Errorf("%s: missing", f.Name)
					} else if !bytes.Equal(got, f.Data) {
						t.Errorf("%s differs (run go test ./site -run TestGolden -update, then review the diff):\n%s", f.Name, firstDiff(string(f.Data), string(got)))
					}
				}
			}
		})
	}
}

// firstDiff shows the first differing line.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + a + "\n  got: " + b
		}
	}
	return ""
}
