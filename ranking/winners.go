package ranking

import (
	"math"

	"podium/result"
)

// Winners names up to n winners of a board, in rank order, from its
// reproduced submissions only (the 2023 rules): a top submission whose
// reproduction failed or is pending gives its place to the next reproduced
// one, and a board with none has no winner. Submissions tied with the last
// winner share its place, so more than n may be named.
func Winners(b *Board, n int) []Row {
	return pick(b, n, true)
}

// RoundWinners applies the round's [winners] rule to a board: none when the
// round names no winners, else Count of them, reproduced only when
// RequireReproduced is set.
func RoundWinners(b *Board) []Row {
	if b.Round == nil || b.Round.Winners == nil || b.Round.Winners.Count <= 0 {
		return nil
	}
	return pick(b, b.Round.Winners.Count, b.Round.Winners.RequireReproduced)
}

func pick(b *Board, n int, reproducedOnly bool) []Row {
	var out []Row
	for _, r := range b.Rows {
		if math.IsNaN(r.Score) {
			continue
		}
		if reproducedOnly && (r.Submission.Reproduction == nil || r.Submission.Reproduction.Status != result.Reproduced) {
			continue
		}
		if len(out) >= n && (n <= 0 || r.Score != out[len(out)-1].Score) {
			break
		}
		out = append(out, r)
	}
	return out
}
