// Package neurips2023 imports the 2023 LLM Efficiency Challenge organizers'
// ranking files: a JSON array of [submission_id, {metric: value, ...}],
// where each "<Scenario> Mean Win Rate" key closes the metrics of its
// scenario and "Score..." keys hold the published scores.
package neurips2023

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"podium/ranking"
	"podium/result"
)

// Kinds of file, each with the rules its round was ranked by.
const (
	Final  = "final"  // two stages, open 1/3 + hidden 2/3, ties 1/c
	Hidden = "hidden" // one stage over every scenario, ties (c-1)/c
	Open   = "open"   // one stage over the metric groups; ties were broken by file order
)

// Kinds lists the kinds Import takes.
var Kinds = []string{Final, Hidden, Open}

// Entry is one submission's row in a file: values in file order.
type Entry struct {
	ID     string
	Keys   []string
	Values map[string]*float64
}

// File is a parsed ranking file.
type File struct {
	Path    string
	Entries []Entry
}

// Group is a scenario (or metric group) and its metrics, as the file's
// "Mean Win Rate" keys delimit them.
type Group struct {
	Name    string
	Metrics []string
}

const winRateSuffix = " Mean Win Rate"

// Read parses a ranking file, keeping each object's key order.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &File{Path: path}
	dec := json.NewDecoder(bytes.NewReader(data))
	fail := func(format string, a ...any) error {
		off := dec.InputOffset()
		return &result.Error{File: path, Line: 1 + bytes.Count(data[:off], []byte("\n")), Msg: fmt.Sprintf(format, a...)}
	}
	expect := func(want json.Delim) error {
		t, err := dec.Token()
		if err != nil {
			return fail("%v", err)
		}
		if d, ok := t.(json.Delim); !ok || d != want {
			return fail("expected %q, found %v", want, t)
		}
		return nil
	}
	if err := expect('['); err != nil {
		return nil, err
	}
	for dec.More() {
		if err := expect('['); err != nil {
			return nil, err
		}
		var e Entry
		if err := dec.Decode(&e.ID); err != nil {
			return nil, fail("submission id: %v", err)
		}
		if err := expect('{'); err != nil {
			return nil, err
		}
		e.Values = map[string]*float64{}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil, fail("%v", err)
			}
			key := t.(string)
			var v *float64
			if err := dec.Decode(&v); err != nil {
				return nil, fail("%s: value of %q: %v", e.ID, key, err)
			}
			if _, dup := e.Values[key]; dup {
				return nil, fail("%s: duplicate key %q", e.ID, key)
			}
			e.Keys = append(e.Keys, key)
			e.Values[key] = v
		}
		if err := expect('}'); err != nil {
			return nil, err
		}
		if err := expect(']'); err != nil {
			return nil, err
		}
		f.Entries = append(f.Entries, e)
	}
	if err := expect(']'); err != nil {
		return nil, err
	}
	if len(f.Entries) == 0 {
		return nil, &result.Error{File: path, Msg: "no submissions"}
	}
	return f, nil
}

// Groups returns the scenarios of the file's first entry, in file order,
// and checks that every entry has the same keys.
func (f *File) Groups() ([]Group, error) {
	first := f.Entries[0]
	var groups []Group
	var cur []string
	for _, k := range first.Keys {
		switch {
		case strings.HasSuffix(k, winRateSuffix):
			if len(cur) == 0 {
				return nil, &result.Error{File: f.Path, Msg: fmt.Sprintf("%q closes a scenario with no metrics", k)}
			}
			groups = append(groups, Group{Name: strings.TrimSuffix(k, winRateSuffix), Metrics: cur})
			cur = nil
		case isScore(k):
		default:
			cur = append(cur, k)
		}
	}
	if len(cur) > 0 {
		return nil, &result.Error{File: f.Path, Msg: fmt.Sprintf("metrics %q follow the last %q key", cur, winRateSuffix)}
	}
	for _, e := range f.Entries[1:] {
		if strings.Join(e.Keys, "\x00") != strings.Join(first.Keys, "\x00") {
			return nil, &result.Error{File: f.Path, Msg: fmt.Sprintf("submission %q has other keys than %q", e.ID, first.ID)}
		}
	}
	return groups, nil
}

func isScore(k string) bool { return k == "Score" || strings.HasPrefix(k, "Score_") }

// LowerIsBetter reports the direction of a metric of these files: HELM's
// bias metrics (stereotypes, representation) are lower-is-better.
func LowerIsBetter(metric string) bool {
	return strings.Contains(metric, "Stereotypes") || strings.Contains(metric, "Representation")
}

// Holdouts are the hidden evaluation's secret scenarios: rounds made from
// these files mark them `secret = true`, as the bundled hidden suite marks
// their tasks, so that results scored into them keep their data off the site.
var Holdouts = []string{"sam_sum", "corr2cause", "MATH", "ethics"}

// finalStages are the 2023 final round's stages.
var finalStages = []result.Stage{
	{Name: "open", Weight: 1.0 / 3, Scenarios: []string{"MMLU", "TruthfulQA", "BIG-bench", "GSM8K", "BBQ"}},
	{Name: "hidden", Weight: 2.0 / 3, Scenarios: Holdouts},
}

// Round builds the round definition of a file of the given kind.
func Round(f *File, kind, id, track string) (*result.Round, error) {
	groups, err := f.Groups()
	if err != nil {
		return nil, err
	}
	r := &result.Round{ID: id, Aggregation: ranking.Geometric, Tracks: []result.Track{{ID: track, Name: track}}}
	var names []string
	for _, g := range groups {
		sc := result.Scenario{Name: g.Name, Secret: slices.Contains(Holdouts, g.Name)}
		for _, m := range g.Metrics {
			sc.Metrics = append(sc.Metrics, result.Metric{Name: m, LowerIsBetter: LowerIsBetter(m)})
		}
		r.Scenarios = append(r.Scenarios, sc)
		names = append(names, g.Name)
	}
	switch kind {
	case Final:
		r.Title = "NeurIPS 2023 final round"
		r.Rule = string(ranking.Final)
		r.Stages = finalStages
		for _, st := range finalStages {
			for _, name := range st.Scenarios {
				if r.Scenario(name) == nil {
					return nil, &result.Error{File: f.Path, Msg: fmt.Sprintf("a final-round file must have scenario %q (found %q)", name, names)}
				}
			}
		}
	case Hidden:
		r.Title = "NeurIPS 2023 hidden round"
		r.Rule = string(ranking.Hidden)
		r.Stages = []result.Stage{{Name: "hidden", Weight: 1, Scenarios: names}}
	case Open:
		r.Title = "NeurIPS 2023 open round"
		r.Rule = string(ranking.Hidden)
		r.Note = "The organizers broke ties in this round by file order, so these scores approximate the published ones."
		r.Stages = []result.Stage{{Name: "open", Weight: 1, Scenarios: names}}
	default:
		return nil, fmt.Errorf("unknown kind %q (want final, hidden or open)", kind)
	}
	return r, nil
}

// Submissions turns the file's entries into results for one track.
func Submissions(f *File, r *result.Round, track string) ([]*result.Submission, error) {
	seen := map[string]bool{}
	var subs []*result.Submission
	for _, e := range f.Entries {
		if !result.ValidID(e.ID) {
			return nil, &result.Error{File: f.Path, Msg: fmt.Sprintf("submission id %q cannot name a file", e.ID)}
		}
		if seen[e.ID] {
			return nil, &result.Error{File: f.Path, Msg: fmt.Sprintf("duplicate submission %q", e.ID)}
		}
		seen[e.ID] = true
		s := &result.Submission{ID: e.ID, Team: team(e.ID), Track: track,
			Run: &result.Run{Imported: filepath.Base(f.Path)}}
		for _, sc := range r.Scenarios {
			sr := result.ScenarioResult{Name: sc.Name}
			for _, m := range sc.Metrics {
				v, ok := e.Values[m.Name]
				if !ok {
					return nil, &result.Error{File: f.Path, Msg: fmt.Sprintf("submission %q lacks metric %q of round %q", e.ID, m.Name, r.ID)}
				}
				mv := result.MetricValue{Name: m.Name, Value: v, LowerIsBetter: m.LowerIsBetter}
				if v == nil {
					mv.Error = "not produced"
				}
				sr.Metrics = append(sr.Metrics, mv)
			}
			s.Scenarios = append(s.Scenarios, sr)
		}
		subs = append(subs, s)
	}
	return subs, nil
}

// team is the GitHub account an ID starts with (the 2023 IDs are
// <account>_<repository>_<path>; accounts cannot hold '_').
func team(id string) string {
	if i := strings.IndexByte(id, '_'); i > 0 {
		return id[:i]
	}
	return id
}

// Import reads a file and writes, under root, the round definition (when
// absent) and one results file per submission. It checks everything first:
// nothing is written when the input is bad. It returns the written paths.
func Import(path, kind, roundID, track, root string) ([]string, error) {
	if !result.ValidID(roundID) || !result.ValidID(track) {
		return nil, fmt.Errorf("round %q and track %q must be IDs (letters, digits, '.', '_', '-')", roundID, track)
	}
	f, err := Read(path)
	if err != nil {
		return nil, err
	}
	r, err := Round(f, kind, roundID, track)
	if err != nil {
		return nil, err
	}
	roundPath := filepath.Join(result.Dir(root, roundID), result.RoundFile)
	writeRound := true
	if existing, err := result.ReadRound(roundPath); err == nil {
		if !existing.HasTrack(track) {
			return nil, &result.Error{File: roundPath, Msg: fmt.Sprintf("unknown track %q", track)}
		}
		for _, sc := range r.Scenarios {
			if existing.Scenario(sc.Name) == nil {
				return nil, &result.Error{File: roundPath, Msg: fmt.Sprintf("the round has no scenario %q, which %s has", sc.Name, path)}
			}
		}
		r, writeRound = existing, false
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	subs, err := Submissions(f, r, track)
	if err != nil {
		return nil, err
	}
	var written []string
	if writeRound {
		if err := result.WriteFile(roundPath, r); err != nil {
			return nil, err
		}
		written = append(written, roundPath)
	}
	for _, s := range subs {
		p := result.Path(root, roundID, track, s.ID)
		if err := result.WriteFile(p, s); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}
