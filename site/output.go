package site

import (
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

	dir   string   // on disk: the folder written
	dirs  sync.Map // folders made
	jobs  chan writeJob
	wg    sync.WaitGroup
	werr  error
	wonce sync.Once
}

type writeJob struct {
	path string
	data []byte
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
	o.jobs = make(chan writeJob, 32)
	for i := 0; i < 4; i++ {
		o.wg.Add(1)
		go o.writer()
	}
	return o
}

// put adds one file; a path already taken is an error. It is safe for
// concurrent use.
func (o *output) put(p string, data []byte, src *source) error {
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
	o.add(p, data, src)
	if o.prefix != "" && strings.HasPrefix(p, o.prefix) {
		dst := strings.TrimPrefix(p, o.prefix)
		// Submission pages keep their one address; a page of the site's
		// own, made earlier, keeps its place.
		if !(strings.HasPrefix(dst, "tracks/") && strings.Contains(dst, "/submissions/")) && !o.paths[dst] {
			o.add(dst, data, src)
			o.mirrors[dst] = true
		}
	}
	return nil
}

// add records a file; the caller holds the lock.
func (o *output) add(p string, data []byte, src *source) {
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
		return
	}
	o.mu.Unlock()
	o.jobs <- writeJob{p, data}
	o.mu.Lock()
}

func (o *output) has(p string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.paths[p]
}

func (o *output) writer() {
	defer o.wg.Done()
	for j := range o.jobs {
		if d := path.Dir(j.path); d != "." {
			if _, made := o.dirs.Load(d); !made {
				if err := os.MkdirAll(filepath.Join(o.dir, filepath.FromSlash(d)), 0o755); err != nil {
					o.fail(err)
				}
				o.dirs.Store(d, true)
			}
		}
		if err := os.WriteFile(filepath.Join(o.dir, filepath.FromSlash(j.path)), j.data, 0o644); err != nil {
			o.fail(err)
		}
	}
}

func (o *output) fail(err error) { o.wonce.Do(func() { o.werr = err }) }

// close waits for the writers and returns the first error, or the secret
// text found.
func (o *output) close() error {
	if o.jobs != nil {
		close(o.jobs)
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
