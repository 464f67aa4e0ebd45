package site

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// templates holds one template set per page kind, each with the base.
type templates struct {
	sets  map[string]*template.Template
	sizes map[string]*atomic.Int64 // the size of a page of each kind, so far
	once  sync.Map                 // see pageData.Once
}

// The page kinds a theme provides, as templates/<kind>.html.
var pageKinds = []string{"page", "round", "rounds", "leaderboard", "submission", "scenario", "404"}

func loadTemplates(theme fs.FS) (*templates, error) {
	base, err := fs.ReadFile(theme, "templates/base.html")
	if err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	root, err := template.New("base.html").Funcs(funcs).Parse(string(base))
	if err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	partials, _ := fs.Glob(theme, "templates/partials/*.html")
	for _, p := range partials {
		data, err := fs.ReadFile(theme, p)
		if err != nil {
			return nil, err
		}
		if _, err := root.New(path.Base(p)).Parse(string(data)); err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
	}
	t := &templates{sets: map[string]*template.Template{}, sizes: map[string]*atomic.Int64{}}
	for _, kind := range pageKinds {
		name := "templates/" + kind + ".html"
		data, err := fs.ReadFile(theme, name)
		if err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
		set, err := root.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := set.New(kind + ".html").Parse(string(data)); err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
		t.sets[kind] = set
		t.sizes[kind] = new(atomic.Int64)
	}
	return t, nil
}

// execute renders a page of that kind.
func (t *templates) execute(kind string, data any) ([]byte, error) {
	set, ok := t.sets[kind]
	if !ok {
		return nil, fmt.Errorf("theme has no %s template", kind)
	}
	if pd, ok := data.(*pageData); ok {
		pd.set, pd.once = set, &t.once
	}
	hint := t.sizes[kind]
	size := int(hint.Load())
	if pd, ok := data.(*pageData); ok && pd.size > size {
		size = pd.size // a large page sized before: no growing as it is written
	}
	// Pages of a kind that runs large (leaderboards) get a buffer of their
	// own, handed on as it is; the small ones, by the thousand, share
	// pooled buffers and are copied out.
	large := size > largePage
	var buf *bytes.Buffer
	if large {
		buf = bytes.NewBuffer(make([]byte, 0, size))
	} else {
		buf = bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		buf.Grow(size)
	}
	err := set.ExecuteTemplate(buf, "base.html", data)
	if n := int64(buf.Len()); n > hint.Load() {
		hint.Store(n + n/8)
	}
	if large {
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", kind, err)
		}
		return buf.Bytes(), nil
	}
	defer func() {
		if buf.Cap() <= largePage {
			bufPool.Put(buf)
		}
	}()
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", kind, err)
	}
	return bytes.Clone(buf.Bytes()), nil
}

// largePage is the size past which a page's buffer is not pooled.
const largePage = 256 << 10

// bufPool keeps page buffers between pages: thousands of submission pages
// would otherwise grow a buffer each.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var funcs = template.FuncMap{
	"num":   fmtNum,
	"pct":   fmtPct,
	"sort":  sortKey,
	"gib":   func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"f1":    func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"f2":    func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
	"add":   func(a, b int) int { return a + b },
	"lower": strings.ToLower,
}

// fmtNum shows a score or win rate with 4 decimals; NaN as an en dash.
func fmtNum(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func fmtPct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

// sortKey is a cell's data-sort value: exact, and missing sorts last.
func sortKey(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// fullNum is a value for CSV and JSON: shortest exact form.
func fullNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// parallel runs f(0..n-1) on every core and returns the first error.
func parallel(n int, f func(i int) error) error {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  int
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}
