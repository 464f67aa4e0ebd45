package site

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"html/template"
	"iter"
	"math"
	"strconv"
	"sync"
)

// table is one table of a page, with its CSV and JSON downloads.
type table struct {
	ID      string // element id and download file base name
	Caption string
	Columns []column
	Rows    [][]cell
	// gen, when set, makes the rows instead, n of them, each into a
	// scratch row as it is written: a large table of cells that are kept
	// elsewhere is then not copied whole.
	gen     func(i int, row []cell)
	n       int
	CSV     string // URLs of the downloads, unless inlined
	JSON    string
	Name    string // file name of the downloads, without extension
	inlined bool   // the downloads are data: URLs in the page (see inline)
	slot    string // while its page renders: what HTML returns, where the table goes
}

type column struct {
	Name  string // header text and JSON key
	Num   bool   // numeric: right-aligned, sorted as numbers
	Title string // tooltip
}

// cell is one table cell. Value is what the downloads hold (numbers in
// full precision); Text is what the page shows.
type cell struct {
	Text    string
	Value   string
	Num     float64 // for numeric columns; NaN is missing
	Link    string
	Class   string
	Details []detail // shown in a <details> under the text
}

type detail struct{ Key, Value string }

// SortKey is the cell's data-sort attribute.
func (c cell) SortKey() string { return c.Value }

// rows yields the table's rows, made by gen or as kept.
func (t *table) rows() iter.Seq2[int, []cell] {
	return func(yield func(int, []cell) bool) {
		if t.gen == nil {
			for i, r := range t.Rows {
				if !yield(i, r) {
					return
				}
			}
			return
		}
		row := make([]cell, len(t.Columns))
		for i := range t.n {
			t.gen(i, row)
			if !yield(i, row) {
				return
			}
		}
	}
}

// rowCount is the number of rows.
func (t *table) rowCount() int {
	if t.gen != nil {
		return t.n
	}
	return len(t.Rows)
}

func textCell(s string) cell { return cell{Text: s, Value: s, Num: math.NaN()} }

func linkCell(s, link string) cell { return cell{Text: s, Value: s, Link: link, Num: math.NaN()} }

func numCell(v float64) cell {
	if math.IsNaN(v) {
		return cell{Text: "–", Num: v, Class: "num"}
	}
	return cell{Text: fmtNum(v), Value: fullNum(v), Num: v, Class: "num"}
}

func intCell(n int) cell {
	return cell{Text: strconv.Itoa(n), Value: strconv.Itoa(n), Num: float64(n), Class: "num"}
}

// csvBytes is the table as CSV: a header, then the values.
func (t *table) csvBytes() []byte {
	var buf bytes.Buffer
	buf.Grow(t.dataSize())
	t.writeCSV(&buf)
	return buf.Bytes()
}

func (t *table) writeCSV(buf *bytes.Buffer) {
	bw := csvBufs.Get().(*bufio.Writer)
	defer csvBufs.Put(bw)
	bw.Reset(buf)
	defer bw.Reset(nil)
	w := csv.NewWriter(bw) // takes bw as its buffer: no new one per table
	rec := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		rec[i] = c.Name
	}
	w.Write(rec)
	for _, r := range t.rows() {
		for i := range t.Columns {
			rec[i] = r[i].Value
		}
		w.Write(rec)
	}
	w.Flush()
}

// dataSize is about the length of the table's CSV, from its first row: a
// table's rows are alike, and a large one's are made on demand.
func (t *table) dataSize() int {
	n := 64
	for _, c := range t.Columns {
		n += len(c.Name) + 3
	}
	for _, r := range t.rows() {
		w := 0
		for _, c := range r {
			w += len(c.Value) + 1
		}
		return n + (w+w/4)*t.rowCount()
	}
	return n
}

// csvBufs keeps csv.Writer's buffers: thousands of small tables would
// otherwise allocate one each.
var csvBufs = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}

// jsonBytes writes the table as JSON: {"columns": [...], "data": [[...],
// ...]}, a row per line, numbers as numbers and missing numbers as null.
// It is pandas' "split" form (read_json(orient="split")), and a third the
// size of an object per row.
func (t *table) jsonBytes() []byte {
	var buf bytes.Buffer
	buf.Grow(t.dataSize() + t.rowCount()*(4+2*len(t.Columns)))
	t.writeJSON(&buf)
	return buf.Bytes()
}

func (t *table) writeJSON(buf *bytes.Buffer) {
	buf.WriteString(`{"columns": [`)
	for i, c := range t.Columns {
		if i > 0 {
			buf.WriteString(", ")
		}
		writeJSONString(buf, c.Name)
	}
	buf.WriteString("],\n\"data\": [")
	for ri, r := range t.rows() {
		if ri > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n  [")
		for i, c := range t.Columns {
			if i > 0 {
				buf.WriteString(", ")
			}
			v := r[i]
			switch {
			case c.Num && math.IsNaN(v.Num):
				buf.WriteString("null")
			case c.Num && v.Value != "" && !math.IsInf(v.Num, 0):
				buf.WriteString(v.Value) // already the shortest exact form
			case c.Num:
				buf.WriteString(jsonNum(v.Num))
			default:
				writeJSONString(buf, v.Value)
			}
		}
		buf.WriteString("]")
	}
	buf.WriteString("\n]}\n")
}

func jsonNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "null"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// writeJSONString writes s as a JSON string, with <, > and & escaped.
func writeJSONString(buf *bytes.Buffer, s string) {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	if plain {
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
		return
	}
	b, _ := json.Marshal(s) // never fails for a string
	buf.Write(b)
}

// put adds the table's downloads beside the page at dir and sets its URLs.
func (b *builder) putTable(dir string, t *table) error {
	if err := b.put(dir+t.ID+".csv", t.csvBytes(), nil); err != nil {
		return err
	}
	if err := b.put(dir+t.ID+".json", t.jsonBytes(), nil); err != nil {
		return err
	}
	t.CSV = b.site.BasePath + dir + t.ID + ".csv"
	t.JSON = b.site.BasePath + dir + t.ID + ".json"
	return nil
}

// inline makes the table's downloads data: URLs inside the page, for the
// small tables of pages that come by the thousand (a file each would cost
// more to write than the page itself). writeHTML writes them straight into
// the page.
func (t *table) inline(name string) { t.Name, t.inlined = name, true }

const (
	csvURLPrefix  = "data:text/csv;charset=utf-8,"
	jsonURLPrefix = "data:application/json;charset=utf-8;base64,"
)

// writeCSVURL writes the CSV as a data: URL, percent-encoded: for CSV,
// mostly letters, digits, dots and commas, shorter than in base64 (JSON,
// with its quotes and spaces, is shorter in base64). Only characters that
// need no escaping in a URL or a quoted HTML attribute are left as they
// are.
func (t *table) writeCSVURL(b *bytes.Buffer) {
	data := scratchData(t.writeCSV)
	defer dataBufs.Put(data)
	b.WriteString(csvURLPrefix)
	b.Grow(data.Len() + data.Len()/4)
	const hex = "0123456789ABCDEF"
	out := b.AvailableBuffer()
	for _, c := range data.Bytes() {
		if urlSafe[c] {
			out = append(out, c)
		} else {
			out = append(out, '%', hex[c>>4], hex[c&15])
		}
	}
	b.Write(out)
}

// urlSafe marks the bytes writeCSVURL leaves as they are.
var urlSafe = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "0123456789-._~!$()*+,;=:@/" {
		t[c] = true
	}
	return t
}()

// writeJSONURL writes the JSON as a data: URL in base64.
func (t *table) writeJSONURL(b *bytes.Buffer) {
	data := scratchData(t.writeJSON)
	defer dataBufs.Put(data)
	b.WriteString(jsonURLPrefix)
	b.Grow(base64.StdEncoding.EncodedLen(data.Len()))
	b.Write(base64.StdEncoding.AppendEncode(b.AvailableBuffer(), data.Bytes()))
}

// dataBufs keeps the scratch buffers of inlined downloads.
var dataBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// scratchData returns a buffer from dataBufs holding what write wrote.
func scratchData(write func(*bytes.Buffer)) *bytes.Buffer {
	data := dataBufs.Get().(*bytes.Buffer)
	data.Reset()
	write(data)
	return data
}

// HTML is the table with its download links. While a page that splices
// the table renders (see templates.execute), it is a marker instead, which
// the table replaces in the page: a large table then goes straight into the
// page, not through a string and the template's printing.
func (t *table) HTML() template.HTML {
	if t.slot != "" {
		return template.HTML(t.slot)
	}
	var b bytes.Buffer
	b.Grow(t.htmlSize())
	t.writeHTML(&b)
	return template.HTML(b.String())
}

// writeHTML writes the table. It is written here rather than in a
// template because leaderboards run to thousands of rows; every text is
// escaped. The page is complete without scripts; podium.js sorts on a
// header click, by data-sort values.
func (t *table) writeHTML(b *bytes.Buffer) {
	b.WriteString(`<div class="table">` + "\n")
	if t.CSV != "" || t.inlined {
		b.WriteString(`<p class="downloads">Download this table: <a href="`)
		if t.inlined {
			t.writeCSVURL(b)
		} else {
			esc(b, t.CSV)
		}
		b.WriteString(`" download`)
		if t.Name != "" {
			b.WriteString(`="`)
			esc(b, t.Name+".csv")
			b.WriteString(`"`)
		}
		b.WriteString(`>CSV</a> · <a href="`)
		if t.inlined {
			t.writeJSONURL(b)
		} else {
			esc(b, t.JSON)
		}
		b.WriteString(`" download`)
		if t.Name != "" {
			b.WriteString(`="`)
			esc(b, t.Name+".json")
			b.WriteString(`"`)
		}
		b.WriteString(`>JSON</a></p>` + "\n")
	}
	b.WriteString(`<div class="scroll"><table class="sortable" id="table-`)
	esc(b, t.ID)
	b.WriteString(`">`)
	if t.Caption != "" {
		b.WriteString("<caption>")
		esc(b, t.Caption)
		b.WriteString("</caption>")
	}
	b.WriteString("\n<thead><tr>")
	for _, c := range t.Columns {
		b.WriteString(`<th scope="col"`)
		if c.Num {
			b.WriteString(` class="num" data-type="num"`)
		}
		if c.Title != "" {
			b.WriteString(` title="`)
			esc(b, c.Title)
			b.WriteString(`"`)
		}
		b.WriteString(">")
		esc(b, c.Name)
		b.WriteString("</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range t.rows() {
		b.WriteString("<tr>")
		for _, c := range r {
			switch c.Class {
			case "":
				b.WriteString("<td")
			case "num": // most cells
				b.WriteString(`<td class="num"`)
			default:
				b.WriteString(`<td class="`)
				esc(b, c.Class)
				b.WriteByte('"')
			}
			if c.Value != c.Text {
				b.WriteString(` data-sort="`)
				esc(b, c.Value)
				b.WriteByte('"')
			}
			b.WriteByte('>')
			if len(c.Details) > 0 {
				b.WriteString("<details><summary>")
			}
			if c.Link != "" {
				b.WriteString(`<a href="`)
				esc(b, c.Link)
				b.WriteString(`">`)
				esc(b, c.Text)
				b.WriteString("</a>")
			} else {
				esc(b, c.Text)
			}
			if len(c.Details) > 0 {
				b.WriteString("</summary><dl>")
				for _, d := range c.Details {
					b.WriteString("<dt>")
					esc(b, d.Key)
					b.WriteString("</dt><dd>")
					esc(b, d.Value)
					b.WriteString("</dd>")
				}
				b.WriteString("</dl></details>")
			}
			b.WriteString("</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table></div>\n</div>\n")
}

// htmlSize is about the length of the table's HTML, escaping aside, so
// that it is written without growing.
func (t *table) htmlSize() int {
	n := 512 + len(t.CSV) + len(t.JSON) + len(t.Caption)
	if t.inlined {
		d := t.dataSize()
		n += d + d/4 + (d+t.rowCount()*(4+2*len(t.Columns)))*4/3
	}
	for _, c := range t.Columns {
		n += 64 + len(c.Name) + len(c.Title)
	}
	if t.gen != nil && t.n > 4*sampledRows {
		// Rows that are made on demand: a sample, spread over the table,
		// stands for the rest (a pass over them all costs as much as
		// writing them).
		row := make([]cell, len(t.Columns))
		step, sum, k := t.n/sampledRows, 0, 0
		for i := 0; i < t.n; i += step {
			t.gen(i, row)
			sum += rowHTMLSize(row)
			k++
		}
		n += sum / k * t.n * 17 / 16 // rows differ: some room
	} else {
		for _, r := range t.rows() {
			n += rowHTMLSize(r)
		}
	}
	return n + n/32
}

// sampledRows is how many rows htmlSize looks at in a large table whose
// rows are made on demand.
const sampledRows = 64

// rowHTMLSize is the length of a row's HTML as writeHTML writes it,
// escaping aside.
func rowHTMLSize(r []cell) int {
	n := len("<tr></tr>\n")
	for _, c := range r {
		n += len("<td></td>") + len(c.Text)
		if c.Class != "" {
			n += len(` class=""`) + len(c.Class)
		}
		if c.Value != c.Text {
			n += len(` data-sort=""`) + len(c.Value)
		}
		if c.Link != "" {
			n += len(`<a href=""></a>`) + len(c.Link)
		}
		if len(c.Details) > 0 {
			n += len("<details><summary></summary><dl></dl></details>")
			for _, d := range c.Details {
				n += len("<dt></dt><dd></dd>") + len(d.Key) + len(d.Value)
			}
		}
	}
	return n
}

// htmlSpecial marks the bytes esc replaces.
var htmlSpecial = [256]bool{'<': true, '>': true, '&': true, '"': true, '\'': true}

// esc writes s escaped for HTML text and quoted attributes.
func esc(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		if !htmlSpecial[s[i]] {
			continue
		}
		var r string
		switch s[i] {
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		case '&':
			r = "&amp;"
		case '"':
			r = "&#34;"
		case '\'':
			r = "&#39;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(r)
		last = i + 1
	}
	b.WriteString(s[last:])
}
