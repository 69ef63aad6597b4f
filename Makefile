# The two commands: `make run` and `make test`. Everything else serves them.
BUILD     ?= build
ASAN      ?= build-asan
FUZZ      ?= build-fuzz
JOBS      ?= $(shell nproc)
CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
DEMO      ?= $(BUILD)/demo

.PHONY: all deps build demo-build run demo-scan demo-weblog web test eval model triggers fuzz fuzz-smoke bench bench-documents bench-portal bench-mail bench-web bench-records bench-records-imap bench-site format tidy clean

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# What `make run` needs and no more (no tests), quietly: one line of
# progress, the compiler's output in $(BUILD)/build.log.
demo-build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null
	@scripts/build.sh $(BUILD) $(JOBS) steward steward-corpus

# A demo district in $(DEMO): a generated OneRoster export (names from the
# shared census lists when present), loaded into SQLite with a regulation,
# a campaign and two accounts; then the portal, until Ctrl-C.
LISTEN    ?= 127.0.0.1:8080
NAMES     ?= $(wildcard ../shared/corpora/zxcvbn)
BLOCKLIST ?= $(wildcard ../shared/corpora/zxcvbn/passwords.txt)
run: demo-build
	@$(MAKE) --no-print-directory web || echo "(htmx unavailable: the portal works without it)"
	@$(BUILD)/steward-corpus --roster $(DEMO)/roster --students 3000 --employees 200 --seed 7 \
	  $(if $(NAMES),--names $(NAMES)) >/dev/null
	@$(BUILD)/steward demo --data $(DEMO)/data --roster $(DEMO)/roster
	@echo; echo "Portal: http://$(LISTEN)/  (Ctrl-C stops it)"
	@$(BUILD)/steward serve --data $(DEMO)/data --listen $(LISTEN) --quiet \
	  $(if $(BLOCKLIST),--password-blocklist $(BLOCKLIST))

# The scanning demo of the inspection engine: a generated Maildir, scanned.
demo-scan: demo-build
	@$(BUILD)/steward-corpus --maildir $(DEMO)/mail --messages 300 --seed 7 --roster $(DEMO)/roster
	@$(BUILD)/steward scan --roster $(DEMO)/roster $(DEMO)/mail; \
	  rc=$$?; [ $$rc -le 1 ] || exit $$rc; \
	  echo; echo "Scanned the demo mailbox in $(DEMO)/mail (exit $$rc: 1 means findings)."

# The proxy log report on a generated day of the demo District's Squid log.
demo-weblog: demo-build
	@mkdir -p $(DEMO)
	@$(BUILD)/steward-corpus --access-log $(DEMO)/access.log --requests 50000 --seed 7 \
	  $(if $(NAMES),--names $(NAMES))
	@$(BUILD)/steward weblog report --xlsx $(DEMO)/weblog.xlsx $(DEMO)/access.log
	@echo; echo "The workbook: $(DEMO)/weblog.xlsx"

# Starts PostgreSQL and slapd on loopback, runs every test (the portal's on
# SQLite and PostgreSQL, the browser test in Chromium), then the unit tests
# again under AddressSanitizer and UBSan.
test: build
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory web
	@scripts/test.sh $(BUILD) $(ASAN) $(JOBS)

# The detectors' accuracy on data they were not tuned on (docs/detection.md):
# the functional suite, its independent part, and the shared corpora.
eval: build
	@$(BUILD)/steward-eval

# The classifier detectors' models (policy/models, docs/models.md), trained
# again from the functional suite's tuning part and the shared corpora's
# training part. One thread and fixed seeds: the same data, the same model.
model: build
	@scripts/deps.sh model
	@scripts/model.sh $(BUILD)

# Trigger words the threat and harassment models lack (docs/models.md):
# prints the terms scripts/triggers.py would add, and each step's gain and
# cost, for a person to review before they go into policy/lexicons/triggers.
triggers:
	@python3 scripts/triggers.py --category threat --budget 0.02
	@python3 scripts/triggers.py --category harassment --budget 0.02

# The portal's front-end assets (htmx) and browser-test driver, from npm.
web:
	@[ -d web/node_modules/htmx.org ] && [ -d web/node_modules/playwright-core ] || \
	  (cd web && npm ci --no-audit --no-fund --loglevel=error)

fuzz:
	@scripts/deps.sh test
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Fuzz -DSTEWARD_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS) --target fuzz_mime fuzz_inspect fuzz_names fuzz_csv fuzz_archive fuzz_office \
	  fuzz_pdf fuzz_html fuzz_table fuzz_ole fuzz_document fuzz_people fuzz_verdict fuzz_headers fuzz_icap fuzz_milter fuzz_upload fuzz_weblog fuzz_redact fuzz_page

# A short run of every fuzz target (CI); FUZZ_SECONDS to go longer.
FUZZ_SECONDS ?= 60
fuzz-smoke: fuzz
	@fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS)

bench: build
	@scripts/deps.sh bench
	@bench/run.sh $(BUILD)
	@bench/documents.sh $(BUILD)
	@bench/portal.sh $(BUILD)
	@bench/mail.sh $(BUILD)
	@bench/web.sh $(BUILD)
	@bench/records.sh $(BUILD)

# The portal under wrk with 150,000 people, on SQLite and PostgreSQL.
bench-portal: build
	@scripts/deps.sh bench
	@bench/portal.sh $(BUILD)

# Document reading alone (PDF, Office, CSV, HTML, zips) beside pdftotext.
bench-documents: build
	@scripts/deps.sh bench
	@bench/documents.sh $(BUILD)

# Postfix with no milter, with a milter that decides nothing, with Steward's,
# with rspamd's (root).
bench-mail: build
	@scripts/deps.sh bench
	@bench/mail.sh $(BUILD)

# Squid with no ICAP service, with c-icap's echo service, with Steward's (root).
bench-web: build
	@scripts/deps.sh bench
	@bench/web.sh $(BUILD)

# The records register: 100,000 messages indexed, a purge decision over
# 1,000,000 items (bench/records.sh).
bench-records: build
	@scripts/deps.sh bench
	@bench/records.sh $(BUILD)

bench-site: build
	@scripts/deps.sh bench
	@bench/site.sh $(BUILD)

bench-records-imap: build
	@scripts/deps.sh bench
	@bench/records_imap.sh $(BUILD)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

# A tree of its own, configured without unity sources, so that
# compile_commands.json names every file.
tidy:
	@cmake -S . -B $(BUILD)-tidy $(CMAKE_ARGS) -DSTEWARD_UNITY_BUILD=OFF >/dev/null
	@cmake --build $(BUILD)-tidy --target steward_portal_templates >/dev/null
	@git ls-files 'src/*.cc' | xargs clang-tidy -p $(BUILD)-tidy --quiet

clean:
	rm -rf $(BUILD) $(BUILD)-tidy $(ASAN) $(FUZZ)
