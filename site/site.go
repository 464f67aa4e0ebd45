// Package site builds the static site: organizer pages from content/,
// leaderboards, submission and scenario pages and charts from results/,
// laid out for GitHub Pages.
package site

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"podium/result"
	"podium/site/markdown"
	"podium/themes"
)

// Options says what to build.
type Options struct {
	Root    string    // project root holding content/ and results/; default "."
	Out     string    // output folder; default root/public
	BaseURL string    // overrides content/site.toml's base_url
	Theme   fs.FS     // default: root/themes/default if present, else built in
	Log     io.Writer // progress; nil is silent
}

// Site is a built site. Paths are slash-separated and relative to the
// site root ("rounds/r1/index.html").
type Site struct {
	// Files holds every file's bytes when the site was built in memory
	// (Generate); nil after Build, which writes them as they come.
	Files    map[string][]byte
	Paths    []string // every file, sorted
	Config   *Config
	BasePath string // "/" or "/repo/"
	Rounds   []*result.Round
	Current  *result.Round // the round also shown at the root; nil if none
	Warnings []string

	source  map[string]source // output path -> the content file it came from
	mirrors map[string]bool   // root copies of the current round's pages
	nPages  int
	size    int64
}

// source is a content file behind an output page, for error lines.
type source struct {
	path string
	data []byte
}

// builder carries the state of one build.
type builder struct {
	opts   Options
	site   *Site
	tpl    *templates
	md     *markdown.Renderer
	theme  fs.FS
	nav    []navItem
	rounds []*roundView
	pages  []*contentPage
	sv     *siteView
	footer template.HTML
	out    *output
	mu     sync.Mutex
}

// Generate builds the site in memory without writing anything.
func Generate(opts Options) (*Site, error) { return generate(opts, "", false) }

// generate builds the site in memory, or into the folder dir: a new one,
// or with update the last build, updated in place (see output).
func generate(opts Options, dir string, update bool) (*Site, error) {
	if opts.Root == "" {
		opts.Root = "."
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	cfg, err := LoadConfig(opts.Root)
	if err != nil {
		return nil, err
	}
	if opts.BaseURL != "" {
		cfg.BaseURL = opts.BaseURL
	}
	bp, err := basePath(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("base URL: %w", err)
	}
	theme := opts.Theme
	if theme == nil {
		theme = themes.Default()
		if fi, err := os.Stat(filepath.Join(opts.Root, "themes", "default", "templates")); err == nil && fi.IsDir() {
			theme = os.DirFS(filepath.Join(opts.Root, "themes", "default"))
		}
	}
	tpl, err := loadTemplates(theme)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	rounds, err := result.LoadRounds(opts.Root)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, r := range rounds {
		for _, subs := range r.Results {
			n += len(subs)
		}
	}
	fmt.Fprintf(opts.Log, "read %d rounds, %d results in %s\n", len(rounds), n, time.Since(start).Round(time.Millisecond))
	s := &Site{Config: cfg, BasePath: bp, Rounds: rounds}
	if len(rounds) > 0 {
		s.Current = rounds[len(rounds)-1]
		if cfg.Current != "" {
			s.Current = nil
			for _, r := range rounds {
				if r.ID == cfg.Current {
					s.Current = r
				}
			}
			if s.Current == nil {
				return nil, fmt.Errorf("%s: current = %q: no such round under results/", filepath.Join(opts.Root, "content", ConfigFile), cfg.Current)
			}
		}
	}
	secrets, err := collectSecrets(rounds)
	if err != nil {
		return nil, err
	}
	current := ""
	if s.Current != nil {
		current = s.Current.ID
	}
	out := newOutput(dir, current, update)
	if len(secrets) > 0 {
		out.secrets = indexSecrets(secrets)
	}
	b := &builder{opts: opts, site: s, out: out, tpl: tpl, theme: theme, md: markdown.New()}
	start = time.Now()
	err = b.build()
	if cerr := out.close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = out.commit()
	}
	if err != nil {
		out.rollback()
		return nil, err
	}
	s.Files, s.Paths, s.source, s.mirrors, s.nPages, s.size = out.files, out.sortedPaths(), out.source, out.mirrors, out.nPages, out.size
	sort.Strings(s.Warnings)
	fmt.Fprintf(opts.Log, "rendered %s in %s\n", s.Summary(), time.Since(start).Round(time.Millisecond))
	return s, nil
}

func (b *builder) logf(format string, args ...any) { fmt.Fprintf(b.opts.Log, format+"\n", args...) }

// warn records a warning; safe for concurrent use.
func (b *builder) warn(msg string) {
	b.mu.Lock()
	b.site.Warnings = append(b.site.Warnings, msg)
	b.mu.Unlock()
}

func (b *builder) build() error {
	s := b.site
	if err := b.readContent(); err != nil {
		return err
	}
	for _, r := range s.Rounds {
		rv, err := b.rankRound(r)
		if err != nil {
			return err
		}
		b.rounds = append(b.rounds, rv)
	}
	b.nav = b.makeNav()
	b.siteView() // made once, before any page is rendered in parallel
	if err := b.copyAssets(); err != nil {
		return err
	}
	if err := b.renderContent(); err != nil {
		return err
	}
	for _, rv := range b.rounds {
		b.logf("round %s: %d tracks, %d submissions", rv.Round.ID, len(rv.Tracks), rv.count())
		if err := b.renderRound(rv); err != nil {
			return err
		}
	}
	if err := b.renderRoundsIndex(); err != nil {
		return err
	}
	if !b.out.has("index.html") {
		if err := b.renderEmptyHome(); err != nil {
			return err
		}
	}
	if err := b.render404(); err != nil {
		return err
	}
	if err := b.put(".nojekyll", []byte{}, nil); err != nil {
		return err
	}
	if s.Config.CNAME != "" {
		if err := b.put("CNAME", []byte(strings.TrimSpace(s.Config.CNAME)+"\n"), nil); err != nil {
			return err
		}
	}
	if absoluteBase(s.Config.BaseURL) {
		return b.put("sitemap.xml", b.sitemap(), nil)
	}
	b.warn("no absolute base_url (content/site.toml or --base-url): sitemap.xml not written")
	return nil
}

// put adds one output file; a path already taken is an error.
func (b *builder) put(p string, data []byte, src *source) error { return b.out.put(p, data, src) }

// Build generates the site into opts.Out. A folder holding the last build
// is updated in place: files whose bytes did not change are left as they
// are, and nothing is changed until the whole site is made, so a failed
// build leaves the last site as it was. Any other folder is written beside
// its place as it is made and then renamed into place.
func Build(opts Options) (*Site, error) {
	if opts.Root == "" {
		opts.Root = "."
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	out := opts.Out
	if out == "" {
		out = filepath.Join(opts.Root, "public")
	}
	out = filepath.Clean(out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(out); err == nil {
		if !fi.IsDir() {
			return nil, fmt.Errorf("%s exists and is not a folder", out)
		}
		empty, err := checkOutDir(out)
		if err != nil {
			return nil, err
		}
		if !empty {
			s, err := generate(opts, out, true)
			var conflict *conflictError
			if !errors.As(err, &conflict) {
				return s, err
			}
			fmt.Fprintf(opts.Log, "%v: writing the site anew\n", err)
		}
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".new-")
	if err != nil {
		return nil, err
	}
	s, err := generate(opts, tmp, false)
	if err == nil {
		err = os.Chmod(tmp, 0o755)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	old := ""
	if _, err := os.Stat(out); err == nil {
		old = filepath.Join(parent, "."+filepath.Base(out)+".old")
		os.RemoveAll(old)
		if err := os.Rename(out, old); err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			os.Rename(old, out)
		}
		os.RemoveAll(tmp)
		return nil, err
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// checkOutDir refuses to replace a folder that does not look like a built
// site (so that --out . cannot wipe a project), and reports an empty one.
func checkOutDir(out string) (empty bool, err error) {
	entries, err := os.ReadDir(out)
	if err != nil {
		return false, err
	}
	if len(entries) == 0 {
		return true, nil
	}
	for _, e := range entries {
		if e.Name() == ".nojekyll" {
			return false, nil
		}
	}
	return false, fmt.Errorf("%s is not empty and holds no .nojekyll: not a built site, refusing to replace it", out)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
