package site

import (
	"path/filepath"
	"testing"

	"podium/internal/synth"
)

// BenchmarkBuildRound builds a synthetic round of 2,000 submissions × 2
// tracks × 40 metrics into a folder (target: under 1 s, 300 MB peak RSS;
// scripts/bench-site.sh measures the RSS of the real command).
func BenchmarkBuildRound(b *testing.B) {
	root := synthRoot(b, synth.Spec{Round: "bench", Tracks: 2, Submissions: 2000, Scenarios: 10, Metrics: 40, Secret: 2, Missing: 0.01, Seed: 7})
	out := filepath.Join(b.TempDir(), "public")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Build(Options{Root: root, Out: out}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerateRound is BenchmarkBuildRound without writing files.
func BenchmarkGenerateRound(b *testing.B) {
	root := synthRoot(b, synth.Spec{Round: "bench", Tracks: 2, Submissions: 2000, Scenarios: 10, Metrics: 40, Secret: 2, Missing: 0.01, Seed: 7})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Generate(Options{Root: root}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCorpus builds 1,000 markdown pages (the corpus that
// internal/benchsite also gives Hugo) without writing them.
func BenchmarkCorpus(b *testing.B) {
	root := b.TempDir()
	if err := synth.Corpus(root, 1000); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Generate(Options{Root: root}); err != nil {
			b.Fatal(err)
		}
	}
}
