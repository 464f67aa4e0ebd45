package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"podium/result"
)

// Tolerance is how far a reproduced metric may lie from the submitted one:
// within Abs, or within Rel times the submitted value.
type Tolerance struct {
	Abs float64
	Rel float64 // a fraction: 0.05 for "5%"
}

// ParseTolerance reads "0.02" (absolute) or "5%" (relative).
func ParseTolerance(s string) (Tolerance, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return Tolerance{}, fmt.Errorf("--tolerance %q: want a number >= 0, or a percentage like 5%%", s)
		}
		return Tolerance{Rel: v / 100}, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return Tolerance{}, fmt.Errorf("--tolerance %q: want a number >= 0, or a percentage like 5%%", s)
	}
	return Tolerance{Abs: v}, nil
}

func (t Tolerance) String() string {
	if t.Rel > 0 {
		return strconv.FormatFloat(t.Rel*100, 'g', -1, 64) + "%"
	}
	return strconv.FormatFloat(t.Abs, 'g', -1, 64)
}

// allows reports whether reproduced lies close enough to submitted.
func (t Tolerance) allows(submitted, reproduced float64) bool {
	d := math.Abs(submitted - reproduced)
	limit := t.Abs
	if t.Rel > 0 {
		limit = t.Rel * math.Abs(submitted)
	}
	return d <= limit+1e-12
}

// Compare checks a reproduction against the submitted results, scenario by
// scenario and metric by metric, and returns why they disagree (nothing
// when every submitted value was reproduced within tolerance). A metric the
// submission lacks is not compared.
func Compare(submitted, reproduced *result.Submission, tol Tolerance) []string {
	rep := map[string]map[string]result.MetricValue{}
	for _, sc := range reproduced.Scenarios {
		m := map[string]result.MetricValue{}
		for _, mv := range sc.Metrics {
			m[mv.Name] = mv
		}
		rep[sc.Name] = m
	}
	var why []string
	for _, sc := range submitted.Scenarios {
		got, ok := rep[sc.Name]
		if !ok && hasValue(sc) {
			why = append(why, fmt.Sprintf("scenario %s: missing from the reproduction", sc.Name))
			continue
		}
		for _, mv := range sc.Metrics {
			if mv.Value == nil {
				continue
			}
			r, ok := got[mv.Name]
			switch {
			case !ok:
				why = append(why, fmt.Sprintf("scenario %s, metric %s: missing from the reproduction", sc.Name, mv.Name))
			case r.Value == nil:
				msg := fmt.Sprintf("scenario %s, metric %s: the reproduction has no value", sc.Name, mv.Name)
				if r.Error != "" {
					msg += " (" + r.Error + ")"
				}
				why = append(why, msg)
			case !tol.allows(*mv.Value, *r.Value):
				why = append(why, fmt.Sprintf("scenario %s, metric %s: submitted %.4g, reproduced %.4g (off by %.4g; tolerance %s)",
					sc.Name, mv.Name, *mv.Value, *r.Value, math.Abs(*mv.Value-*r.Value), tol))
			}
		}
	}
	return why
}

func hasValue(sc result.ScenarioResult) bool {
	for _, mv := range sc.Metrics {
		if mv.Value != nil {
			return true
		}
	}
	return false
}

// Decide gives a submission's reproduction status from the comparison's
// disagreements and its latest audit (nil when there is none; needAudit
// says whether one is required).
func Decide(disagree []string, a *Audit, auditPath string, needAudit bool) *result.Reproduction {
	var failed, pending []string
	failed = append(failed, disagree...)
	switch {
	case a == nil && needAudit:
		pending = append(pending, "no audit of the training run yet (scorer audit)")
	case a == nil:
	case a.Verdict == Fail:
		for _, r := range a.Reasons {
			failed = append(failed, fmt.Sprintf("audit attempt %d: %s", a.Attempt, r))
		}
	case a.Verdict != Pass:
		pending = append(pending, fmt.Sprintf("audit attempt %d has not finished", a.Attempt))
	}
	rp := &result.Reproduction{Status: result.Reproduced, Audit: auditPath}
	switch {
	case len(failed) > 0:
		rp.Status, rp.Reasons = result.Failed, failed
	case len(pending) > 0:
		rp.Status, rp.Reasons = result.Pending, pending
	}
	return rp
}

// Latest reads a submission's latest audit attempt in dir; nil when it has
// none.
func Latest(dir, id string) (*Audit, string, error) {
	last, best := "", 0
	if exists(Path(dir, id, 1)) {
		last, best = Path(dir, id, 1), 1
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, "", err
	}
	prefix, suffix := id+".attempt-", ".audit.toml"
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, prefix), suffix))
		if err == nil && n > best {
			last, best = filepath.Join(dir, name), n
		}
	}
	if last == "" {
		return nil, "", nil
	}
	// An attempt that was claimed but never written (the audit died at
	// once) is an unfinished audit.
	if fi, err := os.Stat(last); err == nil && fi.Size() == 0 {
		return &Audit{Attempt: best, Verdict: Incomplete}, last, nil
	}
	a, err := Read(last)
	if err != nil {
		return nil, "", err
	}
	return a, last, nil
}

// ReadReproduced reads a reproduction's results TOML (as `scorer run`
// writes it; the file may be named anything).
func ReadReproduced(path string) (*result.Submission, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s result.Submission
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("%s: unknown key %s", path, u[0])
	}
	if len(s.Scenarios) == 0 {
		return nil, fmt.Errorf("%s: no [[scenarios]]: not a results file", path)
	}
	s.Path = path
	return &s, nil
}
