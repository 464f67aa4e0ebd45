package site

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"podium/internal/sharedtest"
	"podium/themes"
)

// TestVendoredAssetsMatchLockfile checks that the ECharts and KaTeX files
// the theme serves are the ones package-lock.json pins: byte for byte the
// files `npm ci` installs (scripts/vendor.sh copies them).
func TestVendoredAssetsMatchLockfile(t *testing.T) {
	root := sharedtest.Root(t)
	lock, err := os.ReadFile(filepath.Join(root, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pl struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	if err := json.Unmarshal(lock, &pl); err != nil {
		t.Fatal(err)
	}
	pkg, err := os.ReadFile(filepath.Join(root, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pj struct{ Dependencies map[string]string }
	if err := json.Unmarshal(pkg, &pj); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"echarts", "katex"} {
		want := pj.Dependencies[name]
		if got := pl.Packages["node_modules/"+name].Version; got == "" || got != want {
			t.Errorf("%s: package.json pins %q, package-lock.json %q", name, want, got)
		}
	}
	theme := themes.Default()
	// The version each vendored file declares is the pinned one.
	for name, file := range map[string]string{"echarts": "static/vendor/echarts/echarts.min.js", "katex": "static/vendor/katex/katex.min.js"} {
		data, err := fs.ReadFile(theme, file)
		if err != nil {
			t.Fatal(err)
		}
		if v := pj.Dependencies[name]; !bytes.Contains(data, []byte(`"`+v+`"`)) {
			t.Errorf("%s does not declare version %s", file, v)
		}
	}
	nm := filepath.Join(root, "node_modules")
	if _, err := os.Stat(filepath.Join(nm, "echarts")); err != nil {
		// The versions were checked above; the bytes need `npm ci`.
		t.Skip("node_modules/echarts missing (run npm ci at the root): skipped comparing the vendored files byte for byte")
	}
	src := map[string]string{
		"echarts/echarts.min.js":           "echarts/dist/echarts.min.js",
		"echarts/LICENSE":                  "echarts/LICENSE",
		"katex/katex.min.css":              "katex/dist/katex.min.css",
		"katex/katex.min.js":               "katex/dist/katex.min.js",
		"katex/LICENSE":                    "katex/LICENSE",
		"katex/contrib/auto-render.min.js": "katex/dist/contrib/auto-render.min.js",
	}
	fonts, _ := filepath.Glob(filepath.Join(nm, "katex", "dist", "fonts", "*"))
	for _, f := range fonts {
		src["katex/fonts/"+filepath.Base(f)] = "katex/dist/fonts/" + filepath.Base(f)
	}
	n := 0
	err = fs.WalkDir(theme, "static/vendor", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		rel := strings.TrimPrefix(p, "static/vendor/")
		from, ok := src[rel]
		if !ok {
			t.Errorf("%s: not a file that scripts/vendor.sh copies", p)
			return nil
		}
		delete(src, rel)
		want, err := os.ReadFile(filepath.Join(nm, filepath.FromSlash(from)))
		if err != nil {
			return err
		}
		got, _ := fs.ReadFile(theme, p)
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from node_modules/%s: run scripts/vendor.sh", p, from)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel := range src {
		t.Errorf("vendor/%s missing: run scripts/vendor.sh", rel)
	}
	if n < 60 {
		t.Errorf("only %d vendored files", n)
	}
}
