package result

import (
	"bytes"
	"math"
	"strconv"
	"sync"

	"github.com/pelletier/go-toml/v2/unstable"
)

// fastSubmission decodes a results file by walking go-toml's AST parser
// over the shapes that results files have, about four times faster than
// go-toml's reflection decoder; a round has thousands of files. Anything
// outside that subset (dotted keys, unknown or repeated keys, other value
// types, tables out of the usual order, dates) or any syntax error makes it
// return false, and the caller decodes with BurntSushi/toml, which decides
// and gives the error its file and line. fast_test.go checks that what this
// accepts, BurntSushi/toml accepts and decodes to the same value.
func fastSubmission(data []byte, s *Submission) bool {
	st := fastStates.Get().(*fastState)
	defer func() {
		st.p.Reset(nil) // don't keep the file alive in the pool
		fastStates.Put(st)
	}()
	p := &st.p
	p.Reset(data)
	// Capacity hints, so that a typical file grows no slice; a wrong count
	// costs only time.
	n := bytes.Count(data, []byte("[[scenarios.metrics]]"))
	d := fastDecoder{s: s, names: st.names, metrics: make([]MetricValue, 0, n), values: make([]float64, 0, n)}
	s.Scenarios = make([]ScenarioResult, 0, bytes.Count(data, []byte("[[scenarios]]")))
	for p.NextExpression() {
		e := p.Expression()
		var ok bool
		switch e.Kind {
		case unstable.KeyValue:
			ok = d.keyValue(e)
		case unstable.Table, unstable.ArrayTable:
			ok = d.header(e)
		}
		if !ok {
			return false
		}
	}
	if p.Error() != nil {
		return false
	}
	d.finish()
	return true
}

// fastState is a parser and the names it has met, kept between files.
type fastState struct {
	p     unstable.Parser
	names map[string]string
}

var fastStates = sync.Pool{New: func() any { return &fastState{names: map[string]string{}} }}

// maxNames bounds the names a fastState keeps.
const maxNames = 4096

// Tables that results files have, as fastDecoder.table.
const (
	inRoot = iota
	inRun
	inFailures // [run.failures]
	inHardware
	inEfficiency
	inReproduction
	inScenario // the last [[scenarios]]
	inMetric   // the last [[scenarios.metrics]] of the last scenario
)

type fastDecoder struct {
	s     *Submission
	table int
	seen  uint32 // keys set in the current table, by bit; each table is visited once
	names map[string]string

	// metrics holds every scenario's metrics in file order, and values their
	// values, so that a file takes a few allocations, not one per metric.
	metrics []MetricValue
	first   int // where the last scenario's metrics start in metrics
	values  []float64
}

// finish gives each scenario its metrics as a part of d.metrics, capped so
// that appending to one does not overwrite the next. Until now a scenario's
// Metrics had the right length but could point into an array that append
// has since replaced.
func (d *fastDecoder) finish() {
	s := d.s
	if len(s.Scenarios) == 0 {
		s.Scenarios = nil // as BurntSushi/toml leaves it
	}
	all := d.metrics
	for i := range s.Scenarios {
		if n := len(s.Scenarios[i].Metrics); n > 0 {
			s.Scenarios[i].Metrics, all = all[:n:n], all[n:]
		}
	}
}

// once marks key i of the current table set, and reports whether it was
// not set before: TOML forbids a key twice.
func (d *fastDecoder) once(i uint) bool {
	if d.seen&(1<<i) != 0 {
		return false
	}
	d.seen |= 1 << i
	return true
}

// header opens a [table] or [[array table]]. Each table may open once and
// [run.failures] only after [run], so every accepted order is valid TOML.
func (d *fastDecoder) header(e *unstable.Node) bool {
	var k [3][]byte
	n := 0
	for it := e.Key(); it.Next(); n++ {
		if n == len(k) {
			return false
		}
		k[n] = it.Node().Data
	}
	s := d.s
	d.seen = 0
	if e.Kind == unstable.ArrayTable {
		switch {
		case n == 1 && string(k[0]) == "scenarios":
			s.Scenarios = append(s.Scenarios, ScenarioResult{})
			d.first = len(d.metrics)
			d.table = inScenario
		case n == 2 && string(k[0]) == "scenarios" && string(k[1]) == "metrics" && len(s.Scenarios) > 0:
			d.metrics = append(d.metrics, MetricValue{})
			s.Scenarios[len(s.Scenarios)-1].Metrics = d.metrics[d.first:]
			d.table = inMetric
		default:
			return false
		}
		return true
	}
	if n == 2 {
		if string(k[0]) != "run" || string(k[1]) != "failures" || s.Run == nil || s.Run.Failures != nil {
			return false
		}
		// BurntSushi/toml makes the map even for an empty table.
		s.Run.Failures = map[string]int{}
		d.table = inFailures
		return true
	}
	if n != 1 {
		return false
	}
	switch string(k[0]) {
	case "run":
		if s.Run != nil {
			return false
		}
		s.Run, d.table = &Run{}, inRun
	case "hardware":
		if s.Hardware != nil {
			return false
		}
		s.Hardware, d.table = &Hardware{}, inHardware
	case "efficiency":
		if s.Efficiency != nil {
			return false
		}
		s.Efficiency, d.table = &Efficiency{}, inEfficiency
	case "reproduction":
		if s.Reproduction != nil {
			return false
		}
		s.Reproduction, d.table = &Reproduction{}, inReproduction
	default:
		return false
	}
	return true
}

// keyValue sets one field of the current table.
func (d *fastDecoder) keyValue(e *unstable.Node) bool {
	key, ok := simpleKey(e)
	if !ok {
		return false
	}
	v := e.Value()
	s := d.s
	switch d.table {
	case inRoot:
		switch string(key) {
		case "id":
			return d.once(0) && str(v, &s.ID)
		case "team":
			return d.once(1) && str(v, &s.Team)
		case "base_model":
			return d.once(2) && d.name(v, &s.BaseModel)
		case "track":
			return d.once(3) && d.name(v, &s.Track)
		case "description":
			return d.once(4) && str(v, &s.Description)
		case "simulated":
			return d.once(5) && boolean(v, &s.Simulated)
		case "predictions":
			return d.once(6) && str(v, &s.Predictions)
		}
	case inRun:
		r := s.Run
		switch string(key) {
		case "suite":
			return d.once(0) && str(v, &r.Suite)
		case "protocol":
			return d.once(1) && str(v, &r.Protocol)
		case "seed":
			return d.once(2) && integer(v, &r.Seed)
		case "instances":
			return d.once(3) && integer(v, &r.Instances)
		case "failed":
			return d.once(4) && integer(v, &r.Failed)
		case "failures":
			return d.once(5) && failures(v, r)
		case "requests":
			return d.once(6) && integer(v, &r.Requests)
		case "tokens":
			return d.once(7) && integer(v, &r.Tokens)
		case "imported":
			return d.once(8) && str(v, &r.Imported)
		}
	case inFailures:
		return failure(s.Run.Failures, key, v)
	case inHardware:
		h := s.Hardware
		switch string(key) {
		case "index":
			return d.once(0) && integer(v, &h.Index)
		case "uuid":
			return d.once(1) && str(v, &h.UUID)
		case "name":
			return d.once(2) && str(v, &h.Name)
		case "memory_gib":
			return d.once(3) && float(v, &h.MemoryGiB)
		case "eligible":
			return d.once(4) && boolean(v, &h.Eligible)
		case "reason":
			return d.once(5) && str(v, &h.Reason)
		}
	case inEfficiency:
		f := s.Efficiency
		switch string(key) {
		case "peak_memory_mib":
			return d.once(0) && float(v, &f.PeakMemoryMiB)
		case "mean_utilization":
			return d.once(1) && float(v, &f.MeanUtilization)
		case "energy_joules":
			return d.once(2) && float(v, &f.EnergyJoules)
		case "energy_source":
			return d.once(3) && str(v, &f.EnergySource)
		case "tokens_per_second":
			return d.once(4) && float(v, &f.TokensPerSecond)
		case "joules_per_instance":
			return d.once(5) && float(v, &f.JoulesPerInstance)
		case "seconds":
			return d.once(6) && float(v, &f.Seconds)
		}
	case inReproduction:
		r := s.Reproduction
		switch string(key) {
		case "status":
			return d.once(0) && str(v, &r.Status)
		case "reasons":
			return d.once(1) && strs(v, &r.Reasons)
		case "audit":
			return d.once(2) && str(v, &r.Audit)
		}
	case inScenario:
		if string(key) == "name" {
			return d.once(0) && d.name(v, &s.Scenarios[len(s.Scenarios)-1].Name)
		}
	case inMetric:
		m := &d.metrics[len(d.metrics)-1]
		switch string(key) {
		case "name":
			return d.once(0) && d.name(v, &m.Name)
		case "value":
			var x float64
			if !d.once(1) || !float(v, &x) {
				return false
			}
			if len(d.values) == cap(d.values) {
				d.values = make([]float64, 0, 16)
			}
			d.values = append(d.values, x)
			m.Value = &d.values[len(d.values)-1]
			return true
		case "lower_is_better":
			return d.once(2) && boolean(v, &m.LowerIsBetter)
		case "error":
			return d.once(3) && str(v, &m.Error)
		}
	}
	return false // an unknown key: the slow path names it
}

// simpleKey returns the key of a key/value that is not dotted.
func simpleKey(e *unstable.Node) ([]byte, bool) {
	it := e.Key()
	if !it.Next() || !it.IsLast() {
		return nil, false
	}
	return it.Node().Data, true
}

// failures sets run.failures from an inline table.
func failures(v *unstable.Node, r *Run) bool {
	if v.Kind != unstable.InlineTable || r.Failures != nil {
		return false
	}
	r.Failures = map[string]int{}
	for it := v.Children(); it.Next(); {
		kv := it.Node()
		key, ok := simpleKey(kv)
		if !ok || !failure(r.Failures, key, kv.Value()) {
			return false
		}
	}
	return true
}

// failure sets one count of run.failures.
func failure(m map[string]int, key []byte, v *unstable.Node) bool {
	if _, dup := m[string(key)]; dup {
		return false
	}
	var n int
	if !integer(v, &n) {
		return false
	}
	m[string(key)] = n
	return true
}

func str(v *unstable.Node, p *string) bool {
	if v.Kind != unstable.String {
		return false
	}
	*p = string(v.Data) // Data may point into the file
	return true
}

// name is str for the strings every file of a round repeats (scenario,
// metric, track and model names): each is allocated once and shared.
func (d *fastDecoder) name(v *unstable.Node, p *string) bool {
	if v.Kind != unstable.String {
		return false
	}
	if s, ok := d.names[string(v.Data)]; ok {
		*p = s
		return true
	}
	*p = string(v.Data)
	if len(d.names) < maxNames {
		d.names[*p] = *p
	}
	return true
}

func boolean(v *unstable.Node, p *bool) bool {
	if v.Kind != unstable.Bool {
		return false
	}
	*p = v.Data[0] == 't' // the parser gives only "true" or "false"
	return true
}

func strs(v *unstable.Node, p *[]string) bool {
	if v.Kind != unstable.Array {
		return false
	}
	n := 0
	for it := v.Children(); it.Next(); {
		n++
	}
	// BurntSushi/toml makes a non-nil slice even for [].
	l := make([]string, n)
	i := 0
	for it := v.Children(); it.Next(); i++ {
		if !str(it.Node(), &l[i]) {
			return false
		}
	}
	*p = l
	return true
}

// integer converts a TOML integer, whose syntax the parser has checked
// (sign, underscores, 0x/0o/0b, no leading zeros), as BurntSushi/toml does:
// strconv with base 0, out of int64 range refused.
func integer[T int | int64](v *unstable.Node, p *T) bool {
	if v.Kind != unstable.Integer {
		return false
	}
	n, err := strconv.ParseInt(string(v.Data), 0, 64)
	if err != nil || int64(T(n)) != n {
		return false
	}
	*p = T(n)
	return true
}

// maxSafeInt is the largest integer BurntSushi/toml puts in a float64.
const maxSafeInt = 1<<53 - 1

// float converts a TOML float or integer as BurntSushi/toml does for a
// float64 field: underscores dropped, signed nan, out of range refused.
func float(v *unstable.Node, p *float64) bool {
	switch v.Kind {
	case unstable.Integer:
		var n int64
		if !integer(v, &n) || n < -maxSafeInt || n > maxSafeInt {
			return false
		}
		*p = float64(n)
		return true
	case unstable.Float:
		b := v.Data
		if bytes.HasSuffix(b, []byte("nan")) {
			*p = math.NaN()
			if b[0] == '-' {
				*p = math.Copysign(*p, -1)
			}
			return true
		}
		if bytes.IndexByte(b, '_') >= 0 {
			b = bytes.ReplaceAll(b, []byte("_"), nil)
		}
		x, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return false
		}
		*p = x
		return true
	}
	return false
}
