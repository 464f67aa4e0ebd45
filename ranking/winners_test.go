package ranking

import (
	"math"
	"strings"
	"testing"

	"podium/result"
)

func board(rows ...Row) *Board { return &Board{Rows: rows} }

func row(id string, score float64, status string) Row {
	s := &result.Submission{ID: id}
	if status != "" {
		s.Reproduction = &result.Reproduction{Status: status}
	}
	return Row{Submission: s, Score: score}
}

func ids(rows []Row) string {
	var s []string
	for _, r := range rows {
		s = append(s, r.Submission.ID)
	}
	return strings.Join(s, ",")
}

func TestWinnersReproducedOnly(t *testing.T) {
	b := board(
		row("first", 0.9, result.Failed),
		row("second", 0.8, result.Reproduced),
		row("third", 0.7, result.Pending),
		row("fourth", 0.6, ""),
		row("fifth", 0.5, result.Reproduced),
		row("sixth", 0.4, result.Reproduced),
	)
	if got := ids(Winners(b, 1)); got != "second" {
		t.Errorf("top 1 = %q: the failed first place gives way to the next reproduced", got)
	}
	if got := ids(Winners(b, 3)); got != "second,fifth,sixth" {
		t.Errorf("top 3 = %q", got)
	}
	none := board(row("a", 0.9, result.Failed), row("b", 0.8, result.Pending), row("c", 0.7, ""))
	if got := Winners(none, 3); len(got) != 0 {
		t.Errorf("no reproduced submission, yet winners %q", ids(got))
	}
	if got := Winners(b, 0); len(got) != 0 {
		t.Errorf("n = 0 named %q", ids(got))
	}
}

func TestWinnersTiesAndMissing(t *testing.T) {
	b := board(
		row("nan", math.NaN(), result.Reproduced),
		row("a", 0.8, result.Reproduced),
		row("b", 0.7, result.Reproduced),
		row("c", 0.7, result.Reproduced),
		row("d", 0.6, result.Reproduced),
	)
	// NaN scores sort last in a real board; here it is first and still skipped.
	if got := ids(Winners(b, 2)); got != "a,b,c" {
		t.Errorf("top 2 with a tie for second = %q", got)
	}
}

func TestRoundWinners(t *testing.T) {
	b := board(row("a", 0.9, result.Failed), row("b", 0.8, ""), row("c", 0.7, result.Reproduced))
	b.Round = &result.Round{}
	if got := RoundWinners(b); got != nil {
		t.Errorf("a round without [winners] named %q", ids(got))
	}
	b.Round.Winners = &result.WinnerRule{Count: 1, RequireReproduced: true}
	if got := ids(RoundWinners(b)); got != "c" {
		t.Errorf("require reproduced: %q", got)
	}
	b.Round.Winners.RequireReproduced = false
	if got := ids(RoundWinners(b)); got != "a" {
		t.Errorf("any: %q", got)
	}
}
