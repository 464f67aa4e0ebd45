package result

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/BurntSushi/toml"

	"podium/internal/fileio"
)

// RoundFile is the name of a round's definition inside its folder.
const RoundFile = "round.toml"

// Dir returns the folder of a round's results under a project root.
func Dir(root, round string) string { return filepath.Join(root, "results", round) }

// Path returns where a submission's results live under a project root.
func Path(root, round, track, id string) string {
	return filepath.Join(root, "results", round, track, id+".toml")
}

// Error is a problem in one input file, with its line when known.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// DecodeStrict decodes TOML into v, rejecting unknown keys; errors are
// *Error values naming path and line.
func DecodeStrict(path string, data []byte, v any) error {
	md, err := toml.Decode(string(data), v)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return &Error{File: path, Line: pe.Position.Line, Msg: pe.Message}
		}
		if m := typeErr.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &Error{File: path, Line: line, Msg: fmt.Sprintf("field %q: %s", m[2], m[3])}
		}
		return &Error{File: path, Msg: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		return &Error{File: path, Line: LineOfKey(data, k[len(k)-1]), Msg: fmt.Sprintf("unknown key %q", k.String())}
	}
	return nil
}

// typeErr matches BurntSushi/toml's decoding errors, which carry a line.
var typeErr = regexp.MustCompile(`^toml: line (\d+) \(last key "(.*)"\): (.*)$`)

// LineOfKey finds the first line that sets or opens key; 0 when not found.
func LineOfKey(data []byte, key string) int {
	re := regexp.MustCompile(`^\s*(\[\[?\s*)?("?` + regexp.QuoteMeta(key) + `"?)\s*(=|\]|\.)`)
	for i, line := range bytes.Split(data, []byte("\n")) {
		if re.Match(line) {
			return i + 1
		}
	}
	return 0
}

// KeyLine returns the first line of the file at path that sets or opens
// key, or 0.
func KeyLine(path, key string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return LineOfKey(data, key)
}

// lineOf finds the first line holding `key = "value"`; 0 when not found.
func lineOf(data []byte, key, value string) int {
	re := regexp.MustCompile(`^\s*` + regexp.QuoteMeta(key) + `\s*=\s*["']` + regexp.QuoteMeta(value) + `["']`)
	for i, line := range bytes.Split(data, []byte("\n")) {
		if re.Match(line) {
			return i + 1
		}
	}
	return 0
}

// ReadRound reads and checks one round's definition.
func ReadRound(path string) (*Round, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Round
	if err := DecodeStrict(path, data, &r); err != nil {
		return nil, err
	}
	r.ID = filepath.Base(filepath.Dir(path))
	r.Path = path
	if err := r.check(path, data); err != nil {
		return nil, err
	}
	return &r, nil
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidID reports whether s can name a round, track or submission (it
// becomes a path segment).
func ValidID(s string) bool { return idPattern.MatchString(s) }

func (r *Round) check(path string, data []byte) error {
	fail := func(line int, format string, a ...any) error {
		return &Error{File: path, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	if !ValidID(r.ID) {
		return fail(0, "round folder name %q is not a valid ID (letters, digits, '.', '_', '-')", r.ID)
	}
	if r.Title == "" {
		return fail(0, "missing title")
	}
	// The rule and aggregation names are checked by package ranking.
	if r.Rule == "" {
		return fail(0, "missing rule")
	}
	for _, d := range []struct{ key, v string }{{"start", r.Start}, {"end", r.End}} {
		if d.v != "" && !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`).MatchString(d.v) {
			return fail(LineOfKey(data, d.key), "%s %q is not a YYYY-MM-DD date", d.key, d.v)
		}
	}
	if len(r.Tracks) == 0 {
		return fail(0, "no [[tracks]]")
	}
	seen := map[string]bool{}
	for _, t := range r.Tracks {
		if !ValidID(t.ID) {
			return fail(lineOf(data, "id", t.ID), "track id %q is not a valid ID", t.ID)
		}
		if seen["t:"+t.ID] {
			return fail(lineOf(data, "id", t.ID), "duplicate track %q", t.ID)
		}
		seen["t:"+t.ID] = true
	}
	for _, sc := range r.Scenarios {
		if sc.Name == "" {
			return fail(LineOfKey(data, "scenarios"), "a scenario has no name")
		}
		if seen["s:"+sc.Name] {
			return fail(lineOf(data, "name", sc.Name), "duplicate scenario %q", sc.Name)
		}
		seen["s:"+sc.Name] = true
		if len(sc.Metrics) == 0 {
			return fail(lineOf(data, "name", sc.Name), "scenario %q has no metrics", sc.Name)
		}
		for _, m := range sc.Metrics {
			if seen["m:"+sc.Name+"\x00"+m.Name] {
				return fail(lineOf(data, "name", m.Name), "duplicate metric %q in scenario %q", m.Name, sc.Name)
			}
			seen["m:"+sc.Name+"\x00"+m.Name] = true
		}
	}
	if len(r.Stages) == 0 {
		return fail(0, "no [[stages]]")
	}
	for _, st := range r.Stages {
		if len(st.Scenarios) == 0 {
			return fail(lineOf(data, "name", st.Name), "stage %q has no scenarios", st.Name)
		}
		if st.Weight < 0 || math.IsNaN(st.Weight) || math.IsInf(st.Weight, 0) {
			return fail(lineOf(data, "name", st.Name), "stage %q has weight %v", st.Name, st.Weight)
		}
		for _, name := range st.Scenarios {
			if !seen["s:"+name] {
				return fail(lineOf(data, "name", st.Name), "stage %q names unknown scenario %q", st.Name, name)
			}
		}
	}
	return nil
}

// Scenario returns the round's scenario of that name, or nil.
func (r *Round) Scenario(name string) *Scenario {
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name {
			return &r.Scenarios[i]
		}
	}
	return nil
}

// HasTrack reports whether the round has a track of that ID.
func (r *Round) HasTrack(id string) bool {
	for _, t := range r.Tracks {
		if t.ID == id {
			return true
		}
	}
	return false
}

// fileBufs keeps buffers for reading results files: a round has thousands.
// Nothing decoded from a file refers to its bytes.
var fileBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// ReadSubmission reads one results file and checks it against its round.
func ReadSubmission(path string, r *Round) (*Submission, error) {
	bp := fileBufs.Get().(*[]byte)
	defer fileBufs.Put(bp)
	data, err := fileio.ReadInto(path, (*bp)[:0])
	*bp = data[:0]
	if err != nil {
		return nil, err
	}
	var s Submission
	if !fastSubmission(data, &s) {
		s = Submission{}
		if err := DecodeStrict(path, data, &s); err != nil {
			return nil, err
		}
	}
	s.Path = path
	fail := func(line int, format string, a ...any) error {
		return &Error{File: path, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	if !ValidID(s.ID) {
		return nil, fail(LineOfKey(data, "id"), "submission id %q is not a valid ID", s.ID)
	}
	if want := strings.TrimSuffix(filepath.Base(path), ".toml"); s.ID != want {
		return nil, fail(LineOfKey(data, "id"), "id %q does not match the file name %q", s.ID, want)
	}
	if s.Team == "" {
		return nil, fail(0, "missing team")
	}
	dirTrack := filepath.Base(filepath.Dir(path))
	if r != nil && !r.HasTrack(s.Track) {
		return nil, fail(LineOfKey(data, "track"), "unknown track %q (round %q has %s)", s.Track, r.ID, trackList(r))
	}
	if s.Track != dirTrack {
		return nil, fail(LineOfKey(data, "track"), "track %q does not match the folder %q", s.Track, dirTrack)
	}
	if s.Reproduction != nil {
		switch s.Reproduction.Status {
		case Reproduced, Failed, Pending:
		default:
			return nil, fail(LineOfKey(data, "status"), "unknown reproduction status %q (want reproduced, failed or pending)", s.Reproduction.Status)
		}
	}
	seen := map[string]bool{}
	for _, sc := range s.Scenarios {
		if r != nil && r.Scenario(sc.Name) == nil {
			return nil, fail(lineOf(data, "name", sc.Name), "unknown scenario %q (not in round %q)", sc.Name, r.ID)
		}
		if seen[sc.Name] {
			return nil, fail(lineOf(data, "name", sc.Name), "duplicate scenario %q", sc.Name)
		}
		seen[sc.Name] = true
		for _, m := range sc.Metrics {
			if m.Value != nil && (math.IsNaN(*m.Value) || math.IsInf(*m.Value, 0)) {
				return nil, fail(lineOf(data, "name", m.Name), "metric %q has value %v; leave value out to record it as missing", m.Name, *m.Value)
			}
		}
	}
	return &s, nil
}

func trackList(r *Round) string {
	ids := make([]string, len(r.Tracks))
	for i, t := range r.Tracks {
		ids[i] = fmt.Sprintf("%q", t.ID)
	}
	return strings.Join(ids, ", ")
}

// LoadRound reads a round's definition and all its submissions. Extra files
// beside results (predictions, audits, logs) are left alone.
func LoadRound(root, id string) (*Round, error) {
	dir := Dir(root, id)
	r, err := ReadRound(filepath.Join(dir, RoundFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("unknown round %q: no %s", id, filepath.Join(dir, RoundFile))
	}
	if err != nil {
		return nil, err
	}
	r.Results = map[string][]*Submission{}
	for _, t := range r.Tracks {
		r.Results[t.ID] = nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	// Every results file, in the order they are reported: folder by
	// folder, then by name.
	var all []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if !r.HasTrack(e.Name()) {
			return nil, &Error{File: filepath.Join(dir, e.Name()), Msg: fmt.Sprintf("unknown track %q (round %q has %s)", e.Name(), r.ID, trackList(r))}
		}
		files, err := filepath.Glob(filepath.Join(dir, e.Name(), "*.toml"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			if !isSidecar(f) {
				all = append(all, f)
			}
		}
	}
	subs, err := readSubmissions(all, r)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		r.Results[s.Track] = append(r.Results[s.Track], s)
	}
	return r, nil
}

// readSubmissions reads files on every core. It returns them in order, or
// the error of the first file (in that order) that has one, as reading them
// one by one would.
func readSubmissions(files []string, r *Round) ([]*Submission, error) {
	subs := make([]*Submission, len(files))
	errs := make([]error, len(files))
	workers := min(runtime.GOMAXPROCS(0), len(files))
	var next, failed atomic.Int64
	failed.Store(int64(len(files)))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				// Files after a known error cannot be the first error.
				if i >= int64(len(files)) || i > failed.Load() {
					return
				}
				subs[i], errs[i] = ReadSubmission(files[i], r)
				if errs[i] != nil {
					for {
						f := failed.Load()
						if i >= f || failed.CompareAndSwap(f, i) {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return subs, nil
}

// isSidecar reports files that live beside results but are not results.
func isSidecar(path string) bool {
	base := filepath.Base(path)
	return strings.HasSuffix(base, ".audit.toml") || strings.HasSuffix(base, ".reproduced.toml")
}

// LoadRounds reads every round under root/results, sorted by start date
// (then ID), oldest first. A missing results folder is no rounds.
func LoadRounds(root string) ([]*Round, error) {
	entries, err := os.ReadDir(filepath.Join(root, "results"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rounds []*Round
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "results", e.Name(), RoundFile)); err != nil {
			return nil, &Error{File: filepath.Join(root, "results", e.Name()), Msg: "no " + RoundFile + " in round folder"}
		}
		r, err := LoadRound(root, e.Name())
		if err != nil {
			return nil, err
		}
		rounds = append(rounds, r)
	}
	sort.SliceStable(rounds, func(i, j int) bool {
		if rounds[i].Start != rounds[j].Start {
			return rounds[i].Start < rounds[j].Start
		}
		return rounds[i].ID < rounds[j].ID
	})
	return rounds, nil
}
