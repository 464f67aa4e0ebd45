# Podium. make demo: the whole job on the bundled sample. make test: vet and
# every test with -race, the end-to-end test included. make bench: figures.
GO ?= go
BIN := $(CURDIR)/bin
LLAMACPP := examples/submission-llamacpp
export PATH := $(BIN):$(PATH)

.PHONY: all setup build vet test test-e2e bench demo serve clean

all: build

# Installs what the tests need on a fresh machine (Go modules, Chromium);
# skips what is there.
setup:
	scripts/setup.sh chromium

build:
	$(GO) build -o $(BIN)/podium .
	$(GO) build -o $(BIN)/scorer ./scorer

vet:
	$(GO) vet ./...
	@unformatted=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

test: setup build vet node_modules/.package-lock.json
	$(GO) test -race ./...
	$(MAKE) test-e2e

# ECharts and KaTeX from the lock file: the site serves vendored copies,
# which a test compares with these byte for byte.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

# The sample submission's npm dependencies, from its lock file: prebuilt
# binaries only, no install scripts. Redone only when the lock file changes.
$(LLAMACPP)/node_modules/.package-lock.json: $(LLAMACPP)/package-lock.json
	cd $(LLAMACPP) && npm ci --omit=optional --ignore-scripts --no-audit --no-fund

# A real model in the loop: the example's own tests, then `scorer run` on
# the core suite against it with both protocols (needs ../shared, Node 20+).
test-e2e: build $(LLAMACPP)/node_modules/.package-lock.json
	cd $(LLAMACPP) && npm test
	PODIUM_E2E=1 PODIUM_SCORER=$(BIN)/scorer $(GO) test -count=1 -v -run TestScorerAgainstLlamaCpp ./e2e/

bench: build
	scripts/setup.sh hugo
	scripts/bench-site.sh
	$(GO) test -run '^$$' -bench . -benchtime 5x ./ranking
	$(GO) test -run '^$$' -bench 'Render1000$$' -benchtime 5x ./site/markdown
	$(GO) test -run '^$$' -bench BenchmarkPreparePrompts -benchtime 5x ./scorer/scenario
	scripts/bench-scorer.sh

demo: build
	scripts/demo.sh

serve: build
	$(BIN)/podium serve --root .

clean:
	rm -rf $(BIN) public
