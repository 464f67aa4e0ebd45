package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"podium/result"
)

func TestImportHELM(t *testing.T) {
	root := t.TempDir()
	err := importHELM([]string{filepath.Join("helmimport", "testdata", "benchmark_output"), "--round", "r2023", "--track", "4090", "--root", root, "--submission", "team-a"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(result.Path(root, "r2023", "4090", "team-a"))
	if err != nil {
		t.Fatal(err)
	}
	var sub result.Submission
	if err := toml.Unmarshal(data, &sub); err != nil {
		t.Fatal(err)
	}
	if sub.ID != "team-a" || sub.Run == nil || sub.Run.Imported != "helm" || len(sub.Scenarios) != 5 {
		t.Errorf("imported %+v", sub)
	}
	if !strings.Contains(string(data), `"ethics_justice - EM (Robustness)"`) {
		t.Errorf("results lack the ethics robustness metric:\n%s", data)
	}
	if err := importHELM([]string{"--round", "r", "--track", "t"}); err == nil {
		t.Error("no folder accepted")
	}
}
