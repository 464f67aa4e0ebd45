package runner

import (
	"bytes"
	"strings"
	"testing"
)

func TestPlainProgressLines(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, "scoring x") // not a terminal: plain lines
	p.Start(40)
	for range 40 {
		p.Add(1)
	}
	p.Finish()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 11 || lines[0] != "scoring x: 40 instances" {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "scoring x: 40/40 (100%), ") || !strings.Contains(last, "/s, ETA ") {
		t.Errorf("last line %q", last)
	}
}
