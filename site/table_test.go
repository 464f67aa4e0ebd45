package site

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// The downloads inlined in a page decode to exactly the table's CSV and
// JSON, whatever bytes its cells hold.
func TestInlineDownloadsDecode(t *testing.T) {
	var all strings.Builder
	for c := 0; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	tb := &table{ID: "results", Columns: []column{{Name: "team, \"quoted\""}, {Name: "value", Num: true}}, Rows: [][]cell{
		{textCell(`<img src=x onerror=alert(1)></script> #frag %41 & 'q'`), numCell(0.25)},
		{textCell("é \u2028 line\nbreak\ttab"), numCell(math.NaN())},
		{textCell(all.String()), numCell(1e-7)},
	}}
	tb.inline("sub-1-results")
	html := string(tb.HTML())
	link := func(prefix, name string) string {
		_, rest, ok := strings.Cut(html, `href="`+prefix)
		data, _, ok2 := strings.Cut(rest, `" download="`+name+`"`)
		if !ok || !ok2 {
			t.Fatalf("page lacks a %s link named %s: %.300s", prefix, name, html)
		}
		return data
	}
	csvData := link("data:text/csv;charset=utf-8,", "sub-1-results.csv")
	if i := strings.IndexAny(csvData, "\"'<>&# \n\r\t"); i >= 0 {
		t.Errorf("CSV URL holds %q unescaped", csvData[i])
	}
	got, err := url.PathUnescape(csvData)
	if err != nil || got != string(tb.csvBytes()) {
		t.Errorf("CSV URL decodes to %q, %v; want %q", got, err, tb.csvBytes())
	}
	jsonData := link("data:application/json;charset=utf-8;base64,", "sub-1-results.json")
	raw, err := base64.StdEncoding.DecodeString(jsonData)
	if err != nil || string(raw) != string(tb.jsonBytes()) {
		t.Errorf("JSON URL decodes to %q, %v", raw, err)
	}
}

// splice puts each table where its marker is, keeps anything that only
// looks like a marker, and the result is what HTML gives in place.
func TestSplice(t *testing.T) {
	a := &table{ID: "a", Columns: []column{{Name: "x"}}, Rows: [][]cell{{textCell("<b>1</b>")}}}
	b := &table{ID: "b", Columns: []column{{Name: "y", Num: true}}, Rows: [][]cell{{numCell(0.5)}}}
	wantA, wantB := string(a.HTML()), string(b.HTML())
	page := "<p>" + slotMark + "1\x00</p>" + slotMark + "0\x00" + slotMark + "7\x00" + slotMark + "x\x00" + slotMark
	got := string(splice([]byte(page), []*table{a, b}))
	want := "<p>" + wantB + "</p>" + wantA + slotMark + "7\x00" + slotMark + "x\x00" + slotMark
	if got != want {
		t.Errorf("splice:\n got %q\nwant %q", got, want)
	}
}

// No text a template prints can forge a marker: html/template replaces NUL.
func TestSlotMarkCannotComeFromText(t *testing.T) {
	tpl := template.Must(template.New("p").Parse(`<p title="{{.}}">{{.}}</p><script>var s = {{.}};</script>`))
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, slotMark+"0\x00"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x00") {
		t.Errorf("NUL printed: %q", buf.String())
	}
}

// A table's JSON download is {"columns", "data"}: the header, then each
// row's values, numbers as numbers and missing ones as null.
func TestTableJSONIsSplitForm(t *testing.T) {
	tb := &table{Columns: []column{{Name: "team \"q\""}, {Name: "score", Num: true}}, Rows: [][]cell{
		{textCell("<b>A</b> & co"), numCell(0.1 + 0.2)},
		{textCell("B"), numCell(math.NaN())},
		{textCell("C"), numCell(1e-7)},
	}}
	var got struct {
		Columns []string
		Data    [][]any
	}
	dec := json.NewDecoder(bytes.NewReader(tb.jsonBytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v:\n%s", err, tb.jsonBytes())
	}
	want := struct {
		Columns []string
		Data    [][]any
	}{[]string{"team \"q\"", "score"}, [][]any{{"<b>A</b> & co", 0.1 + 0.2}, {"B", nil}, {"C", 1e-7}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON decodes to %v, want %v", got, want)
	}
}

// formatNums gives each value the cell numCell gives it.
func TestFormatNums(t *testing.T) {
	vs := []float64{0.2724, 0.42200000000000004, math.NaN(), 0, -1.5, 1e-7, math.Inf(1), 123456.789, math.NaN()}
	got := formatNums(vs)
	for i, v := range vs {
		c, want := got.cell(v, i), numCell(v)
		if c.Text != want.Text || c.Value != want.Value || c.Class != want.Class {
			t.Errorf("%v: %+v, want %+v", v, c, want)
		}
		if !math.IsNaN(v) && (got.text(i) != want.Text || got.full(i) != want.Value) {
			t.Errorf("%v: texts %q, %q, want %q, %q", v, got.text(i), got.full(i), want.Text, want.Value)
		}
	}
}
