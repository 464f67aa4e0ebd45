// Package sharedtest finds the read-only ../shared folder (real datasets,
// reference results, the tiny model) that tests may read.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the module root (the folder holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("sharedtest: no go.mod above the test's folder")
		}
		dir = parent
	}
}

// Dir returns ../shared/<elem...> beside the module root, or $PODIUM_SHARED
// when set. Where it is missing the test is skipped, except under CI
// (CI=true), where it fails.
func Dir(t testing.TB, elem ...string) string {
	t.Helper()
	base := os.Getenv("PODIUM_SHARED")
	if base == "" {
		base = filepath.Join(filepath.Dir(Root(t)), "shared")
	}
	p := filepath.Join(append([]string{base}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		msg := "shared data not found at " + p + " (set PODIUM_SHARED or place shared/ beside the checkout)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}
