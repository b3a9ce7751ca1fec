# commonfuture: `make demo`, `make test` and `make docs` create .venv/ when missing and install the project.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test validate lint format bench docs map clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m commonfuture.demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

validate: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

# every claim on every case, the robustness map and the case paths; numbers into docs/generated/
map: $(STAMP)
	$(BIN)/commonfuture experiment all --case all -r 30 -s 0 -o out/everywhere
	$(BIN)/commonfuture robustness all --case all -o out/robustness
	$(BIN)/python -m commonfuture.patterns.case_paths -o docs/img/paths
	mkdir -p docs/generated
	cp out/everywhere/everywhere.md docs/generated/everywhere.md
	cp out/robustness/robustness.md docs/generated/robustness-map.md
	cp out/robustness/robustness.png docs/img/robustness.png

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/calibration.py
	$(BIN)/python benchmarks/evidence.py
	$(BIN)/python benchmarks/training.py
	$(BIN)/python benchmarks/compile_profile.py --brief

# the documentation site, into site/ (open site/index.html); warnings are errors
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict

clean:
	rm -rf $(VENV) demo .pytest_cache site
