# maksa — batch payment-file gateway. See README.md.
GO      ?= go
BIN     := bin/maksa
HOME_DIR ?= maksa-data

.PHONY: build run test test-days bench bench-go lint fuzz soak clean

build:
	$(GO) build -o $(BIN) ./cmd/maksa

# run: load the demo directory into the embedded SQLite database under
# $(HOME_DIR), drop a generated demo payment file into the accounting
# program's inbox, serve the web console and the API on $(DEMO_ADDR) and
# watch the inbox (Ctrl-C stops both). The answer appears in
# $(HOME_DIR)/outbox/gramatvediba/, the original in $(HOME_DIR)/archive/.
# TestDemoConsole signs in the browser through exactly DEMO_SERVE.
DEMO_ADDR  ?= 127.0.0.1:8443
DEMO_SERVE := serve --cert testdata/demo/tls/server.crt --key testdata/demo/tls/server.key --client-ca testdata/demo/keys/anna.crt --operators ilze
run: build
	$(BIN) --home $(HOME_DIR) directory apply testdata/demo/directory.yaml
	$(BIN) --home $(HOME_DIR) dev gen --count 25 --out $(HOME_DIR)/inbox/gramatvediba/salaries-$$(date +%Y%m%d%H%M%S).xml
	@echo "the web console: https://$(DEMO_ADDR)/ui/ — log in as anna with testdata/demo/keys/anna.key, then as janis with janis.key; ilze is the operator"
	@$(BIN) --home $(HOME_DIR) $(DEMO_SERVE) --addr $(DEMO_ADDR) & server=$$!; trap 'kill $$server 2>/dev/null' EXIT; \
	$(BIN) --home $(HOME_DIR) watch

# test: every package, the real binary end to end included; then the store
# tests once more by name, so that the log shows on which databases they ran.
test:
	$(GO) test -count=1 -timeout 20m ./...
	@$(GO) test -count=1 -v -run 'TestApplyDirectory|TestVerifyAuditDetectsTampering' ./store | grep -E '^ *--- |SKIP' | grep -v '/.*/' || true

# test-days: the tests that take "today" from internal/test/testclock (TEST_DAYS_RUN:
# the make run demo and tour, the performance smoke run), once for each of
# TEST_DAYS as if that were today (MAKSA_TEST_TODAY): 31 December, a leap
# day, and the working day after a Latvian public holiday (Tuesday 4 May
# 2027). Every other test runs on a fixed business clock of its own, so the
# day does not change what it does. CI runs this after make test;
# MAKSA_TEST_TODAY=D make test moves "today" for the whole suite.
TEST_DAYS ?= 2026-12-31 2028-02-29 2027-05-05
TEST_DAYS_RUN ?= TestDemoOnAnyDay|TestReadmeExamples|TestSmoke
test-days:
	@pkgs=$$($(GO) list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... | awk '{for (i = 2; i <= NF; i++) if ($$i == "maksa/internal/test/testclock") {print $$1; break}}'); \
	for d in $(TEST_DAYS); do \
		echo "== MAKSA_TEST_TODAY=$$d:" $$pkgs; \
		MAKSA_TEST_TODAY=$$d $(GO) test -count=1 -timeout 20m -run '^($(TEST_DAYS_RUN))$$' $$pkgs || exit 1; \
	done

# bench: the performance campaign (internal/test/bench): maksa against xmllint,
# psql \copy (when MAKSA_TEST_POSTGRES is set) and a prepared-insert loop on
# generated 10 k, 100 k and 1 M payment files, as one table. BENCH_FLAGS
# passes options, e.g. BENCH_FLAGS=-smoke. bench-go runs the Go benchmarks.
BENCH_FLAGS ?=
bench:
	$(GO) run ./internal/test/bench $(BENCH_FLAGS)

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && false)
	$(GO) vet ./...

# fuzz: each fuzz target for FUZZTIME (default 30s). The XLSX target
# minimises each new input only briefly: a zip of a few kilobytes has so many
# new paths through excelize that minimising each for the default minute
# left the engine doing nothing else (executions stuck at a few dozen).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime $(FUZZTIME) ./formats/pain001
	$(GO) test -run '^$$' -fuzz FuzzAgainstEncodingXML -fuzztime $(FUZZTIME) ./formats/internal/xmlscan
	$(GO) test -run '^$$' -fuzz FuzzElem -fuzztime $(FUZZTIME) ./formats/internal/xmlout
	$(GO) test -run '^$$' -fuzz FuzzAllowedText -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime $(FUZZTIME) ./formats/csvfmt
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime $(FUZZTIME) -fuzzminimizetime 10x ./formats/xlsxfmt
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./formats/directory
	$(GO) test -run '^$$' -fuzz FuzzKeysAndSignatures -fuzztime $(FUZZTIME) ./signing
	$(GO) test -run '^$$' -fuzz FuzzRequests -fuzztime $(FUZZTIME) ./api

# soak: the kill campaign (internal/test/soak) for SOAK_CYCLES cycles per database.
SOAK_CYCLES ?= 100
soak:
	SOAK_VERBOSE=1 $(GO) test -count=1 -timeout 60m -v -run TestSoak ./internal/test/soak -soak.cycles $(SOAK_CYCLES)

clean:
	rm -rf bin $(HOME_DIR)
