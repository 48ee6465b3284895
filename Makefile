# dco: the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is what those two are made of.

GO      ?= go
NHSUK   := node_modules/nhsuk-frontend/dist/nhsuk
STATIC  := internal/web/static/nhsuk

.PHONY: run test assets build check clean

# Run the service on the SQLite file dco.db with demo data.
run: assets
	$(GO) run ./cmd/dco serve --demo

# Run every test, with the race detector. PostgreSQL tests run when
# DCO_TEST_POSTGRES_URL is set; browser tests need Debian's chromium.
test: assets
	$(GO) test -race -count=1 -timeout 25m ./...

# Fetch the NHS.UK frontend (pinned in package-lock.json) and put its built
# files where the binary embeds them.
assets: $(STATIC)/.stamp

$(STATIC)/.stamp: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(STATIC)
	mkdir -p $(STATIC)
	cp -r $(NHSUK)/nhsuk-frontend.min.css $(NHSUK)/nhsuk-frontend.min.js $(NHSUK)/assets $(STATIC)/
	touch $@

build: assets
	$(GO) build -o bin/dco ./cmd/dco

# The static checks CI runs before the tests.
check: assets
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1)
	$(GO) vet ./...
	staticcheck ./...

clean:
	rm -rf bin $(STATIC) node_modules
