package site

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"podium/result"
)

// Per-instance predictions are JSON lines beside a submission's results,
// each an object with a "scenario" key. The site publishes the lines of
// non-secret scenarios only; a line without a known scenario is dropped.

// publishPredictions copies the non-secret lines of a submission's
// predictions file beside its page.
func (b *builder) publishPredictions(rv *roundView, sv *subView) error {
	if sv.Sub.Predictions == "" {
		return nil
	}
	full := predictionsPath(sv.Sub)
	f, err := os.Open(full)
	if errors.Is(err, os.ErrNotExist) {
		b.warn(fmt.Sprintf("%s: predictions = %q: no such file", sv.Sub.Path, sv.Sub.Predictions))
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	var out bytes.Buffer
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		name, ok := lineScenario(line)
		if !ok {
			continue
		}
		s := rv.Round.Scenario(name)
		if s == nil || s.Secret {
			continue
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", full, err)
	}
	if out.Len() == 0 {
		return nil
	}
	name := sv.Sub.ID + ".predictions.jsonl"
	if err := b.put(sv.Dir+name, out.Bytes(), nil); err != nil {
		return err
	}
	sv.Predictions = b.site.BasePath + sv.Dir + name
	return nil
}

func predictionsPath(s *result.Submission) string {
	if filepath.IsAbs(s.Predictions) {
		return s.Predictions
	}
	return filepath.Join(filepath.Dir(s.Path), filepath.FromSlash(s.Predictions))
}

// lineScenario reads the "scenario" of one JSON line.
func lineScenario(line []byte) (string, bool) {
	if len(line) == 0 || line[0] != '{' {
		return "", false
	}
	var v struct {
		Scenario string `json:"scenario"`
	}
	if err := json.Unmarshal(line, &v); err != nil || v.Scenario == "" {
		return "", false
	}
	return v.Scenario, true
}

// minSecretText is the shortest run of a secret instance's text that the
// guard looks for: shorter ones ("A", "yes", "Answer:") occur everywhere.
const minSecretText = 20

// secretText is one run of a secret instance's text and where it came from.
type secretText struct {
	text  string
	where string
}

// collectSecrets gathers the texts of every secret instance in the
// predictions files of rounds that have secret scenarios, cut into runs
// between the characters that HTML and JSON escape (so that a run is found
// however the page escaped it), less the runs that public instances share
// (a prompt template common to public and secret tasks is no secret).
func collectSecrets(rounds []*result.Round) ([]secretText, error) {
	var secrets []secretText
	var public bytes.Buffer
	for _, r := range rounds {
		secret := map[string]bool{}
		for _, sc := range r.Scenarios {
			if sc.Secret {
				secret[sc.Name] = true
			}
		}
		if len(secret) == 0 {
			continue
		}
		for _, track := range sortedKeys(r.Results) {
			for _, s := range r.Results[track] {
				if s.Predictions == "" {
					continue
				}
				full := predictionsPath(s)
				data, err := os.ReadFile(full)
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil {
					return nil, err
				}
				for i, line := range bytes.Split(data, []byte("\n")) {
					line = bytes.TrimSpace(line)
					if len(line) == 0 {
						continue
					}
					var v any
					if json.Unmarshal(line, &v) != nil {
						v = string(line)
					}
					name, ok := lineScenario(line)
					if ok && !secret[name] {
						walkStrings(v, func(s string) { public.WriteString(s); public.WriteByte(0) })
						continue
					}
					// A secret line, or one whose scenario is unknown.
					where := fmt.Sprintf("%s:%d", full, i+1)
					walkStrings(v, func(s string) {
						for _, run := range strings.FieldsFunc(s, escapedRune) {
							if run = strings.TrimSpace(run); len(run) >= minSecretText && !secret[run] {
								secrets = append(secrets, secretText{run, where})
							}
						}
					})
				}
			}
		}
	}
	if len(secrets) == 0 {
		return nil, nil
	}
	shared := map[string]bool{}
	idx := indexSecrets(secrets)
	scanSecrets(idx, public.Bytes(), func(st secretText) bool { shared[st.text] = true; return true })
	out := secrets[:0]
	for _, st := range secrets {
		if !shared[st.text] {
			out = append(out, st)
		}
	}
	return out, nil
}

// escapedRune reports the characters that HTML or JSON may write escaped.
func escapedRune(r rune) bool {
	return r == '<' || r == '>' || r == '&' || r == '"' || r == '\'' || r == '\\' || r < 0x20 || r == 0x2028 || r == 0x2029
}

func walkStrings(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case []any:
		for _, x := range v {
			walkStrings(x, f)
		}
	case map[string]any:
		for _, k := range sortedKeys(v) {
			walkStrings(v[k], f)
		}
	}
}

// secretIndex holds the runs by their first minSecretText bytes.
type secretIndex map[string][]secretText

func indexSecrets(secrets []secretText) secretIndex {
	idx := secretIndex{}
	for _, st := range secrets {
		k := st.text[:minSecretText]
		dup := false
		for _, x := range idx[k] {
			dup = dup || x.text == st.text
		}
		if !dup {
			idx[k] = append(idx[k], st)
		}
	}
	return idx
}

// scanSecrets slides a window over data once and calls found for each run
// that occurs; found returns whether to go on.
func scanSecrets(idx secretIndex, data []byte, found func(secretText) bool) {
	for i := 0; i+minSecretText <= len(data); i++ {
		for _, st := range idx[string(data[i:i+minSecretText])] {
			if bytes.HasPrefix(data[i:], []byte(st.text)) && !found(st) {
				return
			}
		}
	}
}
