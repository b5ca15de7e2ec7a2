# Two commands: `make run` serves the app, `make test` runs the suite.
# Both create .venv on first use and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
# Who can open the app: 127.0.0.1 is this computer only. Serving to a network is explicit:
# `make run ADDRESS=0.0.0.0` (read docs/deployment.md first: turn sign-in on).
ADDRESS ?= 127.0.0.1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test bench eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	# torch first, exactly this version: it is the CPU build.
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# No index warm-up here: on a first run the app builds it in the background, with a progress bar.
run: $(STAMP)
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) --server.address $(ADDRESS) --browser.gatherUsageStats false

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_grader.py

clean:
	rm -rf $(VENV) .pytest_cache
