package runner

import (
	"maps"
	"testing"

	"podium/scorer/metric"
	"podium/scorer/task"
)

// score gives what a map of its own would hold; outcomes whose scores are
// all 0 or 1 share it, and no other outcome does.
func TestScoresSharedOnlyWhenAll0Or1(t *testing.T) {
	tk := &task.Task{Spec: task.Spec{Metrics: []string{"exact_match", "f1", "no_such_metric"}}}
	fresh := func(completion string, gold []string) map[string]float64 {
		s := map[string]float64{}
		for _, m := range tk.Spec.Metrics {
			if fn, ok := metric.Lookup(m); ok {
				s[m] = fn(completion, gold)
			}
		}
		return s
	}
	var sc scratch
	cases := []struct {
		completion string
		gold       []string
		shared     bool
	}{
		{"Paris", []string{"Paris"}, true},         // 1, 1
		{"Rome", []string{"Paris"}, true},          // 0, 0
		{"Paris France", []string{"Paris"}, false}, // 0, 0.67
		{"Paris", []string{"Paris"}, true},         // 1, 1 again
		{"Paris France", []string{"Paris"}, false}, // not shared either time
	}
	seen := map[string]map[string]float64{}
	for _, c := range cases {
		got := sc.score(tk, c.completion, c.gold)
		if want := fresh(c.completion, c.gold); !maps.Equal(got, want) {
			t.Fatalf("%q: scores %v, want %v", c.completion, got, want)
		}
		prev, ok := seen[c.completion]
		same := ok && sameMap(prev, got)
		if ok && same != c.shared {
			t.Errorf("%q: shared with the earlier outcome: %v, want %v", c.completion, same, c.shared)
		}
		seen[c.completion] = got
	}
}

func sameMap(a, b map[string]float64) bool {
	b["\x00probe"] = 1
	defer delete(b, "\x00probe")
	_, ok := a["\x00probe"]
	return ok
}
