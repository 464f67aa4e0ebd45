// Package e2e scores the core suite against a real model: the sample
// submission in examples/submission-llamacpp (node-llama-cpp) serving the
// tiny GGUF model in ../shared/models. It runs only with PODIUM_E2E=1
// (make test-e2e, which installs the example's node_modules first).
// PODIUM_SCORER=FILE scores with that scorer binary instead of building one.
package e2e
