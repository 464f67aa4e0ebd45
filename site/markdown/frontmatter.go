package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/goccy/go-yaml"
)

// FrontMatter holds the keys the site understands. Every key, these
// included, is also in Page.Params.
type FrontMatter struct {
	Title       string // title
	Layout      string // layout (Jekyll)
	Permalink   string // permalink: the page's path, e.g. /rules/
	Order       int    // nav_order, order or weight: place in the navigation
	Description string // description
	Date        string // date, as written (YYYY-MM-DD)
	Draft       bool   // draft: not built
	NavExclude  bool   // nav_exclude: built but left out of the navigation
	Format      string // "yaml", "toml", or "" when the page has none
}

// Error is a front matter error with the file and line it concerns.
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

// splitFrontMatter splits src into its front matter (without fences) and
// body. bodyLine is the 1-based line of the body's first line in src.
func splitFrontMatter(name string, src []byte) (format string, fm, body []byte, bodyLine int, err error) {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	first, rest, _ := bytes.Cut(src, []byte("\n"))
	fence := string(bytes.TrimRight(first, " \t\r"))
	var closers []string
	switch fence {
	case "---":
		format, closers = "yaml", []string{"---", "..."}
	case "+++":
		format, closers = "toml", []string{"+++"}
	default:
		return "", nil, src, 1, nil
	}
	line := 2
	off := 0
	for off <= len(rest) {
		end := bytes.IndexByte(rest[off:], '\n')
		var l []byte
		next := len(rest) + 1
		if end < 0 {
			l = rest[off:]
		} else {
			l = rest[off : off+end]
			next = off + end + 1
		}
		t := string(bytes.TrimRight(l, " \t\r"))
		for _, c := range closers {
			if t == c {
				body := []byte{}
				if next <= len(rest) {
					body = rest[next:]
				}
				return format, rest[:off], body, line + 1, nil
			}
		}
		off = next
		line++
	}
	return "", nil, nil, 0, &Error{File: name, Line: 1, Msg: fmt.Sprintf("front matter opened with %q is never closed", fence)}
}

// parseFrontMatter reads front matter in format, whose first line is line
// 2 of the file.
func parseFrontMatter(name, format string, src []byte) (FrontMatter, map[string]any, error) {
	meta := FrontMatter{Format: format}
	params := map[string]any{}
	if len(bytes.TrimSpace(src)) == 0 {
		return meta, params, nil
	}
	// A leading newline stands for the opening fence, so the parsers count
	// lines as the file does.
	padded := append([]byte("\n"), src...)
	var lines map[string]int
	switch format {
	case "yaml":
		var v any
		if err := yaml.Unmarshal(padded, &v); err != nil {
			return meta, nil, yamlError(name, err)
		}
		switch v := v.(type) {
		case nil:
			return meta, params, nil
		case map[string]any:
			params = v
		default:
			return meta, nil, &Error{File: name, Line: firstContentLine(padded), Msg: "front matter must be a mapping of keys to values"}
		}
		lines = yamlKeyLines(padded)
	case "toml":
		if _, err := toml.Decode(string(padded), &params); err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				return meta, nil, &Error{File: name, Line: pe.Position.Line, Msg: "front matter: " + pe.Message}
			}
			return meta, nil, &Error{File: name, Msg: "front matter: " + err.Error()}
		}
		lines = tomlKeyLines(padded)
	}
	params = normalize(params).(map[string]any)
	if err := meta.fill(params); err != nil {
		err.File, err.Line = name, lines[err.key]
		return meta, nil, &err.Error
	}
	return meta, params, nil
}

// yamlError keeps the line and message of a YAML error, without the
// source excerpt that the library adds.
func yamlError(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		line := 0
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		return &Error{File: name, Line: line, Msg: "front matter: " + ye.GetMessage()}
	}
	return &Error{File: name, Msg: "front matter: " + err.Error()}
}

// firstContentLine is the line of the first non-blank, non-comment line.
func firstContentLine(src []byte) int {
	for i, l := range strings.Split(string(src), "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			return i + 1
		}
	}
	return 0
}

var yamlKey = regexp.MustCompile(`^["']?([^\s:"'#][^:"']*?)["']?\s*:(\s|$)`)

// yamlKeyLines finds the line of each top-level key.
func yamlKeyLines(src []byte) map[string]int {
	lines := map[string]int{}
	for i, l := range strings.Split(string(src), "\n") {
		if m := yamlKey.FindStringSubmatch(strings.TrimRight(l, "\r")); m != nil {
			if _, ok := lines[m[1]]; !ok {
				lines[m[1]] = i + 1
			}
		}
	}
	return lines
}

var tomlKey = regexp.MustCompile(`^\s*["']?([A-Za-z0-9_-]+)["']?\s*=`)

// tomlKeyLines finds the line of each top-level key.
func tomlKeyLines(src []byte) map[string]int {
	lines := map[string]int{}
	inTable := false
	for i, l := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			inTable = true
		}
		if m := tomlKey.FindStringSubmatch(l); m != nil && !inTable {
			if _, ok := lines[m[1]]; !ok {
				lines[m[1]] = i + 1
			}
		}
	}
	return lines
}

type fieldError struct {
	Error
	key string
}

// fill sets the known fields from params, checking their types.
func (m *FrontMatter) fill(params map[string]any) *fieldError {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	orderKey := ""
	for _, k := range keys {
		v := params[k]
		var err string
		switch k {
		case "title":
			m.Title, err = asString(v)
		case "layout":
			m.Layout, err = asString(v)
		case "permalink":
			m.Permalink, err = asString(v)
		case "description":
			m.Description, err = asString(v)
		case "date":
			m.Date, err = asString(v)
		case "nav_order", "order", "weight":
			if orderKey != "" {
				return &fieldError{Error{Msg: fmt.Sprintf("front matter: %q and %q both set the order; keep one", orderKey, k)}, k}
			}
			orderKey = k
			m.Order, err = asInt(v)
		case "draft":
			m.Draft, err = asBool(v)
		case "nav_exclude":
			m.NavExclude, err = asBool(v)
		default:
			continue
		}
		if err != "" {
			return &fieldError{Error{Msg: fmt.Sprintf("front matter: %q %s, got %v", k, err, describe(v))}, k}
		}
	}
	if m.Permalink != "" && !strings.HasPrefix(m.Permalink, "/") {
		return &fieldError{Error{Msg: fmt.Sprintf("front matter: \"permalink\" must start with /, got %q", m.Permalink)}, "permalink"}
	}
	return nil
}

func describe(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case nil:
		return "nothing"
	default:
		return fmt.Sprintf("%v (%T)", v, v)
	}
}

func asString(v any) (string, string) {
	switch v := v.(type) {
	case string:
		return v, ""
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(v), ""
	case time.Time: // a TOML date or date-time
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			return v.Format(time.DateOnly), ""
		}
		return v.Format(time.RFC3339), ""
	}
	return "", "must be text"
}

func asInt(v any) (int, string) {
	switch v := v.(type) {
	case int:
		return v, ""
	case int64:
		return int(v), ""
	case uint64:
		if v <= math.MaxInt32 {
			return int(v), ""
		}
	case float64:
		if v == float64(int(v)) {
			return int(v), ""
		}
	}
	return 0, "must be a whole number"
}

func asBool(v any) (bool, string) {
	if b, ok := v.(bool); ok {
		return b, ""
	}
	return false, "must be true or false"
}

// normalize makes every whole number an int, as YAML gives uint64 and
// TOML int64, so templates compare them alike.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = normalize(x)
		}
	case []any:
		for i, x := range v {
			v[i] = normalize(x)
		}
	case []map[string]any:
		for _, x := range v {
			normalize(x)
		}
	case uint64:
		if v <= math.MaxInt {
			return int(v)
		}
	case int64:
		return int(v)
	}
	return v
}
