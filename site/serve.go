package site

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// ServeOptions says what to serve and where.
type ServeOptions struct {
	Options
	Addr   string    // default 127.0.0.1:8080
	Stdout io.Writer // where the address is announced
	// Ready, when set, is called with the address once listening.
	Ready func(addr string)
}

// eventsPath is where open pages wait for a rebuild.
const eventsPath = "/__podium/events"

// reloadScript is put before </body> of every page served, so that pages
// reload themselves after a rebuild.
var reloadScript = []byte(`<script>new EventSource("` + eventsPath + `").onmessage = function () { location.reload(); };</script>`)

// server serves the latest build from memory.
type server struct {
	opts Options
	mu   sync.Mutex
	site *Site
	err  error
	gen  int
	wake chan struct{} // closed and replaced on each rebuild
}

func newServer(opts Options) *server {
	s := &server{opts: opts, wake: make(chan struct{})}
	s.rebuild()
	return s
}

// rebuild builds the site again and wakes the pages waiting for it.
func (s *server) rebuild() {
	start := time.Now()
	site, err := Generate(s.opts)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err = err
		fmt.Fprintf(s.opts.Log, "build failed: %v\n", err)
	} else {
		s.site, s.err = site, nil
		fmt.Fprintf(s.opts.Log, "built %s in %s\n", site.Summary(), time.Since(start).Round(time.Millisecond))
	}
	s.gen++
	close(s.wake)
	s.wake = make(chan struct{})
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == eventsPath {
		s.events(w, r)
		return
	}
	s.mu.Lock()
	site, berr := s.site, s.err
	s.mu.Unlock()
	if berr != nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "<!DOCTYPE html><title>Build failed</title><h1>Build failed</h1><pre>%s</pre>", html.EscapeString(berr.Error()))
		w.Write(reloadScript)
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, site.BasePath) {
		if p == "/" {
			http.Redirect(w, r, site.BasePath, http.StatusFound)
			return
		}
		s.notFound(w, site)
		return
	}
	rel := strings.TrimPrefix(p, site.BasePath)
	if rel == "" || strings.HasSuffix(rel, "/") {
		rel += "index.html"
	}
	data, ok := site.Files[rel]
	if !ok {
		if _, dir := site.Files[rel+"/index.html"]; dir {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
			return
		}
		s.notFound(w, site)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(rel))
	if ctype == "" {
		ctype = http.DetectContentType(data)
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	if strings.HasSuffix(rel, ".html") {
		data = withReload(data)
	}
	w.Write(data)
}

func (s *server) notFound(w http.ResponseWriter, site *Site) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write(withReload(site.Files["404.html"]))
}

// withReload puts the reload script before </body>.
func withReload(page []byte) []byte {
	i := bytes.LastIndex(page, []byte("</body>"))
	if i < 0 {
		return append(append([]byte{}, page...), reloadScript...)
	}
	out := make([]byte, 0, len(page)+len(reloadScript))
	out = append(out, page[:i]...)
	out = append(out, reloadScript...)
	return append(out, page[i:]...)
}

// events holds a server-sent event stream open and sends "reload" after
// each rebuild.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	for {
		s.mu.Lock()
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-r.Context().Done():
			return
		case <-wake:
			fmt.Fprint(w, "data: reload\n\n")
			fl.Flush()
		}
	}
}

// watch rebuilds after changes under content/, results/ and themes/,
// waiting for a quiet moment so that a burst of writes is one rebuild.
func (s *server) watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	for _, d := range []string{"content", "results", "themes"} {
		if err := addTree(w, filepath.Join(s.opts.Root, d)); err != nil {
			return err
		}
	}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					addTree(w, ev.Name)
				}
			}
			timer = time.After(100 * time.Millisecond)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			fmt.Fprintf(s.opts.Log, "watch: %v\n", err)
		case <-timer:
			timer = nil
			s.rebuild()
		}
	}
}

// addTree watches a folder and every folder below it; a missing one is
// skipped.
func addTree(w *fsnotify.Watcher, dir string) error {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return w.Add(p)
		}
		return nil
	})
	return err
}

// Serve builds the site, serves it and rebuilds on change until
// interrupted.
func Serve(opts ServeOptions) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return ServeContext(ctx, opts)
}

// ServeContext is Serve until ctx is done.
func ServeContext(ctx context.Context, opts ServeOptions) error {
	if opts.Root == "" {
		opts.Root = "."
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:8080"
	}
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", opts.Addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(opts.Log, "warning: serving on %s, reachable from other machines\n", opts.Addr)
	}
	s := newServer(opts.Options)
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	base := "/"
	if s.site != nil {
		base = s.site.BasePath
	}
	fmt.Fprintf(opts.Stdout, "serving http://%s%s (rebuilds on change; Ctrl-C stops)\n", addr, base)
	if opts.Ready != nil {
		opts.Ready(addr)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	watchErr := make(chan error, 1)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { watchErr <- s.watch(wctx) }()
	go func() {
		<-ctx.Done()
		sctx, c := context.WithTimeout(context.Background(), time.Second)
		defer c()
		srv.Shutdown(sctx)
		srv.Close()
	}()
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	cancel()
	if werr := <-watchErr; err == nil {
		err = werr
	}
	return err
}
