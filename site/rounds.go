package site

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"podium/ranking"
	"podium/result"
)

// roundView is a round ready for templates.
type roundView struct {
	Round       *result.Round
	Dir         string // "rounds/<id>/"
	Tracks      []*trackView
	Scenarios   []*scenarioView
	Pages       []*contentPage // content/rounds/<id>/ pages
	Current     bool
	Archived    bool // older than the current round
	Description template.HTML
	Note        template.HTML
	Formula     string
	RuleName    string
	Table       *table // stages, scenarios and metrics
	metricIdx   map[metricKey]int
	nMetrics    int
	labels      []string // "scenario / metric", in the round's metric order
}

func (rv *roundView) count() int {
	n := 0
	for _, t := range rv.Tracks {
		n += len(t.Board.Rows)
	}
	return n
}

// Title is the round's title, or its ID.
func (rv *roundView) Title() string {
	if rv.Round.Title != "" {
		return rv.Round.Title
	}
	return rv.Round.ID
}

// trackView is one track's board and its pages.
type trackView struct {
	Track       result.Track
	Board       *ranking.Board
	Dir         string // "rounds/<id>/tracks/<track>/"
	Table       *table
	Charts      []chartSnippet
	Subs        []*subView    // in rank order
	Winners     []ranking.Row // by the round's [winners] rule
	HasRepro    bool
	HasHardware bool
	HasEff      bool
	winIdx      []int                      // see winIndex
	firstRank   map[*result.Submission]int // ranks after the first stage
}

// Name is the track's name, or its ID.
func (tv *trackView) Name() string {
	if tv.Track.Name != "" {
		return tv.Track.Name
	}
	return tv.Track.ID
}

// subView is one submission's page.
type subView struct {
	Row            *ranking.Row
	Sub            *result.Submission
	Dir            string // the track's submissions/ folder
	File           string // "<id>.html": one file per submission, no folder
	Description    template.HTML
	FirstStageRank int // 0 when the round has fewer than 2 stages
	Stages         *table
	Results        *table
	Predictions    string    // URL of the published predictions, if any
	Vals           []float64 // raw values in the round's metric order
	link           string    // URL of the page
	rankCell       cell      // Row.Rank as a cell
	scoreTexts     numTexts  // Row.Score, then its stage scores if the round has stages
	valTexts       numTexts  // Vals formatted, once for every page
	means          []float64 // mean win rates, in the round's scenario order
	meanTexts      numTexts  // means formatted
	cells          []cell    // what Results' rows are cut from, while it lives
}

// numTexts is numbers as pages show them and in full, as numCell makes
// them (NaN gives empty texts), in one string: a round's thousands of
// submissions would otherwise allocate two strings per value.
type numTexts struct {
	all  string
	ends []uint32 // per number: the end of its text, then of its full form
}

func formatNums(vs []float64) numTexts {
	n := numTexts{ends: make([]uint32, 0, 2*len(vs))}
	var stack [1024]byte
	b := stack[:0]
	for _, v := range vs {
		if !math.IsNaN(v) {
			b = strconv.AppendFloat(b, v, 'f', 4, 64)
			n.ends = append(n.ends, uint32(len(b)))
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		} else {
			n.ends = append(n.ends, uint32(len(b)))
		}
		n.ends = append(n.ends, uint32(len(b)))
	}
	n.all = string(b)
	return n
}

// text is number i as pages show it.
func (n numTexts) text(i int) string {
	start := uint32(0)
	if i > 0 {
		start = n.ends[2*i-1]
	}
	return n.all[start:n.ends[2*i]]
}

// full is number i in full.
func (n numTexts) full(i int) string { return n.all[n.ends[2*i]:n.ends[2*i+1]] }

// cell is numCell(v) for v, number i.
func (n numTexts) cell(v float64, i int) cell {
	if math.IsNaN(v) {
		return numCell(v)
	}
	return cell{Text: n.text(i), Value: n.full(i), Num: v, Class: "num"}
}

// meanCell is numCell of the mean win rate of the round's j'th scenario.
func (sv *subView) meanCell(j int) cell { return sv.meanTexts.cell(sv.means[j], j) }

// valCell is numCell(sv.Vals[k]), from the texts made once.
func (sv *subView) valCell(k int) cell { return sv.valTexts.cell(sv.Vals[k], k) }

// scenarioView is one scenario's page.
type scenarioView struct {
	Scenario    result.Scenario
	Slug        string
	Dir         string
	Stage       string
	Description template.HTML // empty for secret scenarios
	Tables      []*table      // one per track
	Offset      int           // index of its first metric in the round's order
	Index       int           // its place among the round's scenarios
	link        cell          // its name, linked to the page
}

func (b *builder) rankRound(r *result.Round) (*roundView, error) {
	rv := &roundView{Round: r, Dir: "rounds/" + r.ID + "/", Current: r == b.site.Current}
	for i, x := range b.site.Rounds {
		if x == r {
			for _, y := range b.site.Rounds[i+1:] {
				if y == b.site.Current {
					rv.Archived = true
				}
			}
		}
	}
	rv.RuleName = r.Rule
	// Tracks are ranked on their own: on every core.
	boards := make([]*ranking.Board, len(r.Tracks))
	errs := make([]error, len(r.Tracks))
	parallel(len(r.Tracks), func(i int) error {
		boards[i], errs[i] = ranking.Rank(r, r.Tracks[i].ID, r.Results[r.Tracks[i].ID])
		return nil
	})
	for i, t := range r.Tracks {
		if errs[i] != nil { // the first failing track in the round's order
			return nil, fmt.Errorf("%s: track %s: %w", r.Path, t.ID, errs[i])
		}
		board := boards[i]
		if rv.Formula == "" {
			rv.Formula = board.Formula()
		}
		tv := &trackView{Track: t, Board: board, Dir: rv.Dir + "tracks/" + t.ID + "/", Winners: ranking.RoundWinners(board)}
		for _, row := range board.Rows {
			s := row.Submission
			tv.HasRepro = tv.HasRepro || s.Reproduction != nil
			tv.HasHardware = tv.HasHardware || s.Hardware != nil
			tv.HasEff = tv.HasEff || s.Efficiency != nil
		}
		rv.Tracks = append(rv.Tracks, tv)
	}
	if rv.Formula == "" {
		b := &ranking.Board{Round: r, Rule: ranking.Rule(r.Rule), Aggregation: r.Aggregation}
		rv.Formula = b.Formula()
	}
	rv.metricIdx = map[metricKey]int{}
	slugs := map[string]bool{}
	for j, sc := range r.Scenarios {
		slug := slugify(sc.Name)
		for base, n := slug, 2; slugs[slug]; n++ {
			slug = base + "-" + strconv.Itoa(n)
		}
		slugs[slug] = true
		sv := &scenarioView{Scenario: sc, Slug: slug, Dir: rv.Dir + "scenarios/" + slug + "/", Offset: rv.nMetrics, Index: j}
		sv.link = linkCell(sc.Name, b.site.BasePath+sv.Dir)
		for _, m := range sc.Metrics {
			rv.metricIdx[metricKey{sc.Name, m.Name}] = rv.nMetrics
			rv.labels = append(rv.labels, sc.Name+" / "+m.Name)
			rv.nMetrics++
		}
		for _, st := range r.Stages {
			for _, name := range st.Scenarios {
				if name == sc.Name {
					sv.Stage = st.Name
				}
			}
		}
		rv.Scenarios = append(rv.Scenarios, sv)
	}
	return rv, nil
}

// slugify makes a path segment of a name.
func slugify(s string) string {
	var sb strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '.' {
			if r == '.' && sb.Len() == 0 {
				continue
			}
			sb.WriteRune(r)
			dash = false
		} else if !dash && sb.Len() > 0 {
			sb.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(sb.String(), "-")
	if out == "" {
		out = "scenario"
	}
	return out
}

func (b *builder) renderRound(rv *roundView) error {
	r := rv.Round
	bp := b.site.BasePath
	var err error
	if rv.Description, err = b.trusted(r.Path, r.Description); err != nil {
		return err
	}
	if rv.Note, err = b.trusted(r.Path, r.Note); err != nil {
		return err
	}
	// The round's scenario table.
	rv.Table = &table{ID: "scenarios", Caption: "Stages, scenarios and metrics", Columns: []column{
		{Name: "stage"}, {Name: "weight", Num: true}, {Name: "scenario"}, {Name: "secret"}, {Name: "metric"}, {Name: "better"},
	}}
	for _, sv := range rv.Scenarios {
		w := math.NaN()
		for _, st := range r.Stages {
			if st.Name == sv.Stage {
				w = st.Weight
			}
		}
		for _, m := range sv.Scenario.Metrics {
			better := "higher"
			if m.LowerIsBetter {
				better = "lower"
			}
			rv.Table.Rows = append(rv.Table.Rows, []cell{
				textCell(sv.Stage), numCell(w), linkCell(sv.Scenario.Name, bp+sv.Dir), textCell(yesNo(sv.Scenario.Secret)),
				textCell(m.Name), textCell(better),
			})
		}
	}
	if err := b.putTable(rv.Dir, rv.Table); err != nil {
		return err
	}
	// Every track's submissions and values first: scenario pages show them
	// all. Then every page of the round on every core. No leaderboard comes
	// last, so that no core waits for one at the end; nor do they come all
	// at once: each holds megabytes (its page and downloads) while it
	// renders, and the garbage collector's target doubles what is live.
	for _, tv := range rv.Tracks {
		b.prepareTrack(rv, tv)
	}
	var jobs []func() error
	for _, sv := range rv.Scenarios {
		jobs = append(jobs, func() error { return b.renderScenario(rv, sv) })
	}
	// Submission pages track by track in turn: each track's folder has a
	// writer of its own (see output), and all of them keep busy.
	for i := 0; ; i++ {
		more := false
		for _, tv := range rv.Tracks {
			if i < len(tv.Subs) {
				sv := tv.Subs[i]
				jobs = append(jobs, func() error { return b.renderSubmission(rv, tv, sv) })
				more = true
			}
		}
		if !more {
			break
		}
	}
	for k, tv := range slices.Backward(rv.Tracks) {
		at := k * len(jobs) / max(len(rv.Tracks), 1)
		jobs = slices.Insert(jobs, at, func() error { return b.renderLeaderboard(rv, tv) })
	}
	if err := parallel(len(jobs), func(i int) error { return jobs[i]() }); err != nil {
		return err
	}
	return b.renderRoundPages(rv)
}

// renderRoundPages writes the round's overview and its content pages.
func (b *builder) renderRoundPages(rv *roundView) error {
	var body template.HTML
	var src *source
	for _, p := range rv.Pages {
		if p.Out == rv.Dir+"index.html" {
			body, src = p.Body, &p.src
		}
	}
	for _, p := range rv.Pages {
		if p.Out == rv.Dir+"index.html" {
			continue
		}
		out, err := b.renderContentPage(p, rv)
		if err != nil {
			return err
		}
		if err := b.put(p.Out, out, &p.src); err != nil {
			return err
		}
	}
	pd := b.pageData(rv.Title(), rv.Dir, rv)
	pd.Body = body
	pd.Math = hasMath(string(body))
	out, err := b.tpl.execute("round", pd)
	if err != nil {
		return err
	}
	return b.put(rv.Dir+"index.html", out, src)
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// metricKey names a metric of a round.
type metricKey struct{ scenario, metric string }

// values returns a submission's raw values in the round's metric order
// (scenario by scenario); missing values are NaN.
func (rv *roundView) values(s *result.Submission) []float64 {
	vals := make([]float64, rv.nMetrics)
	for i := range vals {
		vals[i] = math.NaN()
	}
	for _, sc := range s.Scenarios {
		for _, mv := range sc.Metrics {
			if k, ok := rv.metricIdx[metricKey{sc.Name, mv.Name}]; ok && mv.Value != nil {
				vals[k] = *mv.Value
			}
		}
	}
	return vals
}

// rowScores is a board row's score, then its stage scores if the round
// has more than one stage, as the leaderboard's columns after the base
// model show them.
func rowScores(r *result.Round, row *ranking.Row) []float64 {
	if len(r.Stages) < 2 {
		return []float64{row.Score}
	}
	v := make([]float64, 0, 1+len(r.Stages))
	v = append(v, row.Score)
	for _, st := range r.Stages {
		v = append(v, row.Stages[st.Name])
	}
	return v
}

// errors is the error text of each of a submission's values, in the
// round's metric order; nil if it has none. Only its own page shows them,
// so they are not kept beside Vals.
func (rv *roundView) errors(s *result.Submission) []string {
	var errs []string
	for _, sc := range s.Scenarios {
		for _, mv := range sc.Metrics {
			k, ok := rv.metricIdx[metricKey{sc.Name, mv.Name}]
			if ok && errs == nil && mv.Error != "" {
				errs = make([]string, rv.nMetrics)
			}
			if ok && errs != nil {
				errs[k] = mv.Error
			}
		}
	}
	return errs
}

// winIndex maps the round's metrics, in order, to their places in a
// board's win rates; -1 where the board has no such metric.
func winIndex(rv *roundView, board *ranking.Board) []int {
	idx := make([]int, rv.nMetrics)
	for i := range idx {
		idx[i] = -1
	}
	for k := len(board.Metrics) - 1; k >= 0; k-- { // the first match wins
		m := board.Metrics[k]
		if i, ok := rv.metricIdx[metricKey{m.Scenario, m.Name}]; ok {
			idx[i] = k
		}
	}
	return idx
}

// prepareTrack lays out a track's submissions in rank order with their
// raw values.
func (b *builder) prepareTrack(rv *roundView, tv *trackView) {
	r := rv.Round
	board := tv.Board
	// First-stage ranks, for the rank-shift chart and submission pages.
	tv.firstRank = map[*result.Submission]int{}
	if len(r.Stages) > 1 {
		tv.firstRank = stageRanks(board, r.Stages[0].Name)
	}
	tv.Subs = make([]*subView, len(board.Rows))
	dir := tv.Dir + "submissions/"
	for i := range board.Rows {
		row := &board.Rows[i]
		s := row.Submission
		tv.Subs[i] = &subView{Row: row, Sub: s, Dir: dir, File: s.ID + ".html", FirstStageRank: tv.firstRank[s]}
	}
	// Each value shows on several pages: format it once.
	parallel(len(tv.Subs), func(i int) error {
		sv := tv.Subs[i]
		sv.Vals = rv.values(sv.Sub)
		sv.link = b.site.BasePath + sv.Dir + sv.File
		sv.rankCell = intCell(sv.Row.Rank)
		sv.scoreTexts = formatNums(rowScores(r, sv.Row))
		sv.valTexts = formatNums(sv.Vals)
		sv.means = make([]float64, len(r.Scenarios))
		for j, sc := range r.Scenarios {
			sv.means[j] = sv.Row.Scenarios[sc.Name]
		}
		sv.meanTexts = formatNums(sv.means)
		return nil
	})
	tv.winIdx = winIndex(rv, board)
}

// renderLeaderboard writes a track's leaderboard page, its downloads and
// charts.
func (b *builder) renderLeaderboard(rv *roundView, track *trackView) error {
	r := rv.Round
	bp := b.site.BasePath
	board := track.Board
	// The page's own view: other pages read track at the same time.
	tv := new(trackView)
	*tv = *track
	t := &table{ID: "leaderboard", Caption: tv.Name() + " leaderboard"}
	t.Columns = []column{{Name: "rank", Num: true}, {Name: "team"}, {Name: "submission"}, {Name: "base model"}, {Name: "score", Num: true, Title: rv.Formula}}
	if len(r.Stages) > 1 {
		for _, st := range r.Stages {
			t.Columns = append(t.Columns, column{Name: st.Name, Num: true, Title: "stage score, weight " + fullNum(st.Weight)})
		}
	}
	for _, sc := range r.Scenarios {
		title := "mean win rate"
		if sc.Secret {
			title += " (secret holdout)"
		}
		t.Columns = append(t.Columns, column{Name: sc.Name, Num: true, Title: title})
	}
	if tv.HasRepro {
		t.Columns = append(t.Columns, column{Name: "reproduction"})
	}
	if tv.HasHardware {
		t.Columns = append(t.Columns, column{Name: "gpu"}, column{Name: "gpu memory GiB", Num: true})
	}
	if tv.HasEff {
		t.Columns = append(t.Columns, column{Name: "tokens/s", Num: true}, column{Name: "J/instance", Num: true}, column{Name: "peak memory MiB", Num: true})
	}
	t.Columns = append(t.Columns, column{Name: "raw metrics"})

	// The rows are made as they are written, each into the same scratch
	// row: a leaderboard's thousands of rows of cells would otherwise be
	// live at once, and the garbage collector's target doubles that.
	subs := tv.Subs
	var details []detail // the raw metrics of the row being written
	metricsText := strconv.Itoa(rv.nMetrics) + " metrics"
	t.n = len(board.Rows)
	t.gen = func(i int, row []cell) {
		br := &board.Rows[i]
		s := br.Submission
		sv := subs[i]
		cells := append(row[:0], sv.rankCell, linkCell(s.Team, sv.link), linkCell(s.ID, sv.link), textCell(s.BaseModel))
		cells = append(cells, sv.scoreTexts.cell(br.Score, 0))
		if len(r.Stages) > 1 {
			for k, st := range r.Stages {
				cells = append(cells, sv.scoreTexts.cell(br.Stages[st.Name], 1+k))
			}
		}
		for j, m := range sv.means {
			cells = append(cells, sv.meanTexts.cell(m, j))
		}
		if tv.HasRepro {
			cells = append(cells, reproCell(s.Reproduction))
		}
		if tv.HasHardware {
			if h := s.Hardware; h != nil {
				c := textCell(h.Name)
				if !h.Eligible {
					c.Text += " (not eligible)"
					c.Value = c.Text
				}
				cells = append(cells, c, numCell(h.MemoryGiB))
			} else {
				cells = append(cells, textCell(""), numCell(math.NaN()))
			}
		}
		if tv.HasEff {
			if e := s.Efficiency; e != nil {
				cells = append(cells, numCell(e.TokensPerSecond), numCell(e.JoulesPerInstance), numCell(e.PeakMemoryMiB))
			} else {
				cells = append(cells, numCell(math.NaN()), numCell(math.NaN()), numCell(math.NaN()))
			}
		}
		details = details[:0]
		for k, v := range sv.Vals {
			text := "missing"
			if !math.IsNaN(v) {
				text = sv.valTexts.full(k)
			}
			details = append(details, detail{rv.labels[k], text})
		}
		cells = append(cells, cell{Text: metricsText, Value: metricsText, Num: math.NaN(), Details: details})
		if len(cells) != len(row) || &cells[0] != &row[0] {
			panic("leaderboard: a row's cells do not match its columns")
		}
	}
	tv.Table = t
	if err := b.put(tv.Dir+"leaderboard.csv", leaderboardCSV(t, rv.Round), nil); err != nil {
		return err
	}
	if err := b.put(tv.Dir+"leaderboard.json", leaderboardJSON(rv, tv), nil); err != nil {
		return err
	}
	t.CSV, t.JSON = bp+tv.Dir+"leaderboard.csv", bp+tv.Dir+"leaderboard.json"

	charts, err := trackCharts(rv, tv, tv.firstRank)
	if err != nil {
		return err
	}
	tv.Charts = charts
	pd := b.pageData(tv.Name()+" · "+rv.Title(), tv.Dir, rv)
	pd.Track = tv
	pd.Charts = len(charts) > 0
	pd.splice = []*table{t}
	pd.size = 64 << 10
	for _, c := range charts {
		pd.size += len(c.Element) + len(c.Script)
	}
	out, err := b.tpl.execute("leaderboard", pd)
	if err != nil {
		return err
	}
	return b.put(tv.Dir+"index.html", out, nil)
}

// renderSubmission writes one submission's page; its tables are dropped
// after, to keep memory flat.
func (b *builder) renderSubmission(rv *roundView, tv *trackView, sv *subView) error {
	if err := b.fillSubmission(rv, tv, sv); err != nil {
		return err
	}
	if err := b.publishPredictions(rv, sv); err != nil {
		return err
	}
	pd := b.pageData(sv.Sub.Team+" · "+tv.Name(), sv.Dir+sv.File, rv)
	pd.Track, pd.Sub = tv, sv
	pd.splice = []*table{sv.Results}
	if sv.Stages != nil {
		pd.splice = append(pd.splice, sv.Stages)
	}
	out, err := b.tpl.execute("submission", pd)
	if err != nil {
		return err
	}
	putCells(sv.cells)
	sv.Stages, sv.Results, sv.cells = nil, nil, nil
	return b.out.putPage(sv.Dir+sv.File, out, nil)
}

// cellPool keeps the cells of submission pages' tables between pages, as
// *[]cell: thousands of pages would otherwise allocate them each.
var cellPool sync.Pool

// getCells returns n cells, to be overwritten whole.
func getCells(n int) []cell {
	if p, ok := cellPool.Get().(*[]cell); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]cell, n)
}

// putCells gives back cells from getCells, no longer used.
func putCells(cells []cell) {
	if cells != nil {
		cellPool.Put(&cells)
	}
}

func reproCell(rp *result.Reproduction) cell {
	if rp == nil {
		return cell{Text: "", Num: math.NaN()}
	}
	c := textCell(rp.Status)
	c.Class = "repro repro-" + slugify(rp.Status)
	switch rp.Status {
	case result.Reproduced:
		c.Text = "✓ reproduced"
	case result.Failed:
		c.Text = "✗ failed"
	case result.Pending:
		c.Text = "… pending"
	}
	for _, why := range rp.Reasons {
		c.Details = append(c.Details, detail{"reason", why})
	}
	return c
}

// stageRanks ranks a board's rows by one stage's score (competition
// ranking; ties broken by submission ID, as the board is).
func stageRanks(board *ranking.Board, stage string) map[*result.Submission]int {
	rows := make([]*ranking.Row, len(board.Rows))
	for i := range board.Rows {
		rows[i] = &board.Rows[i]
	}
	sort.SliceStable(rows, func(a, c int) bool {
		sa, sc := rows[a].Stages[stage], rows[c].Stages[stage]
		if sa != sc {
			return sa > sc || math.IsNaN(sc)
		}
		return rows[a].Submission.ID < rows[c].Submission.ID
	})
	ranks := map[*result.Submission]int{}
	for i, row := range rows {
		rank := i + 1
		if i > 0 && row.Stages[stage] == rows[i-1].Stages[stage] {
			rank = ranks[rows[i-1].Submission]
		}
		ranks[row.Submission] = rank
	}
	return ranks
}

// fillSubmission builds a submission page's tables.
func (b *builder) fillSubmission(rv *roundView, tv *trackView, sv *subView) error {
	r := rv.Round
	s := sv.Sub
	if s.Description != "" {
		html, err := b.md.Untrusted([]byte(s.Description))
		if err != nil {
			return fmt.Errorf("%s: description: %w", s.Path, err)
		}
		sv.Description = template.HTML(html)
	}
	if len(r.Stages) > 1 {
		sv.Stages = &table{ID: "stages", Caption: "Stage scores", Columns: []column{{Name: "stage"}, {Name: "weight", Num: true}, {Name: "score", Num: true}}}
		for _, st := range r.Stages {
			sv.Stages.Rows = append(sv.Stages.Rows, []cell{textCell(st.Name), numCell(st.Weight), numCell(sv.Row.Stages[st.Name])})
		}
	}
	t := &table{ID: "results", Caption: "Raw metrics and win rates", Columns: []column{
		{Name: "scenario"}, {Name: "mean win rate", Num: true}, {Name: "metric"}, {Name: "better"}, {Name: "value", Num: true}, {Name: "win rate", Num: true}, {Name: "error"},
	}}
	t.Rows = make([][]cell, 0, rv.nMetrics)
	cells := getCells(7 * rv.nMetrics) // one slice for all the rows
	sv.cells = cells
	wins := make([]float64, rv.nMetrics)
	for k := range wins {
		wins[k] = math.NaN()
		if w := tv.winIdx[k]; w >= 0 && w < len(sv.Row.WinRates) {
			wins[k] = sv.Row.WinRates[w]
		}
	}
	winTexts := formatNums(wins)
	errs := rv.errors(sv.Sub)
	k := 0
	for j, sc := range r.Scenarios {
		link := rv.Scenarios[j].link
		mean := sv.meanCell(j)
		for _, m := range sc.Metrics {
			v, errText := sv.Vals[k], ""
			if errs != nil {
				errText = errs[k]
			}
			better := "higher"
			if m.LowerIsBetter {
				better = "lower"
			}
			val := sv.valCell(k)
			val.Text = val.Value
			if math.IsNaN(v) {
				val.Text = "missing"
			}
			win := winTexts.cell(wins[k], k)
			row := cells[7*k : 7*k+7 : 7*k+7]
			row[0], row[1], row[2], row[3], row[4], row[5], row[6] = link, mean, textCell(m.Name), textCell(better), val, win, textCell(errText)
			t.Rows = append(t.Rows, row)
			k++
		}
	}
	sv.Results = t
	for _, t := range []*table{sv.Stages, sv.Results} {
		if t != nil {
			t.inline(s.ID + "-" + t.ID)
		}
	}
	return nil
}

func (b *builder) renderScenario(rv *roundView, sv *scenarioView) error {
	r := rv.Round
	if !sv.Scenario.Secret {
		var err error
		if sv.Description, err = b.trusted(r.Path, sv.Scenario.Description); err != nil {
			return err
		}
	}
	// The page's own view, so that its tables go with it.
	view := new(scenarioView)
	*view = *sv
	sv = view
	for _, tv := range rv.Tracks {
		t := &table{ID: tv.Track.ID, Caption: tv.Name()}
		t.Columns = []column{{Name: "rank", Num: true}, {Name: "team"}, {Name: "submission"}, {Name: "mean win rate", Num: true}}
		for _, m := range sv.Scenario.Metrics {
			t.Columns = append(t.Columns, column{Name: m.Name, Num: true})
		}
		subs, metrics := tv.Subs, len(sv.Scenario.Metrics)
		t.n = len(subs)
		t.gen = func(i int, row []cell) {
			sub := subs[i]
			row[0], row[1], row[2], row[3] = sub.rankCell, linkCell(sub.Sub.Team, sub.link), linkCell(sub.Sub.ID, sub.link), sub.meanCell(sv.Index)
			for k := range metrics {
				row[4+k] = sub.valCell(sv.Offset + k)
			}
		}
		if err := b.putTable(sv.Dir, t); err != nil {
			return err
		}
		sv.Tables = append(sv.Tables, t)
	}
	pd := b.pageData(sv.Scenario.Name+" · "+rv.Title(), sv.Dir, rv)
	pd.Scenario = sv
	pd.splice = sv.Tables
	out, err := b.tpl.execute("scenario", pd)
	if err != nil {
		return err
	}
	return b.put(sv.Dir+"index.html", out, nil)
}

// leaderboardJSON is a board in rank order, in the form of
// `podium leaderboard --format json` plus the identity and raw values.
func leaderboardJSON(rv *roundView, tv *trackView) []byte {
	var sb bytes.Buffer
	buf := jsonWriter{&sb}
	r := rv.Round
	sb.Grow(len(tv.Board.Rows) * (256 + 24*(len(r.Stages)+len(r.Scenarios)) + 32*rv.nMetrics))
	sb.WriteString("[")
	for i, row := range tv.Board.Rows {
		if i > 0 {
			sb.WriteString(",")
		}
		s := row.Submission
		sb.WriteString("\n  {\"rank\": " + strconv.Itoa(row.Rank))
		sb.WriteString(", \"submission\": ")
		buf.str(s.ID)
		sb.WriteString(", \"team\": ")
		buf.str(s.Team)
		sb.WriteString(", \"base_model\": ")
		buf.str(s.BaseModel)
		sb.WriteString(", \"score\": " + jsonNum(row.Score))
		sb.WriteString(", \"stages\": {")
		for k, st := range r.Stages {
			if k > 0 {
				sb.WriteString(", ")
			}
			buf.str(st.Name)
			sb.WriteString(": " + jsonNum(row.Stages[st.Name]))
		}
		sb.WriteString("}, \"scenarios\": {")
		for k, sc := range r.Scenarios {
			if k > 0 {
				sb.WriteString(", ")
			}
			buf.str(sc.Name)
			sb.WriteString(": " + jsonNum(row.Scenarios[sc.Name]))
		}
		sb.WriteString("}, \"metrics\": {")
		sub := tv.Subs[i]
		n := 0
		for k, sc := range r.Scenarios {
			if k > 0 {
				sb.WriteString(", ")
			}
			buf.str(sc.Name)
			sb.WriteString(": {")
			for j, m := range sc.Metrics {
				if j > 0 {
					sb.WriteString(", ")
				}
				buf.str(m.Name)
				sb.WriteString(": ")
				if v := sub.Vals[n]; math.IsNaN(v) || math.IsInf(v, 0) {
					sb.WriteString(jsonNum(v)) // null
				} else {
					sb.WriteString(sub.valTexts.full(n)) // as jsonNum formats it, made once
				}
				n++
			}
			sb.WriteString("}")
		}
		sb.WriteString("}")
		if s.Reproduction != nil {
			sb.WriteString(", \"reproduction\": ")
			buf.str(s.Reproduction.Status)
		}
		sb.WriteString("}")
	}
	sb.WriteString("\n]\n")
	return sb.Bytes()
}

// jsonWriter writes JSON strings with <, > and & escaped.
type jsonWriter struct{ buf *bytes.Buffer }

func (w jsonWriter) str(s string) { writeJSONString(w.buf, s) }

// leaderboardCSV is the table's CSV with the raw metrics spread into one
// column per metric ("scenario/metric"), empty when missing.
func leaderboardCSV(t *table, r *result.Round) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	last := len(t.Columns) - 1 // the raw metrics column
	head := make([]string, 0, last+8)
	for _, c := range t.Columns[:last] {
		head = append(head, c.Name)
	}
	for _, sc := range r.Scenarios {
		for _, m := range sc.Metrics {
			head = append(head, sc.Name+"/"+m.Name)
		}
	}
	w.Write(head)
	rec := make([]string, 0, len(head))
	for _, row := range t.rows() {
		rec = rec[:0]
		for _, c := range row[:last] {
			rec = append(rec, c.Value)
		}
		for _, d := range row[last].Details {
			v := d.Value
			if v == "missing" {
				v = ""
			}
			rec = append(rec, v)
		}
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}
