package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"podium/internal/sharedtest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"podium": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scripts in testdata/script; $SHARED is ../shared.
func TestScripts(t *testing.T) {
	shared := sharedtest.Dir(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("SHARED", shared)
			return nil
		},
	})
}
