# knet: the two commands a newcomer needs are `make demo` and `make test`.
# Everything is driven by the TypeScript tool in tool/ (compiled to dist/).

KNET := node dist/src/cli.js
NODE_DEPS := node_modules/.package-lock.json

.PHONY: series-check demo test test-lts test-debug test-debug-lts bench build build-lts setup shell unit tool

demo: tool
	@$(KNET) demo

test: tool
	@$(KNET) test

# The same suite on the 6.12 LTS backport.
test-lts: tool
	@$(KNET) test --lts

test-debug: tool
	@$(KNET) test --debug

test-debug-lts: tool
	@$(KNET) test --debug --lts

# What a maintainer does with the series: git am onto 7.3, a build after each patch.
series-check: tool
	@$(KNET) series-check

bench: tool
	@$(KNET) bench

build: tool
	@$(KNET) build

build-lts: tool
	@$(KNET) build --lts

setup: tool
	@$(KNET) setup

shell: tool
	@$(KNET) shell

# Host unit tests only: no kernel, no guest, no cache (seconds, on a fresh clone).
# The end-to-end host tests (tool/test/e2e) run in make test.
unit: tool
	@node --test dist/test/unit/

tool: $(NODE_DEPS)
	@command -v node >/dev/null || { echo "knet: node not found; fix: install Node.js 20 (apt-get install nodejs)"; exit 1; }
	@# From scratch: tsc keeps the output of moved or deleted sources, and the
	@# test runner would run stale test files.
	@rm -rf dist && npx tsc -p .

$(NODE_DEPS): package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error
