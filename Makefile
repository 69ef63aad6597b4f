# The two commands: `make run` and `make test`. Everything else serves them.
BUILD     ?= build
ASAN      ?= build-asan
FUZZ      ?= build-fuzz
JOBS      ?= $(shell nproc)
CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
DEMO      ?= $(BUILD)/demo

.PHONY: all deps build run test test-asan fuzz fuzz-smoke bench bench-documents format tidy clean

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Until the portal exists: generate a demo Maildir and scan it.
run: build
	@$(BUILD)/steward-corpus --maildir $(DEMO)/mail --messages 300 --seed 7 --roster $(DEMO)/roster
	@$(BUILD)/steward scan --roster $(DEMO)/roster $(DEMO)/mail; \
	  rc=$$?; [ $$rc -le 1 ] || exit $$rc; \
	  echo; echo "Scanned the demo mailbox in $(DEMO)/mail (exit $$rc: 1 means findings)."

test: build
	@scripts/deps.sh test
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan

# Unit and golden tests again under AddressSanitizer and UBSan.
test-asan:
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DSTEWARD_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS) --target unit_tests corpora_tests
	@cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L unit

fuzz:
	@scripts/deps.sh test
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTEWARD_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS) --target fuzz_mime fuzz_inspect fuzz_csv fuzz_archive fuzz_office \
	  fuzz_pdf fuzz_html fuzz_table fuzz_ole fuzz_document

# A short run of every fuzz target (CI); FUZZ_SECONDS to go longer.
FUZZ_SECONDS ?= 60
fuzz-smoke: fuzz
	@fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS)

bench: build
	@scripts/deps.sh bench
	@bench/run.sh $(BUILD)
	@bench/documents.sh $(BUILD)

# Document reading alone (PDF, Office, CSV, HTML, zips) beside pdftotext.
bench-documents: build
	@scripts/deps.sh bench
	@bench/documents.sh $(BUILD)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

tidy:
	@cmake -S . -B $(BUILD) -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
	@git ls-files 'src/*.cc' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
