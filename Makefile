# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: run up test venv browser bench clean

## Create .venv from uv.lock (exact versions), with the `brandmon` command.
venv: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@test -x $(VENV)/bin/uv || $(VENV)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv sync --frozen --python $(VENV)/bin/python
	@touch $@

## Set up Airflow and run the brand_monitor job once through the real scheduler, then stop.
run: venv
	$(VENV)/bin/brandmon run

## Like run, but keep the scheduler and the UI serving until Ctrl-C (PORT=8181 make up for another port).
PORT ?= 8080
up: venv
	$(VENV)/bin/brandmon run --serve --port $(PORT)

## Debian's chromium and a CJK font for the dashboard's browser tests: installed when missing and
## running as root (never a browser download); otherwise those tests are skipped, saying why.
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-wqy-microhei >/dev/null) || echo "could not install chromium: the browser tests will be skipped"; \
	else echo "no chromium and not root: the browser tests will be skipped (apt-get install chromium)"; fi

## Lint, then the test suite (CI calls this through .ci/run).
test: venv browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest

## Benchmarks: print throughput and memory figures.
bench: venv
	$(VENV)/bin/python -m bench.score_speed

clean:
	rm -rf state
