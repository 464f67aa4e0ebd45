package ranking

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"
)

// Formats a board can be written in.
var Formats = []string{"table", "json", "csv"}

// jsonRow is a row as the JSON form spells it.
type jsonRow struct {
	Rank       int                 `json:"rank"`
	Submission string              `json:"submission"`
	Team       string              `json:"team"`
	Score      *float64            `json:"score"`
	Stages     map[string]*float64 `json:"stages"`
	Scenarios  map[string]*float64 `json:"scenarios"`
}

// num is v, or nil (null) when v is NaN.
func num(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

func nums(m map[string]float64) map[string]*float64 {
	out := make(map[string]*float64, len(m))
	for k, v := range m {
		out[k] = num(v)
	}
	return out
}

// StageNames and ScenarioNames give the board's columns in round order.
func (b *Board) StageNames() []string {
	names := make([]string, len(b.Round.Stages))
	for i, s := range b.Round.Stages {
		names[i] = s.Name
	}
	return names
}

func (b *Board) ScenarioNames() []string {
	names := make([]string, len(b.Round.Scenarios))
	for i, s := range b.Round.Scenarios {
		names[i] = s.Name
	}
	return names
}

// WriteJSON writes the board as a JSON array in rank order.
func (b *Board) WriteJSON(w io.Writer) error {
	rows := make([]jsonRow, len(b.Rows))
	for i, r := range b.Rows {
		rows[i] = jsonRow{Rank: r.Rank, Submission: r.Submission.ID, Team: r.Submission.Team,
			Score: num(r.Score), Stages: nums(r.Stages), Scenarios: nums(r.Scenarios)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// header is the column row of the table and CSV forms.
func (b *Board) header() []string {
	h := []string{"rank", "submission", "team", "score"}
	for _, s := range b.StageNames() {
		h = append(h, "stage: "+s)
	}
	return append(h, b.ScenarioNames()...)
}

func (b *Board) record(r Row, format func(float64) string) []string {
	rec := []string{strconv.Itoa(r.Rank), r.Submission.ID, r.Submission.Team, format(r.Score)}
	for _, s := range b.StageNames() {
		rec = append(rec, format(r.Stages[s]))
	}
	for _, s := range b.ScenarioNames() {
		rec = append(rec, format(r.Scenarios[s]))
	}
	return rec
}

// WriteCSV writes the board as CSV, full precision.
func (b *Board) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(b.header())
	for _, r := range b.Rows {
		cw.Write(b.record(r, func(v float64) string {
			if math.IsNaN(v) {
				return ""
			}
			return strconv.FormatFloat(v, 'g', -1, 64)
		}))
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable writes the board as an aligned text table for a terminal.
func (b *Board) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "%s — track %s — rule %s\n%s\n\n", b.Round.Title, b.Track, b.Rule, b.Formula())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	write := func(rec []string) {
		for i, f := range rec {
			if i > 0 {
				io.WriteString(tw, "\t")
			}
			io.WriteString(tw, f)
		}
		io.WriteString(tw, "\n")
	}
	write(b.header())
	for _, r := range b.Rows {
		write(b.record(r, func(v float64) string {
			if math.IsNaN(v) {
				return "-"
			}
			return strconv.FormatFloat(v, 'f', 4, 64)
		}))
	}
	return tw.Flush()
}

// Write writes the board in one of Formats.
func (b *Board) Write(w io.Writer, format string) error {
	switch format {
	case "table":
		return b.WriteTable(w)
	case "json":
		return b.WriteJSON(w)
	case "csv":
		return b.WriteCSV(w)
	}
	return fmt.Errorf("unknown format %q (want table, json or csv)", format)
}
