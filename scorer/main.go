// Command scorer evaluates a submission's inference server and writes its
// results; see docs/scorer.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
)

type command struct {
	run  func(args []string) error
	help string
}

// commands is the subcommand table: one line per subcommand.
var commands = map[string]command{
	"run":      {runCmd, "score a submission's server on a suite and write its results"},
	"simulate": {simulateCmd, "serve a SIMULATED submission (for demos and tests)"},
	"import":   {importCmd, "import results produced elsewhere: scorer import KIND ..."},
	"gpu":      {gpuCmd, "show the NVIDIA GPUs and the tracks each is eligible for"},
	"audit":    {auditCmd, "run a training command on one GPU within a time limit and audit it"},
	"verify":   {verifyCmd, "compare a reproduction with the submitted results and record its status"},
}

// importers is the `scorer import KIND` table: one line per kind.
var importers = map[string]func(args []string) error{
	"neurips2023": importNeurips2023,
	"helm":        importHELM,
}

// exitCoder is an error that asks for a particular exit status.
type exitCoder interface{ ExitCode() int }

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

func dispatch(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "scorer: unknown command %q\n\n", args[0])
		usage()
		return 2
	}
	err := cmd.run(args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "scorer "+args[0]+":", msg)
		}
		return ec.ExitCode()
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(os.Stderr, "scorer "+args[0]+":", err)
		return 2
	}
	fmt.Fprintln(os.Stderr, "scorer "+args[0]+":", err)
	return 1
}

// usageError is a bad command line (exit status 2).
type usageError struct{ error }

func usage() {
	fmt.Fprintln(os.Stderr, "Usage: scorer COMMAND [flags]   (scorer COMMAND --help for its flags)\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].help)
	}
}

func importCmd(args []string) error {
	kinds := make([]string, 0, len(importers))
	for k := range importers {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(os.Stderr, "Usage: scorer import KIND [flags] ...   (scorer import KIND --help)\nKinds: %v\n", kinds)
		if len(args) == 0 {
			return usageError{fmt.Errorf("missing KIND")}
		}
		return flag.ErrHelp
	}
	fn, ok := importers[args[0]]
	if !ok {
		return usageError{fmt.Errorf("unknown import kind %q (known: %v)", args[0], kinds)}
	}
	return fn(args[1:])
}
