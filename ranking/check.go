package ranking

import (
	"fmt"
	"sort"
	"strings"

	"podium/result"
)

// Check reports a round whose rule or aggregation this package does not
// know, naming the round's file and line.
func Check(r *result.Round) error {
	if !Rule(r.Rule).Valid() {
		names := make([]string, 0, len(Rules))
		for n := range Rules {
			names = append(names, string(n))
		}
		sort.Strings(names)
		return &result.Error{File: r.Path, Line: result.KeyLine(r.Path, "rule"),
			Msg: fmt.Sprintf("unknown rule %q (known: %s)", r.Rule, strings.Join(names, ", "))}
	}
	switch r.Aggregation {
	case "", Geometric, Arithmetic:
		return nil
	}
	return &result.Error{File: r.Path, Line: result.KeyLine(r.Path, "aggregation"),
		Msg: fmt.Sprintf("unknown aggregation %q (want %q or %q)", r.Aggregation, Geometric, Arithmetic)}
}
