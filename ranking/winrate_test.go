package ranking

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func near(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.IsNaN(a[i]) != math.IsNaN(b[i]) || (!math.IsNaN(a[i]) && math.Abs(a[i]-b[i]) > 1e-12) {
			return false
		}
	}
	return true
}

var nan = math.NaN()

func TestWinRates(t *testing.T) {
	cases := []struct {
		name  string
		rule  Rule
		col   []float64
		lower bool
		want  []float64
	}{
		// HELM's published cases.
		{"helm distinct", HELM, []float64{1, 2, 3, 4, 5}, false, []float64{0, .25, .5, .75, 1}},
		{"helm ties", HELM, []float64{1, 1, 1, 4, 5}, false, []float64{.25, .25, .25, .75, 1}},
		{"helm lower", HELM, []float64{1, 2, 3, 4, 5}, true, []float64{1, .75, .5, .25, 0}},
		{"helm missing skipped", HELM, []float64{1, nan, 3}, false, []float64{0, nan, 1}},
		{"helm one value", HELM, []float64{nan, 3, nan}, false, []float64{nan, nan, nan}},
		// By hand: N = 5, wins divided by N.
		{"final distinct", Final, []float64{1, 2, 3, 4, 5}, false, []float64{0, .2, .4, .6, .8}},
		{"final ties", Final, []float64{1, 1, 1, 4, 5}, false, []float64{1. / 15, 1. / 15, 1. / 15, .6, .8}},
		{"hidden ties", Hidden, []float64{1, 1, 1, 4, 5}, false, []float64{2. / 15, 2. / 15, 2. / 15, .6, .8}},
		{"final missing is worst", Final, []float64{nan, 0.5, 0}, false, []float64{1. / 6, 2. / 3, 1. / 6}},
		{"final lower missing is worst", Final, []float64{nan, 3, 1000}, true, []float64{1. / 6, 2. / 3, 1. / 6}},
		{"hidden lower", Hidden, []float64{0.2, 0.1, 0.3}, true, []float64{1. / 3, 2. / 3, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := WinRates(c.rule, c.col, c.lower)
			if err != nil {
				t.Fatal(err)
			}
			if !near(got, c.want) {
				t.Errorf("WinRates(%v) = %v, want %v", c.col, got, c.want)
			}
		})
	}
}

func TestUnknownRule(t *testing.T) {
	if _, err := WinRates("best-of", []float64{1}, false); err == nil {
		t.Fatal("no error for an unknown rule")
	}
}

// Properties: win rates lie in [0,1], and permuting the input permutes the
// output the same way.
func TestWinRateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 2 + rng.IntN(30)
		col := make([]float64, n)
		for i := range col {
			switch rng.IntN(5) {
			case 0:
				col[i] = nan
			case 1:
				col[i] = float64(rng.IntN(3)) // many ties
			default:
				col[i] = rng.Float64()
			}
		}
		perm := rng.Perm(n)
		shuffled := make([]float64, n)
		for i, p := range perm {
			shuffled[i] = col[p]
		}
		for _, rule := range []Rule{Final, Hidden, HELM} {
			lower := trial%2 == 0
			a, _ := WinRates(rule, col, lower)
			b, _ := WinRates(rule, shuffled, lower)
			for i, p := range perm {
				if !near([]float64{a[p]}, []float64{b[i]}) {
					t.Fatalf("%s: order matters: %v vs %v", rule, a, b)
				}
			}
			for _, w := range a {
				if w < 0 || w > 1 {
					t.Fatalf("%s: win rate %v outside [0,1] for %v", rule, w, col)
				}
			}
		}
	}
}

func TestGeoMeanZero(t *testing.T) {
	got := geoMean([]float64{0, 1})
	if want := math.Sqrt(5e-324); math.Abs(got-want) > 1e-12*want {
		t.Errorf("geoMean(0,1) = %v, want %v", got, want)
	}
	if got := geoMean([]float64{0.25, 1}); math.Abs(got-0.5) > 1e-15 {
		t.Errorf("geoMean(.25,1) = %v", got)
	}
	if !slices.Equal([]float64{mean([]float64{nan, 1, 3})}, []float64{2}) {
		t.Error("mean must skip NaN")
	}
}
