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
	pd, _ := data.(*pageData)
	var spliced []*table
	if pd != nil {
		pd.set, pd.once = set, &t.once
		spliced = pd.splice
		for i, tb := range spliced {
			tb.slot = slotMark + strconv.Itoa(i) + "\x00"
		}
		defer func() {
			for _, tb := range spliced {
				tb.slot = ""
			}
		}()
	}
	hint := t.sizes[kind]
	size := int(hint.Load())
	if pd != nil && pd.size > size {
		size = pd.size // a large page sized before: no growing as it is written
	}
	// Pages of a kind that runs large get a buffer of their own, handed on
	// as it is; the small ones, by the thousand, share pooled buffers and
	// are copied out, their tables spliced in as they are.
	large := size > largePage
	var buf *bytes.Buffer
	if large {
		buf = bytes.NewBuffer(make([]byte, 0, size))
	} else {
		buf = bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		buf.Grow(size)
		defer func() {
			if buf.Cap() <= largePage {
				bufPool.Put(buf)
			}
		}()
	}
	err := set.ExecuteTemplate(buf, "base.html", data)
	if n := int64(buf.Len()); n > hint.Load() {
		hint.Store(n + n/8)
	}
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", kind, err)
	}
	if len(spliced) > 0 {
		return splice(buf.Bytes(), spliced), nil
	}
	if large {
		return buf.Bytes(), nil
	}
	return bytes.Clone(buf.Bytes()), nil
}

// slotMark begins the marker a spliced table's HTML returns while its page
// renders: NUL never comes out of a template from text (html/template and
// goldmark replace it), so no text can forge it.
const slotMark = "\x00podium-table-"

// splice writes page with each table's marker replaced by the table.
func splice(page []byte, tables []*table) []byte {
	size := len(page)
	for _, tb := range tables {
		size += tb.htmlSize()
	}
	var out *bytes.Buffer
	if size <= pageBufSize {
		out = bytes.NewBuffer(getPageBuf())
	} else {
		out = new(bytes.Buffer)
		out.Grow(size)
	}
	for {
		i := bytes.Index(page, []byte(slotMark))
		if i < 0 {
			break
		}
		out.Write(page[:i])
		page = page[i+len(slotMark):]
		end := bytes.IndexByte(page, 0)
		n, err := strconv.Atoi(string(page[:max(end, 0)]))
		if end < 0 || err != nil || n < 0 || n >= len(tables) {
			out.WriteString(slotMark) // not a marker: kept as it came
			continue
		}
		tables[n].writeHTML(out)
		page = page[end+1:]
	}
	out.Write(page)
	return out.Bytes()
}

// pageBufSize is the size of the buffers that small pages (submission
// pages, by the thousand) are spliced into: the output's writers give
// them back once written (see output.putPage), so that thousands of pages
// reuse a few dozen buffers instead of each taking fresh memory.
const pageBufSize = 32 << 10

var pageBufs = sync.Pool{New: func() any { b := make([]byte, 0, pageBufSize); return &b }}

func getPageBuf() []byte { return (*pageBufs.Get().(*[]byte))[:0] }

// putPageBuf takes back a buffer from getPageBuf, written and no longer
// used; other slices are left alone.
func putPageBuf(b []byte) {
	if cap(b) == pageBufSize {
		b = b[:0]
		pageBufs.Put(&b)
	}
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
