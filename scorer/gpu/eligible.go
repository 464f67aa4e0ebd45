package gpu

import (
	"fmt"
	"strings"
	"unicode"

	"podium/result"
)

// Tracks2023 are the hardware tracks of the NeurIPS 2023 LLM Efficiency
// Challenge: one NVIDIA RTX 4090, or one A100 with 40 GB (SXM or PCIe). An
// A100 with 80 GB, an H100 or an H200 qualifies for neither.
func Tracks2023() []result.Track {
	return []result.Track{
		{ID: "4090", Name: "NVIDIA RTX 4090", GPUs: []result.GPU{{Name: "RTX 4090", MinMemoryGiB: 20, MaxMemoryGiB: 26}}},
		{ID: "a100", Name: "NVIDIA A100 40GB", GPUs: []result.GPU{{Name: "A100", MinMemoryGiB: 36, MaxMemoryGiB: 44}}},
	}
}

// Eligible reports whether a device may serve a track, and why not. A track
// with no GPUs listed accepts any device.
func Eligible(t result.Track, d Info) (bool, string) {
	if len(t.GPUs) == 0 {
		return true, ""
	}
	var why []string
	for _, g := range t.GPUs {
		ok, reason := matchGPU(g, d.Name, d.MemoryGiB())
		if ok {
			return true, ""
		}
		why = append(why, reason)
	}
	return false, fmt.Sprintf("%s (%.1f GiB) is not eligible for track %s: %s",
		d.Name, d.MemoryGiB(), t.ID, strings.Join(why, "; "))
}

// matchGPU checks one eligible model: the name's words (see nameMatches)
// and the memory range, when set.
func matchGPU(g result.GPU, name string, gib float64) (bool, string) {
	if !nameMatches(name, g.Name) {
		return false, fmt.Sprintf("the name does not match %q", g.Name)
	}
	// Drivers report a little less or more than the nominal size; the
	// round's range is taken to the nearest tenth of a GiB.
	if g.MinMemoryGiB > 0 && gib+0.05 < g.MinMemoryGiB {
		return false, fmt.Sprintf("a %s needs at least %g GiB", g.Name, g.MinMemoryGiB)
	}
	if g.MaxMemoryGiB > 0 && gib-0.05 > g.MaxMemoryGiB {
		return false, fmt.Sprintf("a %s may have at most %g GiB", g.Name, g.MaxMemoryGiB)
	}
	return true, ""
}

// EligibleTracks lists the IDs of the tracks a device qualifies for.
func EligibleTracks(tracks []result.Track, d Info) []string {
	var out []string
	for _, t := range tracks {
		if ok, _ := Eligible(t, d); ok {
			out = append(out, t.ID)
		}
	}
	return out
}

// nameMatches reports whether pattern's words occur, in order and next to
// each other, among name's words: "A100" matches "NVIDIA A100-SXM4-40GB" but
// not "NVIDIA RTX A1000". Case is ignored; anything not a letter or digit
// separates words.
func nameMatches(name, pattern string) bool {
	n, p := words(name), words(pattern)
	if len(p) == 0 {
		return false
	}
	for i := 0; i+len(p) <= len(n); i++ {
		ok := true
		for k := range p {
			if n[i+k] != p[k] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
