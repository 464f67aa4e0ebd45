// Package result defines what a round and a submission's results are, and
// reads and writes them as TOML under results/.
//
// Layout:
//
//	results/<round>/round.toml               the round's definition
//	results/<round>/<track>/<submission>.toml one submission's results
package result

// Round is a round's definition, authored by its organizers.
type Round struct {
	ID   string `toml:"-"` // the folder name
	Path string `toml:"-"` // where it was read from
	// Results holds the submissions by track ID, each sorted by ID.
	Results     map[string][]*Submission `toml:"-"`
	Title       string                   `toml:"title"`
	Description string                   `toml:"description,omitempty"` // trusted markdown
	Start       string                   `toml:"start,omitempty"`       // YYYY-MM-DD
	End         string                   `toml:"end,omitempty"`         // YYYY-MM-DD
	Rule        string                   `toml:"rule"`                  // win-rate rule, by name (see package ranking)
	Aggregation string                   `toml:"aggregation"`           // "geometric" or "arithmetic"
	Note        string                   `toml:"note,omitempty"`        // shown with the leaderboard
	Tracks      []Track                  `toml:"tracks"`
	Stages      []Stage                  `toml:"stages"`
	Scenarios   []Scenario               `toml:"scenarios"`
	Winners     *WinnerRule              `toml:"winners,omitempty"`
}

// Track is one hardware track, ranked on its own.
type Track struct {
	ID   string `toml:"id"`
	Name string `toml:"name"`
	// GPUs lists the device models eligible for the track, as NVML names them.
	GPUs []GPU `toml:"gpus,omitempty"`
}

// GPU is an eligible device model: its NVML name must contain Name, and its
// memory must lie within [MinMemoryGiB, MaxMemoryGiB] when those are set.
type GPU struct {
	Name         string  `toml:"name"`
	MinMemoryGiB float64 `toml:"min_memory_gib,omitempty"`
	MaxMemoryGiB float64 `toml:"max_memory_gib,omitempty"`
}

// Stage is a set of scenarios scored together; the final score is the
// weighted sum of the stage scores.
type Stage struct {
	Name      string   `toml:"name"`
	Weight    float64  `toml:"weight"`
	Scenarios []string `toml:"scenarios"`
}

// Scenario is one ranked task with its metrics.
type Scenario struct {
	Name        string   `toml:"name"`
	Description string   `toml:"description,omitempty"`
	Secret      bool     `toml:"secret,omitempty"` // a holdout: its data never reaches the site
	Metrics     []Metric `toml:"metrics"`
}

// Metric names one ranked metric and its direction.
type Metric struct {
	Name          string `toml:"name"`
	LowerIsBetter bool   `toml:"lower_is_better,omitempty"`
}

// WinnerRule says how winners are named from the ranking.
type WinnerRule struct {
	Count             int  `toml:"count"`              // winners per track
	RequireReproduced bool `toml:"require_reproduced"` // only reproduced submissions can win
}

// Submission is one submission's results in one round and track.
type Submission struct {
	ID          string `toml:"id"`
	Team        string `toml:"team"`
	BaseModel   string `toml:"base_model,omitempty"`
	Track       string `toml:"track"`
	Description string `toml:"description,omitempty"` // untrusted markdown
	Simulated   bool   `toml:"simulated,omitempty"`   // scored against a simulated server
	Predictions string `toml:"predictions,omitempty"` // per-instance file beside this one

	Run          *Run             `toml:"run,omitempty"`
	Hardware     *Hardware        `toml:"hardware,omitempty"`
	Efficiency   *Efficiency      `toml:"efficiency,omitempty"`
	Reproduction *Reproduction    `toml:"reproduction,omitempty"`
	Scenarios    []ScenarioResult `toml:"scenarios"`

	Path string `toml:"-"` // where it was read from
}

// ScenarioResult holds a submission's raw metric values for one scenario.
type ScenarioResult struct {
	Name    string        `toml:"name"`
	Metrics []MetricValue `toml:"metrics"`
}

// MetricValue is one raw metric value. A nil Value is missing (the metric
// failed or was not produced); it is never recorded as 0.
type MetricValue struct {
	Name          string   `toml:"name"`
	Value         *float64 `toml:"value,omitempty"`
	LowerIsBetter bool     `toml:"lower_is_better,omitempty"`
	Error         string   `toml:"error,omitempty"` // why it is missing
}

// Run describes how the results were produced.
type Run struct {
	Suite     string         `toml:"suite,omitempty"`
	Protocol  string         `toml:"protocol,omitempty"`
	Seed      int64          `toml:"seed,omitzero"`
	Instances int            `toml:"instances,omitzero"`
	Failed    int            `toml:"failed,omitzero"`
	Failures  map[string]int `toml:"failures,omitempty"` // reason -> count
	Requests  int            `toml:"requests,omitzero"`
	Tokens    int            `toml:"tokens,omitzero"` // generated tokens
	Imported  string         `toml:"imported,omitempty"`
}

// Hardware is the device the submission's server ran on.
type Hardware struct {
	Index     int     `toml:"index"`
	UUID      string  `toml:"uuid"`
	Name      string  `toml:"name"`
	MemoryGiB float64 `toml:"memory_gib"`
	Eligible  bool    `toml:"eligible"`
	Reason    string  `toml:"reason,omitempty"`
}

// Efficiency is what sampling the device during the run measured.
type Efficiency struct {
	PeakMemoryMiB     float64 `toml:"peak_memory_mib"`
	MeanUtilization   float64 `toml:"mean_utilization"` // percent
	EnergyJoules      float64 `toml:"energy_joules"`
	EnergySource      string  `toml:"energy_source"` // "counter" or "power-samples"
	TokensPerSecond   float64 `toml:"tokens_per_second"`
	JoulesPerInstance float64 `toml:"joules_per_instance"`
	Seconds           float64 `toml:"seconds"`
}

// Reproduction statuses.
const (
	Reproduced = "reproduced"
	Failed     = "failed"
	Pending    = "pending"
)

// Reproduction records whether the submission's result was reproduced.
type Reproduction struct {
	Status  string   `toml:"status"`
	Reasons []string `toml:"reasons,omitempty"`
	Audit   string   `toml:"audit,omitempty"` // audit TOML, relative to the project root
}
