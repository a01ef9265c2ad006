# Hearth: `make run` serves the app with a demo consortium; `make test` runs every test.
# Both install what is missing first (Debian packages, npm packages, Go tools).

SHELL := /bin/bash
.DEFAULT_GOAL := help
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
GOBIN := $(CURDIR)/bin
export PATH := $(GOBIN):$(PATH)
GOTESTSUM := $(GOBIN)/gotestsum
GOTESTSUM_VERSION := v1.13.0
GOVUK := frontend/node_modules/govuk-frontend/dist/govuk
ASSETS := frontend/static/govuk

.PHONY: help run test build assets system-deps browser-deps vet go-test e2e fuzz bench clean

help:
	@echo "make run    build and serve Hearth at http://localhost:8080 with the demo consortium"
	@echo "make test   go vet, every Go test on real PostgreSQL, and the browser tests in Chromium"
	@echo "make fuzz   fuzz the postcode parser for 30 seconds"
	@echo "make clean  remove build output and the local database in .hearth/"

run: system-deps build
	./bin/hearth serve

test: system-deps browser-deps build vet go-test e2e

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

$(GOTESTSUM):
	GOBIN=$(GOBIN) go install gotest.tools/gotestsum@$(GOTESTSUM_VERSION)

# Each test package starts its own embedded PostgreSQL unless TEST_DATABASE_URL is set.
go-test: $(GOTESTSUM) assets
	$(GOTESTSUM) --format testname --format-hide-empty-pkg -- -count=1 -timeout 15m ./...

e2e: build browser-deps
	cd frontend && HEARTH_BIN=$(CURDIR)/bin/hearth node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout e2e/

fuzz: assets
	go test ./commissioning/geo/ -run '^$$' -fuzz FuzzNormalise -fuzztime 30s

clean:
	rm -rf bin $(ASSETS) .hearth
