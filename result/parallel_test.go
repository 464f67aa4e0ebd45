package result

import (
	"fmt"
	"strings"
	"testing"
)

// TestLoadRoundManyFiles: files read on every core come back in order, and
// the error reported is the first in file order, as one by one.
func TestLoadRoundManyFiles(t *testing.T) {
	files := map[string]string{"results/r1/round.toml": roundTOML}
	for i := 0; i < 200; i++ {
		id := fmt.Sprintf("s%03d", i)
		files["results/r1/4090/"+id+".toml"] = strings.Replace(subTOML, `id = "a"`, `id = "`+id+`"`, 1)
	}
	r, err := LoadRound(writeTree(t, files), "r1")
	if err != nil {
		t.Fatal(err)
	}
	subs := r.Results["4090"]
	if len(subs) != 200 {
		t.Fatalf("%d submissions", len(subs))
	}
	for i, s := range subs {
		if want := fmt.Sprintf("s%03d", i); s.ID != want {
			t.Fatalf("submission %d is %s, want %s", i, s.ID, want)
		}
	}
	// Two bad files: the one that sorts first is reported, every time.
	files["results/r1/4090/s150.toml"] = strings.Replace(subTOML, `id = "a"`, `id = "s150"`, 1) + "colour = 1\n"
	files["results/r1/4090/s040.toml"] = strings.Replace(subTOML, `id = "a"`, `id = "s040"`, 1) + "shade = 1\n"
	root := writeTree(t, files)
	for i := 0; i < 20; i++ {
		_, err := LoadRound(root, "r1")
		if err == nil || !strings.Contains(err.Error(), `s040.toml:10: unknown key "scenarios.metrics.shade"`) {
			t.Fatalf("err = %v", err)
		}
	}
}
