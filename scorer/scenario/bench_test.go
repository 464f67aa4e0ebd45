package scenario

import (
	"testing"

	"podium/scorer/task"
)

// BenchmarkPreparePrompts reads both 2023 suites' datasets from the shared
// data (from cold: nothing cached), samples and perturbs their instances
// and renders every prompt: the figure to hold under 2 s.
func BenchmarkPreparePrompts(b *testing.B) {
	dir := data(b)
	for b.Loop() {
		loaded.Clear()
		prompts, bytes := 0, 0
		for _, name := range []string{"neurips2023-open", "neurips2023-hidden"} {
			full, err := Suite(name, 0)
			if err != nil {
				b.Fatal(err)
			}
			s, _, err := Available(full, dir)
			if err != nil {
				b.Fatal(err)
			}
			tasks, err := task.Build(s, task.Options{DataDir: dir, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			for _, t := range tasks {
				for i := range t.Eval {
					bytes += len(t.Prompt(&t.Eval[i]).Text())
					prompts++
				}
			}
		}
		b.ReportMetric(float64(prompts), "prompts")
		b.ReportMetric(float64(bytes)/1e6, "MB")
	}
}
