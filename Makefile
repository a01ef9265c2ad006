# Hearth: `make run` serves the app with a demo consortium; `make test` runs every test.
# Both install what is missing first (Debian packages, npm packages, Go tools).

SHELL := /bin/bash
.DEFAULT_GOAL := help
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
GOBIN := $(CURDIR)/bin
export PATH := $(GOBIN):$(PATH)
GOTESTSUM := $(GOBIN)/gotestsum
GOTESTSUM_VERSION := v1.13.0
# stripe-mock v0.183.0 matches stripe-go v76's API version (2023-10-16).
STRIPE_MOCK := $(GOBIN)/stripe-mock
STRIPE_MOCK_VERSION := v0.183.0
STRIPE_MOCK_PORT ?= 12111
# staticcheck 2026.2.2 is module version v0.8.2 (the proxy serves the semver tags).
STATICCHECK := $(GOBIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
# The packages whose tests run goroutines against each other: their tests run once, under
# the race detector (`make race`); `make go-test` runs every other package.
RACE_PKGS := ./cmd/hearth/jobs/ ./frontend/auth/ ./commissioning/kernel/notify/ ./commissioning/secure/ ./marketplace/ ./marketplace/billing/
GOVUK := frontend/node_modules/govuk-frontend/dist/govuk
ASSETS := frontend/static/govuk

.PHONY: haproxy-deps help run test build assets system-deps browser-deps vet lint race go-test e2e fuzz bench bench-30k load bidstorm cluster cluster-stop chaos chaos-short clean

help:
	@echo "make run    build and serve Hearth at http://localhost:8080 with the demo consortium"
	@echo "make test   go vet, staticcheck, the race detector, every Go test on real PostgreSQL, and the browser tests in Chromium"
	@echo "make fuzz   fuzz the postcode parser for 30 seconds"
	@echo "make bench  benchmark the vacancy board search and request matching on national-scale data"
	@echo "make bench-30k  the board and matching benchmarks at ten times national scale (30,000 homes)"
	@echo "make load   load-test GET /api/v1/vacancies beside pgbench on the same SQL"
	@echo "make bidstorm  500 providers (BIDSTORM_PROVIDERS) bid in the last 60 s before a deadline"
	@echo "make cluster  PostgreSQL primary + synchronous standby, 3 Hearth replicas and HAProxy on loopback (.rig/)"
	@echo "make cluster-stop  stop the rig and remove .rig/"
	@echo "make chaos  break the rig under load (kill a replica, restart and fail over PostgreSQL, start together, SSE fan-out, 10-minute soak)"
	@echo "make chaos-short  scenarios 4, 1 and 2 in short (about 1.5 min; part of make test)"
	@echo "make clean  remove build output and the local database in .hearth/"

# Serves Hearth with stripe-mock on loopback for billing (stopped when Hearth stops).
run: system-deps build $(STRIPE_MOCK)
	@$(STRIPE_MOCK) -http-addr 127.0.0.1:$(STRIPE_MOCK_PORT) -https-addr 127.0.0.1:$$(($(STRIPE_MOCK_PORT)+1)) >/dev/null 2>&1 & mock=$$!; \
	trap "kill $$mock 2>/dev/null" EXIT INT TERM; \
	STRIPE_SECRET_KEY=$${STRIPE_SECRET_KEY:-sk_test_hearthdemo} STRIPE_API_BASE=$${STRIPE_API_BASE:-http://127.0.0.1:$(STRIPE_MOCK_PORT)} \
	STRIPE_WEBHOOK_SECRET=$${STRIPE_WEBHOOK_SECRET:-whsec_hearth_demo} HEARTH_DEMO=$${HEARTH_DEMO:-true} ./bin/hearth serve

$(STRIPE_MOCK):
	GOBIN=$(GOBIN) go install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)

test: system-deps browser-deps build vet lint race go-test e2e chaos-short

build: assets
	go build -o bin/hearth ./cmd/hearth

# PostgreSQL server binaries for the embedded database (unless DATABASE_URL is set).
system-deps:
	@if [ -z "$$DATABASE_URL" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
		echo "Installing PostgreSQL server binaries (Debian package postgresql)"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi
	@command -v npm >/dev/null || { echo "Installing Node.js and npm"; $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }

# Debian's Chromium for the browser tests (never a downloaded browser).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Chromium (Debian packages chromium, chromium-driver)"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# GOV.UK Frontend from npm, copied where go:embed builds it into the binary.
assets: frontend/node_modules/.installed
	@rm -rf $(ASSETS) && mkdir -p $(ASSETS)
	@cp -r $(GOVUK)/govuk-frontend.min.css $(GOVUK)/govuk-frontend.min.js $(GOVUK)/assets $(ASSETS)/

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

vet:
	go vet ./...

$(STATICCHECK):
	GOBIN=$(GOBIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: $(STATICCHECK) assets
	$(STATICCHECK) ./...

# The race detector on the packages with concurrent tests (one winner of many at once).
race: $(GOTESTSUM) $(STRIPE_MOCK) assets
	$(GOTESTSUM) --format testname --format-hide-empty-pkg -- -race -count=1 -timeout 15m $(RACE_PKGS)

$(GOTESTSUM):
	GOBIN=$(GOBIN) go install gotest.tools/gotestsum@$(GOTESTSUM_VERSION)

# Each test package starts its own embedded PostgreSQL unless TEST_DATABASE_URL is set.
# The race packages are left out: `make race` has run their tests already.
go-test: $(GOTESTSUM) $(STRIPE_MOCK) assets
	$(GOTESTSUM) --format testname --format-hide-empty-pkg -- -count=1 -timeout 25m \
		$$(go list ./... | grep -vxF "$$(go list $(RACE_PKGS))")

# Two test files at a time (each starts its own Hearth, database and stripe-mock on free
# ports): the browser tests spend most of their time waiting, and one at a time they
# took 20 of make test's minutes.
e2e: build browser-deps $(STRIPE_MOCK)
	cd frontend && HEARTH_BIN=$(CURDIR)/bin/hearth STRIPE_MOCK_BIN=$(STRIPE_MOCK) node --test --test-concurrency=2 --test-reporter=spec --test-reporter-destination=stdout e2e/

fuzz: assets
	go test ./commissioning/kernel/geo/ -run '^$$' -fuzz FuzzNormalise -fuzztime 30s

clean:
	rm -rf bin $(ASSETS) .hearth

HEY := $(GOBIN)/hey
$(HEY):
	GOBIN=$(GOBIN) go install github.com/rakyll/hey@v0.1.4

# Load test (loopback only): national-scale data in .hearth/bench, then `hey` on
# GET /api/v1/vacancies for 20 s beside pgbench running the same SQL on the same
# database for 20 s, both with 8 concurrent clients; prints requests/s and the ratio.
# pgbench runs with -M prepared: the API's pgx driver caches prepared statements, so
# that is the fair ceiling. LOAD_BIN=path runs another build of hearth.
LOAD_PORT ?= 8095
LOAD_SECONDS ?= 20
LOAD_CLIENTS ?= 8
LOAD_BIN ?= ./bin/hearth
load: system-deps build $(HEY)
	@set -eu; dir=.hearth/bench; log=$$dir/serve.log; mkdir -p $$dir; \
	if [ ! -f $$dir/seeded ]; then $(LOAD_BIN) seed national --homes 3000 --seed 1 --data-dir $$dir/pg 2>/dev/null && touch $$dir/seeded; fi; \
	$(LOAD_BIN) user create --email bench@manchester.example --role commissioner --org Manchester --data-dir $$dir/pg >/dev/null 2>&1 || true; \
	tok=$$($(LOAD_BIN) token create --email bench@manchester.example --name load-test --data-dir $$dir/pg 2>/dev/null); \
	$(LOAD_BIN) bench sql --data-dir $$dir/pg 2>/dev/null > $$dir/board.sql; \
	HEARTH_DEMO=false $(LOAD_BIN) serve --addr 127.0.0.1:$(LOAD_PORT) --data-dir $$dir/pg > $$log 2>&1 & pid=$$!; \
	trap 'kill -INT $$pid; wait $$pid' EXIT; \
	for i in $$(seq 1 100); do curl -sf http://127.0.0.1:$(LOAD_PORT)/readyz >/dev/null && break; sleep 0.2; done; \
	url=$$(grep -o 'url="postgres://[^"]*' $$log | head -1 | cut -d'"' -f2); test -n "$$url"; \
	psql=$$(ls /usr/lib/postgresql/*/bin/psql | tail -1); echo "== waiting for the jobs run at start (intelligence refreshes) to finish"; \
	for i in $$(seq 1 600); do n=$$($$psql -Atq "$$url" -c "SELECT count(*) FROM river_job WHERE state IN ('running','available') AND scheduled_at <= now()"); [ "$$n" = 0 ] && break; sleep 0.5; done; \
	api="http://127.0.0.1:$(LOAD_PORT)/api/v1/vacancies?age=14&sex=female&needs=cse_risk&near=M14&within=50&availability=now&sort=distance&per_page=50"; \
	curl -sf -H "Authorization: Bearer $$tok" "$$api" | cut -c1-120; \
	echo "== hey: GET /api/v1/vacancies, $(LOAD_CLIENTS) clients, $(LOAD_SECONDS)s"; \
	$(HEY) -z $(LOAD_SECONDS)s -c $(LOAD_CLIENTS) -H "Authorization: Bearer $$tok" "$$api" | tee $$dir/hey.txt | grep -E 'Requests/sec|Average|95%|Status code|\[200\]|\[[45][0-9][0-9]\]'; \
	echo "== pgbench -M prepared (the API's pgx caches prepared statements too): the same SQL, $(LOAD_CLIENTS) clients, $(LOAD_SECONDS)s"; \
	pgbench=$$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1); \
	$$pgbench -n -M prepared -f $$dir/board.sql -c $(LOAD_CLIENTS) -j 2 -T $(LOAD_SECONDS) "$$url" | tee $$dir/pgbench.txt | grep -E 'tps|latency average'; \
	api_rps=$$(grep 'Requests/sec' $$dir/hey.txt | awk '{print $$2}'); db_tps=$$(grep -E '^tps' $$dir/pgbench.txt | awk '{print $$3}'); \
	echo "API $$api_rps req/s vs pgbench $$db_tps tps: ratio $$(echo "scale=2; $$api_rps / $$db_tps" | bc)"

bench: assets
	go test ./marketplace/nationalseed/ -run '^$$' -bench 'BoardSearch|Matching' -benchtime 1000x
	go test ./marketplace/nationalseed/ -run '^$$' -bench 'History' -benchtime 1x
	go test ./commissioning/secure/allocate/ -run '^$$' -bench 'Suggest' -benchtime 2000x
	go test ./commissioning/secure/ -run '^$$' -bench 'Metrics' -benchtime 200x
	go test ./marketplace/nationalseed/ -run '^$$' -bench 'OutOfArea' -benchtime 200x
	go test ./commissioning/intelligence/ -run '^$$' -bench 'TimeToPlace' -benchtime 1000x
	go test ./commissioning/intelligence/ -run '^$$' -bench 'Sufficiency' -benchtime 40x

# Ten times national scale (30,000 homes, 5,000 providers): the board and matching only.
bench-30k:
	HEARTH_BENCH_HOMES=30000 go test ./marketplace/nationalseed/ -run '^$$' -bench 'BoardSearch|Matching' -benchtime 300x

# Bid storm (loopback only): 500 providers bid and revise over HTTP in the last 60 s
# before a deadline; reports accepted, refused as late, lost (must be 0) and accepted
# after the deadline (must be 0).
BIDSTORM_PROVIDERS ?= 500
bidstorm: system-deps assets
	go run ./cmd/hearth-bidstorm -providers $(BIDSTORM_PROVIDERS) -window 60s

# The local rig (loopback, ports from RIG_BASE): Debian's haproxy is installed if missing.
RIG_BASE ?= 21000
haproxy-deps:
	@command -v haproxy >/dev/null || { echo "Installing HAProxy (Debian package haproxy)"; $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; }

cluster: system-deps haproxy-deps build
	go run ./cmd/hearth-rig up -dir .rig -base $(RIG_BASE)

cluster-stop:
	go run ./cmd/hearth-rig down -dir .rig

# Chaos scenarios, each on a fresh rig in .rig-chaos (the short form below is part of `make test`).
# CHAOS_SCENARIOS picks and orders them; CHAOS_PROVIDERS and CHAOS_WINDOW_SECONDS size the bid storm;
# CHAOS_SSE_CLIENTS is the fan-out's streams (1000); CHAOS_SOAK_SECONDS is the soak's length (default 600).
CHAOS_SCENARIOS ?= 4,1,2,3,5,7
chaos: system-deps haproxy-deps build
	go run ./cmd/hearth-rig chaos -dir .rig-chaos -base $$(($(RIG_BASE)+100)) -scenarios $(CHAOS_SCENARIOS)

# Scenarios 4, 1 and 2 in short (a 20-provider, 10 s bid storm; about 1.5 min) on their own
# rig in .rig-short, ports from RIG_BASE+300. Fails on any loss. Every process it started is
# stopped even on failure: by the scenario itself, then by `hearth-rig down` again.
chaos-short: system-deps haproxy-deps build
	go build -o bin/hearth-rig ./cmd/hearth-rig
	@bin/hearth-rig chaos -short -dir .rig-short -base $$(($(RIG_BASE)+300)) -scenarios 4,1,2; rc=$$?; \
	bin/hearth-rig down -dir .rig-short >/dev/null 2>&1; exit $$rc
