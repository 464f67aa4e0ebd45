//go:build race

package scenario

// raceEnabled: under the race detector the end-to-end test runs smaller
// budgets to stay fast.
const raceEnabled = true
