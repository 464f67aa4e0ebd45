package main

// The dataset loaders and perturbations that suites name by string
// register themselves with package task when linked in.
import (
	_ "podium/scorer/perturb"
	_ "podium/scorer/scenario"
)
