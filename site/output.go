package site

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// output receives the built files as they are made. In memory (Generate)
// it keeps them; on disk (Build) it hands them to writers at once, so that
// a round of thousands of pages never sits whole in memory. Either way it
// refuses a second file at a path, copies the current round's pages to
// the root, and scans every file for secret text.
type output struct {
	mu      sync.Mutex
	paths   map[string]bool // every file, root copies included
	mirrors map[string]bool // the root copies
	files   map[string][]byte
	source  map[string]source
	prefix  string // "rounds/<current>/", or "" without rounds
	secrets secretIndex
	leaks   []string
	nPages  int
	size    int64

	dir    string          // on disk: the folder written
	prev   string          // the site built before into the same place, if any
	dirs   sync.Map        // folders made
	jobs   []chan writeJob // one queue per writer
	queue  map[string]int  // the writer of each folder
	queued [writers]int    // files given to each writer
	wg     sync.WaitGroup
	werr   error
	wonce  sync.Once
}

type writeJob struct {
	path    string
	data    []byte
	mirror  string // the root copy, if any
	recycle bool   // data is a page buffer to give back once written
}

func newOutput(dir, current string) *output {
	o := &output{paths: map[string]bool{}, mirrors: map[string]bool{}, source: map[string]source{}, dir: dir}
	if current != "" {
		o.prefix = "rounds/" + current + "/"
	}
	if dir == "" {
		o.files = map[string][]byte{}
		return o
	}
	// Files are created by folder: one writer per folder, so that writers
	// do not queue on a folder's lock in the kernel (creating files in one
	// folder from several threads spins there and costs more than it
	// saves).
	o.queue = map[string]int{}
	for i := 0; i < writers; i++ {
		jobs := make(chan writeJob, 32)
		o.jobs = append(o.jobs, jobs)
		o.wg.Add(1)
		go o.writer(jobs)
	}
	return o
}

// put adds one file; a path already taken is an error. It is safe for
// concurrent use.
func (o *output) put(p string, data []byte, src *source) error { return o.add(p, data, src, false) }

// putPage adds a page made by templates.execute, whose buffer the writer
// gives back for other pages once the page is written. In memory the
// output keeps a copy of its exact size, and the buffer goes back at once.
func (o *output) putPage(p string, data []byte, src *source) error {
	if o.files == nil {
		return o.add(p, data, src, true)
	}
	err := o.add(p, bytes.Clone(data), src, false)
	putPageBuf(data)
	return err
}

func (o *output) add(p string, data []byte, src *source, recycle bool) error {
	if o.secrets != nil {
		scanSecrets(o.secrets, data, func(st secretText) bool {
			o.mu.Lock()
			o.leaks = append(o.leaks, fmt.Sprintf("/%s holds text of a secret instance (%s)", p, st.where))
			o.mu.Unlock()
			return false
		})
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.paths[p] {
		where := ""
		if src != nil {
			where = src.path + ": "
		}
		if o.mirrors[p] {
			return fmt.Errorf("%s/%s would replace the current round's copy of /%s%s", where, p, o.prefix, p)
		}
		return fmt.Errorf("%stwo pages would be written to /%s", where, p)
	}
	o.record(p, data, src)
	mirror := ""
	if o.prefix != "" && strings.HasPrefix(p, o.prefix) {
		dst := strings.TrimPrefix(p, o.prefix)
		// Submission pages keep their one address; a page of the site's
		// own, made earlier, keeps its place.
		if !(strings.HasPrefix(dst, "tracks/") && strings.Contains(dst, "/submissions/")) && !o.paths[dst] {
			o.record(dst, data, src)
			o.mirrors[dst] = true
			mirror = dst
		}
	}
	if o.files == nil {
		d := path.Dir(p)
		w, ok := o.queue[d]
		if !ok { // a new folder goes to the writer given fewest files
			for i, n := range o.queued {
				if n < o.queued[w] {
					w = i
				}
			}
			o.queue[d] = w
		}
		o.queued[w]++
		o.mu.Unlock()
		o.jobs[w] <- writeJob{p, data, mirror, recycle}
		o.mu.Lock()
	}
	return nil
}

// record records a file; the caller holds the lock.
func (o *output) record(p string, data []byte, src *source) {
	o.paths[p] = true
	if strings.HasSuffix(p, ".html") {
		o.nPages++
	}
	o.size += int64(len(data))
	if src != nil {
		o.source[p] = *src
	}
	if o.files != nil {
		o.files[p] = data
	}
}

func (o *output) has(p string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.paths[p]
}

func (o *output) writer(jobs <-chan writeJob) {
	defer o.wg.Done()
	for j := range jobs {
		full := o.file(j.path)
		if !o.reuse(j.path, full, j.data) {
			if err := writeFile(full, j.data); err != nil {
				o.fail(err)
				continue
			}
		}
		if j.mirror != "" {
			// The root copy shares the file: same bytes, no second write.
			// Where links fail (some file systems), it is written out.
			m := o.file(j.mirror)
			if os.Link(full, m) != nil {
				if err := writeFile(m, j.data); err != nil {
					o.fail(err)
				}
			}
		}
		if j.recycle {
			putPageBuf(j.data)
		}
	}
}

// file returns where a site path lies on disk, making its folder.
func (o *output) file(p string) string {
	if d := path.Dir(p); d != "." {
		if _, made := o.dirs.Load(d); !made {
			if err := os.MkdirAll(filepath.Join(o.dir, filepath.FromSlash(d)), 0o755); err != nil {
				o.fail(err)
			}
			o.dirs.Store(d, true)
		}
	}
	return filepath.Join(o.dir, filepath.FromSlash(p))
}

// reuse links the previous build's file at p into the new site when its
// bytes are the same: a rebuild then writes only what changed. The
// previous site is only read, so a failed build leaves it as it was.
func (o *output) reuse(p, full string, data []byte) bool {
	if o.prev == "" {
		return false
	}
	old := filepath.Join(o.prev, filepath.FromSlash(p))
	bp := chunkPool.Get().(*[]byte)
	same := sameFile(old, data, *bp)
	chunkPool.Put(bp)
	if !same {
		return false
	}
	return os.Link(old, full) == nil
}

var chunkPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func (o *output) fail(err error) { o.wonce.Do(func() { o.werr = err }) }

// close waits for the writers and returns the first error, or the secret
// text found.
func (o *output) close() error {
	if o.jobs != nil {
		for _, jobs := range o.jobs {
			close(jobs)
		}
		o.wg.Wait()
		o.jobs = nil
	}
	if o.werr != nil {
		return o.werr
	}
	if len(o.leaks) > 0 {
		sort.Strings(o.leaks)
		found := o.leaks
		if len(found) > 10 {
			found = append(found[:10:10], fmt.Sprintf("and %d more", len(o.leaks)-10))
		}
		return fmt.Errorf("refusing to publish secret data:\n  %s", strings.Join(found, "\n  "))
	}
	return nil
}

// sortedPaths lists every file.
func (o *output) sortedPaths() []string { return sortedKeys(o.paths) }

// writers is the number of goroutines writing files.
const writers = 4
