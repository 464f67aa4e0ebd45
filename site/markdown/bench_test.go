package markdown

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"podium/site/markdown/corpus"
)

// Corpus is the benchmark corpus (see package corpus).
func Corpus(n int) []corpus.Page { return corpus.Pages(n) }

// BenchmarkRender1000 renders 1,000 organizer pages (front matter,
// headings, lists, tables, highlighted code, math) one after another.
func BenchmarkRender1000(b *testing.B) {
	pages := Corpus(1000)
	r := New()
	size := 0
	for _, p := range pages {
		size += len(p.Source)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pages {
			if _, err := r.Page(p.Name, p.Source); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkUntrusted renders and sanitizes participant text.
func BenchmarkUntrusted(b *testing.B) {
	pages := Corpus(100)
	r := New()
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pages {
			if _, err := r.Untrusted(p.Source); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkRender1000Parallel renders the same 1,000 pages on every core,
// as the site build does.
func BenchmarkRender1000Parallel(b *testing.B) {
	pages := Corpus(1000)
	r := New()
	b.ReportAllocs()
	for b.Loop() {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= len(pages) {
						return
					}
					if _, err := r.Page(pages[i].Name, pages[i].Source); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}
