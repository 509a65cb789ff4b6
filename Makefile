# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: run up test venv bench clean

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

## Lint, then the test suite (CI calls this through .ci/run).
test: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest

## Benchmarks: print throughput and memory figures.
bench: venv
	$(VENV)/bin/python -m bench.score_speed

clean:
	rm -rf state
