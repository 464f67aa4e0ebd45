package site

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"podium/internal/fileio"
)

// output receives the built files as they are made. In memory (Generate)
// it keeps them; on disk (Build) it hands them to writers at once, so that
// a round of thousands of pages never sits whole in memory. Either way it
// refuses a second file at a path, copies the current round's pages to
// the root, and scans every file for secret text.
//
// On disk it either fills a new folder, or updates the last build in
// place: a file whose bytes did not change is left as it is, any other is
// written beside its place under a temporary name, and only once the
// whole site is made (commit) are those renamed into place and the files
// the site no longer has removed. A build that fails takes its temporary
// files away again (rollback) and leaves the last site as it was.
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

	dir    string   // on disk: the folder written
	update bool     // dir holds the last build, updated in place
	dirs   sync.Map // folders made or found
	made   sync.Map // update: folders this build made, with what is in them
	moves  [writers][]move
	jobs   []chan writeJob // one queue per writer
	queue  map[string]int  // the writer of each folder
	queued [writers]int    // files given to each writer
	wg     sync.WaitGroup
	werr   error
	wonce  sync.Once
}

// move is a file written under a temporary name, renamed into place by
// commit.
type move struct{ tmp, dst string }

type writeJob struct {
	path    string
	data    []byte
	mirror  string // the root copy, if any
	recycle bool   // data is a page buffer to give back once written
}

func newOutput(dir, current string, update bool) *output {
	o := &output{paths: map[string]bool{}, mirrors: map[string]bool{}, source: map[string]source{}, dir: dir, update: update}
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
		go o.writer(i, jobs)
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

func (o *output) writer(w int, jobs <-chan writeJob) {
	defer o.wg.Done()
	for j := range jobs {
		if o.update {
			o.updateFile(w, j)
		} else {
			o.writeFile(j)
		}
		if j.recycle {
			putPageBuf(j.data)
		}
	}
}

// writeFile writes a file of a new folder.
func (o *output) writeFile(j writeJob) {
	full := o.file(j.path)
	if err := fileio.WriteFile(full, j.data); err != nil {
		o.fail(err)
		return
	}
	if j.mirror != "" {
		// The root copy shares the file: same bytes, no second write.
		// Where links fail (some file systems), it is written out.
		m := o.file(j.mirror)
		if os.Link(full, m) != nil {
			if err := fileio.WriteFile(m, j.data); err != nil {
				o.fail(err)
			}
		}
	}
}

// updateFile leaves a file of the last build as it is if its bytes are the
// same, and otherwise writes it under a temporary name for commit.
func (o *output) updateFile(w int, j writeJob) {
	full := o.file(j.path)
	bp := chunkPool.Get().(*[]byte)
	same, dir := fileio.Same(full, j.data, *bp)
	chunkPool.Put(bp)
	if dir {
		o.fail(&conflictError{full})
		return
	}
	src := full
	if !same {
		src = tempName(full)
		if err := fileio.WriteFile(src, j.data); err != nil {
			o.fail(err)
			return
		}
		o.moves[w] = append(o.moves[w], move{src, full})
	}
	if j.mirror == "" {
		return
	}
	m := o.file(j.mirror)
	fi, err := os.Lstat(m)
	switch {
	case err == nil && fi.IsDir():
		o.fail(&conflictError{m})
		return
	case err == nil && same && linked(full, fi):
		return // the root copy is the unchanged file already
	}
	tmp := tempName(m)
	if os.Link(src, tmp) != nil {
		if err := fileio.WriteFile(tmp, j.data); err != nil {
			o.fail(err)
			return
		}
	}
	o.moves[w] = append(o.moves[w], move{tmp, m})
}

// linked reports whether fi is the file at name.
func linked(name string, fi os.FileInfo) bool {
	other, err := os.Stat(name)
	return err == nil && os.SameFile(fi, other)
}

// tempName is where a file is written until commit renames it into place.
func tempName(full string) string {
	return filepath.Join(filepath.Dir(full), ".podium-new."+filepath.Base(full))
}

// conflictError: the last build has a folder where this one puts a file,
// or a file where it needs a folder; it cannot be updated in place.
type conflictError struct{ path string }

func (e *conflictError) Error() string {
	return e.path + ": the last build has a file where this one has a folder, or the other way round"
}

// file returns where a site path lies on disk, making its folder.
func (o *output) file(p string) string {
	if d := path.Dir(p); d != "." {
		if _, known := o.dirs.Load(d); !known {
			o.mkdir(filepath.Join(o.dir, filepath.FromSlash(d)))
			o.dirs.Store(d, true)
		}
	}
	return filepath.Join(o.dir, filepath.FromSlash(p))
}

// mkdir makes a folder and its parents. Updating, it notes the topmost
// folder it made, which rollback removes.
func (o *output) mkdir(dir string) {
	if !o.update {
		// Most folders are new, and their parents made already.
		err := os.Mkdir(dir, 0o755)
		if errors.Is(err, fs.ErrNotExist) {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			o.fail(err)
		}
		return
	}
	top := ""
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				o.fail(&conflictError{d})
				return
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			if errors.Is(err, syscall.ENOTDIR) {
				err = &conflictError{d}
			}
			o.fail(err)
			return
		}
		top = d
	}
	if top == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		o.fail(err)
		return
	}
	o.made.Store(top, true)
}

// commit puts an update's files into place and removes what the site no
// longer has. Call it once close has succeeded.
func (o *output) commit() error {
	if !o.update {
		return nil
	}
	for _, moves := range o.moves {
		for _, m := range moves {
			if err := os.Rename(m.tmp, m.dst); err != nil {
				return err
			}
		}
	}
	o.moves = [writers][]move{}
	return o.removeStale()
}

// removeStale removes the files and folders of the last build that this
// one did not make, and any temporary file a killed build left.
func (o *output) removeStale() error {
	keep := map[string]bool{".": true}
	for p := range o.paths {
		for d := path.Dir(p); !keep[d]; d = path.Dir(d) {
			keep[d] = true
		}
	}
	return filepath.WalkDir(o.dir, func(full string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(o.dir, full)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir() && !keep[rel]:
			if err := os.RemoveAll(full); err != nil {
				return err
			}
			return filepath.SkipDir
		case !d.IsDir() && !o.paths[rel]:
			return os.Remove(full)
		}
		return nil
	})
}

// rollback removes what a failed update wrote. Call it after close.
func (o *output) rollback() {
	if !o.update {
		return
	}
	for _, moves := range o.moves {
		for _, m := range moves {
			os.Remove(m.tmp)
		}
	}
	o.made.Range(func(d, _ any) bool {
		os.RemoveAll(d.(string))
		return true
	})
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
