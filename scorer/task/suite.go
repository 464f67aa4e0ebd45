package task

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Suite is a named list of tasks.
type Suite struct {
	Name        string `toml:"name"`
	Description string `toml:"description"`
	Tasks       []Spec `toml:"tasks"`

	Dir  string `toml:"-"` // relative instance paths resolve against it
	From string `toml:"-"` // the file or bundled name it was read from
}

// ParseSuite reads a suite TOML, or a single task spec (a file with no
// `tasks` array), naming from in errors.
func ParseSuite(data []byte, from, dir string) (*Suite, error) {
	var s Suite
	md, err := toml.Decode(string(data), &s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	if !md.IsDefined("tasks") {
		var spec Spec
		md, err = toml.Decode(string(data), &spec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", from, err)
		}
		if err := undecoded(md, from); err != nil {
			return nil, err
		}
		s = Suite{Name: spec.Name, Description: spec.Description, Tasks: []Spec{spec}}
	} else if err := undecoded(md, from); err != nil {
		return nil, err
	}
	s.Dir, s.From = dir, from
	if strings.TrimSpace(s.Name) == "" {
		return nil, fmt.Errorf("%s: field \"name\": missing", from)
	}
	if len(s.Tasks) == 0 {
		return nil, fmt.Errorf("%s: suite %q has no tasks", from, s.Name)
	}
	seen := map[string]bool{}
	for i := range s.Tasks {
		sp := &s.Tasks[i]
		if err := sp.Validate(fmt.Sprintf("%s: tasks[%d]", from, i)); err != nil {
			return nil, err
		}
		if seen[sp.Name] {
			return nil, fmt.Errorf("%s: tasks[%d]: duplicate task name %q", from, i, sp.Name)
		}
		seen[sp.Name] = true
	}
	return &s, nil
}

func undecoded(md toml.MetaData, from string) error {
	if keys := md.Undecoded(); len(keys) > 0 {
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = k.String()
		}
		return fmt.Errorf("%s: unknown field(s): %s", from, strings.Join(names, ", "))
	}
	return nil
}

// LoadSuite opens a suite by bundled name (see Bundled) or by file path.
func LoadSuite(nameOrFile string) (*Suite, error) {
	if data, ok := Bundled(nameOrFile); ok {
		return ParseSuite(data, "suite "+nameOrFile, "")
	}
	data, err := os.ReadFile(nameOrFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(nameOrFile, "/\\.") {
			return nil, fmt.Errorf("no bundled suite %q (bundled: %s) and no such file", nameOrFile, strings.Join(BundledNames(), ", "))
		}
		return nil, fmt.Errorf("suite: %w", err)
	}
	return ParseSuite(data, nameOrFile, filepath.Dir(nameOrFile))
}

// ReadJSONL reads instances, one JSON object a line; blank lines are skipped.
// Errors name the file and line.
func ReadJSONL(path string) ([]Instance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeJSONL(f, path)
}

// DecodeJSONL is ReadJSONL over a reader; name is used in errors.
func DecodeJSONL(r io.Reader, name string) ([]Instance, error) {
	var out []Instance
	br := bufio.NewReaderSize(r, 1<<16)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var in Instance
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if derr := dec.Decode(&in); derr != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, line, derr)
			}
			if in.ID == "" {
				return nil, fmt.Errorf("%s:%d: field \"id\": missing", name, line)
			}
			out = append(out, in)
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
}

// checkInstances validates a task's instances for its adapter.
func checkInstances(sp *Spec, ins []Instance, what string) error {
	ids := make(map[string]bool, len(ins))
	for i := range ins {
		in := &ins[i]
		if ids[in.ID] {
			return fmt.Errorf("task %q: %s instance %q: duplicate id", sp.Name, what, in.ID)
		}
		ids[in.ID] = true
		if len(in.References) == 0 {
			return fmt.Errorf("task %q: %s instance %q: no references", sp.Name, what, in.ID)
		}
		if sp.Adapter == MultipleChoice {
			if len(in.References) > len(letters) {
				return fmt.Errorf("task %q: %s instance %q: %d choices, at most %d", sp.Name, what, in.ID, len(in.References), len(letters))
			}
			if len(correctIndexes(in)) == 0 {
				return fmt.Errorf("task %q: %s instance %q: no choice is marked correct", sp.Name, what, in.ID)
			}
		}
	}
	return nil
}

// BundledNames lists the bundled suites, sorted.
func BundledNames() []string {
	names := []string{}
	entries, _ := bundledFS.ReadDir("suites")
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".toml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Bundled returns a bundled suite's TOML.
func Bundled(name string) ([]byte, bool) {
	if name == "" || strings.ContainsAny(name, "/\\.") {
		return nil, false
	}
	b, err := bundledFS.ReadFile("suites/" + name + ".toml")
	return b, err == nil
}
