package markdown

import (
	"bytes"
	"testing"
)

// TestHighlightCache: a code block seen before renders as it did, and the
// same code in another language is lexed for that language.
func TestHighlightCache(t *testing.T) {
	code := "x = 1 # note\n"
	render := func(lang string) []byte {
		t.Helper()
		out, err := New().HTML([]byte("```" + lang + "\n" + code + "```\n"))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	py := render("python")
	if again := render("python"); !bytes.Equal(py, again) {
		t.Errorf("second rendering differs:\n%s\n%s", py, again)
	}
	render("ruby")
	if _, ok := highlighted.get("ruby\x00" + code); !ok {
		t.Error("ruby's block was not kept under its own language")
	}
	if _, ok := highlighted.get("python\x00" + code); !ok {
		t.Error("python's block was not kept")
	}
	c := &codeCache{max: 64}
	c.put("a", []byte("1"))
	c.put("b", bytes.Repeat([]byte("x"), 10)) // over max/16: not kept
	if _, ok := c.get("b"); ok {
		t.Error("a block over the size limit was kept")
	}
	for i := 0; i < 40; i++ {
		c.put(string(rune('c'+i)), []byte("1"))
	}
	if c.size > c.max {
		t.Errorf("cache holds %d bytes, max %d", c.size, c.max)
	}
}
