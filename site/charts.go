package site

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"

	"podium/result"
)

// chartTop is how many submissions a chart shows; the table has them all.
const chartTop = 50

// chartSnippet is one chart for a template: its element and its script.
type chartSnippet struct {
	ID      string
	Title   string
	Caption string
	Element template.HTML
	Script  template.HTML
}

// trackCharts makes a track's charts: score bars, the heat map of mean
// win rates and, with two stages or more, the rank shift.
func trackCharts(rv *roundView, tv *trackView, firstRank map[*result.Submission]int) ([]chartSnippet, error) {
	rows := tv.Board.Rows
	if len(rows) == 0 {
		return nil, nil
	}
	n := min(len(rows), chartTop)
	shown := ""
	if n < len(rows) {
		shown = fmt.Sprintf(" (the top %d of %d; the table holds all)", n, len(rows))
	}
	labels := make([]string, n)
	for i := 0; i < n; i++ {
		labels[i] = strconv.Itoa(rows[i].Rank) + ". " + rows[i].Submission.Team
	}
	var out []chartSnippet

	// Score bars, rank 1 on top.
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: "podium_scores", Width: "100%", Height: strconv.Itoa(80+22*n) + "px"}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{ContainLabel: opts.Bool(true), Left: "8", Right: "48", Top: "8", Bottom: "24"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "score"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), Data: labels}),
	)
	bars := make([]opts.BarData, n)
	for i := 0; i < n; i++ {
		bars[i] = opts.BarData{Value: chartNum(rows[i].Score)}
	}
	bar.AddSeries("score", bars)
	out = append(out, snippet(bar, "podium_scores", "Scores", "Final score by submission"+shown+"."))

	// Heat map: submissions × scenarios, mean win rates.
	r := rv.Round
	if len(r.Scenarios) > 0 {
		names := make([]string, len(r.Scenarios))
		for j, sc := range r.Scenarios {
			names[j] = sc.Name
		}
		hm := charts.NewHeatMap()
		hm.SetGlobalOptions(
			charts.WithInitializationOpts(opts.Initialization{ChartID: "podium_heatmap", Width: "100%", Height: strconv.Itoa(140+22*n) + "px"}),
			charts.WithAnimation(false),
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
			charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
			charts.WithGridOpts(opts.Grid{ContainLabel: opts.Bool(true), Left: "8", Right: "24", Top: "8", Bottom: "60"}),
			charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: names, AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0"}}),
			charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: labels, Inverse: opts.Bool(true)}),
			charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: 0, Max: 1, Orient: "horizontal", Left: "center", Bottom: "0",
				InRange: &opts.VisualMapInRange{Color: []string{"#f7fbff", "#6baed6", "#08306b"}}}),
		)
		var cells []opts.HeatMapData
		for i := 0; i < n; i++ {
			for j, sc := range r.Scenarios {
				v := rows[i].Scenarios[sc.Name]
				if math.IsNaN(v) {
					continue
				}
				cells = append(cells, opts.HeatMapData{Value: [3]any{j, i, round4(v)}})
			}
		}
		hm.AddSeries("mean win rate", cells)
		out = append(out, snippet(hm, "podium_heatmap", "Mean win rate by scenario", "Each cell is a submission's mean win rate on a scenario"+shown+"."))
	}

	// Rank shift from the first stage to the final ranking.
	if len(r.Stages) > 1 {
		top := min(len(rows), 20)
		first := r.Stages[0].Name
		line := charts.NewLine()
		line.SetGlobalOptions(
			charts.WithInitializationOpts(opts.Initialization{ChartID: "podium_rankshift", Width: "100%", Height: "480px"}),
			charts.WithAnimation(false),
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
			charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Orient: "vertical", Right: "0", Top: "16"}),
			charts.WithGridOpts(opts.Grid{ContainLabel: opts.Bool(true), Left: "24", Right: "220", Top: "16", Bottom: "24"}),
			charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: []string{"rank after " + first, "final rank"}}),
			charts.WithYAxisOpts(opts.YAxis{Type: "value", Inverse: opts.Bool(true), Min: 1, Name: "rank"}),
		)
		line.SetXAxis([]string{"rank after " + first, "final rank"})
		for i := 0; i < top; i++ {
			s := rows[i].Submission
			line.AddSeries(labels[i], []opts.LineData{{Value: firstRank[s]}, {Value: rows[i].Rank}})
		}
		caption := fmt.Sprintf("Each line joins a submission's rank on %s alone to its final rank", first)
		if top < len(rows) {
			caption += fmt.Sprintf(" (the final top %d)", top)
		}
		out = append(out, snippet(line, "podium_rankshift", "Rank shift", caption+"."))
	}
	return out, nil
}

// round4 keeps chart data small; tables and downloads hold full values.
func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// chartNum is a chart value; missing is null.
func chartNum(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return round4(v)
}

type snippetRenderer interface {
	Validate()
	RenderSnippet() render.ChartSnippet
}

// snippet renders a chart with go-echarts and makes its script safe:
// go-echarts writes the options as unescaped JSON inside <script>, so a
// team named "</script><script>…" would end the script. Every <, > and &
// inside the script becomes a JSON \u escape; the script's code has none
// outside strings (charts here use no JS functions), so only strings change.
func snippet(c snippetRenderer, id, title, caption string) chartSnippet {
	s := c.RenderSnippet()
	return chartSnippet{ID: id, Title: title, Caption: caption,
		Element: template.HTML(s.Element), Script: template.HTML(escapeScript(s.Script))}
}

// escapeScript escapes <, > and & (and U+2028, U+2029) between a
// script's opening and closing tags.
func escapeScript(s string) string {
	open := strings.Index(s, ">")
	end := strings.LastIndex(s, "</script>")
	if !strings.HasPrefix(strings.TrimSpace(s), "<script") || open < 0 || end < open {
		panic("go-echarts snippet is not one <script> element")
	}
	body := jsEscaper.Replace(s[open+1 : end])
	return s[:open+1] + body + s[end:]
}

var jsEscaper = strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "\u2028", `\u2028`, "\u2029", `\u2029`)
