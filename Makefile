# The two commands: `make run` (default conformance suite -> reports/) and
# `make test` (all tests). Both set everything up first; the set-up steps are
# idempotent and skip work already done (stamps, image content hashes).
SHELL := /bin/bash
.DEFAULT_GOAL := run
CACHE := .cache
TS := $(shell find harness -name '*.ts')

.PHONY: setup host images run smoke test test-unit bench mutation clean

setup: host $(CACHE)/npm.stamp dist/.stamp schema/scenario.schema.json images

host:
	@bash scripts/setup-host.sh

$(CACHE)/npm.stamp: package.json package-lock.json
	@mkdir -p $(CACHE)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

dist/.stamp: $(TS) tsconfig.json $(CACHE)/npm.stamp
	npx tsc -p tsconfig.json
	@touch $@

schema/scenario.schema.json: dist/.stamp
	@mkdir -p schema
	node bin/msh.js schema > $@.tmp && mv $@.tmp $@

images: host
	@bash scripts/build-image.sh

# Scenarios share JOBS slots (each has its own namespaces, addresses and
# containers; an identity or DR run takes two); 1 = one after another. See the
# README for measured wall times.
JOBS ?= 1
run: setup
	node bin/msh.js run --tag default --jobs $(JOBS)

# One scenario per seed area (HA, identity, DR): CI on every change. Three
# slots: the DR and HA runs side by side, then the identity run (identity and
# DR runs take two slots each: harness/engine/slots.ts); 42.5-44.6 s on the
# quiet 2-core machine, every verdict passing; one at a time 59.2 s (README).
smoke: setup
	node bin/msh.js run --tag smoke --jobs 3

test: setup
	npx tsc -p tsconfig.test.json
	npx vitest run

test-unit: $(CACHE)/npm.stamp
	npx vitest run test/unit

bench: setup
	node dist/bench/main.js

# Mutation testing (StrykerJS) of harness/checks and harness/faults against the
# unit tests; slow, so not part of `make test`. Stryker 10 needs Node >= 22: it
# runs on the registry's node@22 package (npx fetches it into npm's cache on
# first use), the project stays on Node 20. Not a devDependency: its `node` bin
# would shadow Node 20 for every npx/npm script. One file:
# `make mutation MUTATE=harness/checks/verdict.ts`; everything again, not
# incrementally: `make mutation STRYKER_ARGS=--force`. Report: reports/mutation/.
NODE22 := node@22.23.3
MUTATE :=
STRYKER_ARGS :=
mutation: $(CACHE)/npm.stamp
	npx --yes --prefer-offline --package=$(NODE22) -- node node_modules/@stryker-mutator/core/bin/stryker.js run stryker.config.mjs $(if $(MUTATE),--mutate $(MUTATE)) $(STRYKER_ARGS)
	@node scripts/mutation-summary.mjs reports/mutation/mutation.json $(if $(MUTATE),--only $(MUTATE))

clean:
	@if [ -f dist/.stamp ]; then node bin/msh.js clean; fi
