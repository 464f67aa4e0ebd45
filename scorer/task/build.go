package task

import (
	"embed"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed suites/*.toml
var bundledFS embed.FS

// Task is a spec made ready to run: its format, its few-shot examples and
// its evaluation instances (sampled, then perturbed).
type Task struct {
	Spec   Spec
	Format Format
	Shots  []Instance // few-shot examples, in prompt order
	Eval   []Instance // originals in dataset order, each followed by its perturbations
	Pool   int        // test instances available before sampling

	shotBlocks []string
}

// Options control how a suite is built.
type Options struct {
	DataDir      string // --data: datasets laid out as ../shared/data
	Seed         int64  // instance sampling and perturbation seed
	MaxInstances int    // cap on original instances per scenario; 0 = none
}

// Prompt builds the full prompt for an instance (before any fitting).
func (t *Task) Prompt(in *Instance) Prompt {
	return Prompt{
		Instructions: t.Format.instructionsBlock(),
		Shots:        t.shotBlocks,
		Question:     t.Format.block(in, false),
		Separator:    t.Format.InstanceSeparator,
	}
}

// Build loads, samples and perturbs every task of the suite.
func Build(s *Suite, opt Options) ([]*Task, error) {
	tasks := make([]*Task, 0, len(s.Tasks))
	order := make([][]int, 0, len(s.Tasks)) // per task: sampled indexes, in sampling order
	tests := make([][]Instance, 0, len(s.Tasks))
	for i := range s.Tasks {
		sp := s.Tasks[i]
		train, test, err := load(s, &sp, opt.DataDir)
		if err != nil {
			return nil, err
		}
		if err := checkInstances(&sp, train, "train"); err != nil {
			return nil, err
		}
		if err := checkInstances(&sp, test, "test"); err != nil {
			return nil, err
		}
		if len(test) == 0 {
			return nil, fmt.Errorf("task %q: no test instances", sp.Name)
		}
		if sp.Shots > len(train) {
			return nil, fmt.Errorf("task %q: shots = %d but only %d training instances", sp.Name, sp.Shots, len(train))
		}
		t := &Task{Spec: sp, Format: sp.Format(), Pool: len(test)}
		if hook, ok := lookupFormat(sp.Dataset); ok && sp.Dataset != "" {
			if err := hook(opt.DataDir, sp.Subset, &t.Format); err != nil {
				return nil, fmt.Errorf("task %q: dataset %q: format: %w", sp.Name, sp.Dataset, err)
			}
		}
		// Few-shot examples depend on the task alone, so prompts (and cached
		// responses) stay the same whatever the run's seed.
		for _, j := range rngFor(0, sp.Name, "shots").Perm(len(train))[:sp.Shots] {
			t.Shots = append(t.Shots, train[j])
			t.shotBlocks = append(t.shotBlocks, t.Format.block(&train[j], true))
		}
		perm := rngFor(opt.Seed, sp.Name, "sample").Perm(len(test))
		if sp.MaxInstances > 0 && sp.MaxInstances < len(perm) {
			perm = perm[:sp.MaxInstances]
		}
		tasks, order, tests = append(tasks, t), append(order, perm), append(tests, test)
	}
	if opt.MaxInstances > 0 {
		capScenarios(tasks, order, opt.MaxInstances)
	}
	for i, t := range tasks {
		idx := slices.Clone(order[i])
		slices.Sort(idx)
		perts := make([]Perturber, len(t.Spec.Perturbations))
		for k, name := range t.Spec.Perturbations {
			fn, ok := LookupPerturbation(name)
			if !ok {
				return nil, fmt.Errorf("task %q: unknown perturbation %q (registered: %s)", t.Spec.Name, name, strings.Join(perturbationNames(), ", "))
			}
			perts[k] = fn
		}
		for _, j := range idx {
			orig := tests[i][j]
			t.Eval = append(t.Eval, orig)
			for k, fn := range perts {
				p, ok := fn(orig, opt.Seed)
				if !ok {
					continue
				}
				name := t.Spec.Perturbations[k]
				p.ID, p.Perturbation, p.Source = orig.ID+"/"+name, name, orig.ID
				t.Eval = append(t.Eval, p)
			}
		}
	}
	return tasks, nil
}

// capScenarios keeps at most max originals per scenario, taken round-robin
// over the scenario's tasks in their sampling order.
func capScenarios(tasks []*Task, order [][]int, max int) {
	groups := map[string][]int{}
	var names []string
	for i, t := range tasks {
		sc := t.Spec.ScenarioName()
		if _, ok := groups[sc]; !ok {
			names = append(names, sc)
		}
		groups[sc] = append(groups[sc], i)
	}
	for _, sc := range names {
		g := groups[sc]
		take := make([]int, len(g))
		left := max
		for more := true; more && left > 0; {
			more = false
			for k, ti := range g {
				if left > 0 && take[k] < len(order[ti]) {
					take[k]++
					left--
					more = true
				}
			}
		}
		for k, ti := range g {
			order[ti] = order[ti][:take[k]]
		}
	}
}

func load(s *Suite, sp *Spec, dataDir string) (train, test []Instance, err error) {
	if sp.Dataset != "" {
		fn, ok := LookupLoader(sp.Dataset)
		if !ok {
			return nil, nil, fmt.Errorf("task %q: unknown dataset %q (registered: %s)", sp.Name, sp.Dataset, strings.Join(Loaders(), ", "))
		}
		train, test, err = fn(dataDir, sp.Subset)
		if err != nil {
			return nil, nil, fmt.Errorf("task %q: dataset %q: %w", sp.Name, sp.Dataset, err)
		}
		return train, test, nil
	}
	rel := func(p string) string {
		if filepath.IsAbs(p) || s.Dir == "" {
			return p
		}
		return filepath.Join(s.Dir, p)
	}
	if test, err = ReadJSONL(rel(sp.Instances)); err != nil {
		return nil, nil, fmt.Errorf("task %q: %w", sp.Name, err)
	}
	if sp.Train != "" {
		if train, err = ReadJSONL(rel(sp.Train)); err != nil {
			return nil, nil, fmt.Errorf("task %q: %w", sp.Name, err)
		}
	}
	return train, test, nil
}

func perturbationNames() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	var names []string
	for n := range perturbers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// rngFor is a generator seeded by seed and names, stable across runs.
func rngFor(seed int64, names ...string) *rand.Rand {
	return SeededRand(seed, uint64(seed)^0x9e3779b97f4a7c15, names...)
}

// SeededRand is a generator fixed by seed, stream and names: the same
// arguments give the same numbers on every run and machine.
func SeededRand(seed int64, stream uint64, names ...string) *rand.Rand {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	return rand.New(rand.NewPCG(h.Sum64(), stream))
}

// Unit is a deterministic number in [0, 1) drawn from seed and names (for
// simulations that must decide per instance, reproducibly).
func Unit(seed int64, names ...string) float64 { return rngFor(seed, names...).Float64() }
