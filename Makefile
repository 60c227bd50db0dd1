# Every target creates the virtual environment it needs, so each works on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-oldest docs lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[xlsx]'
	$(BIN)/random-inspection demo --force

test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pytest

# The golden audit record must replay under the oldest numpy the package supports, and the
# integer id keys and the vectorised sampler (numpy's casting rules changed in 2.0) must hold.
OLDEST := .venv-oldest
test-oldest:
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet 'numpy==1.24.*' 'attrs==23.1.*' 'python-stdnum==1.19' pytest hypothesis
	$(OLDEST)/bin/python -m pip install --quiet --no-deps -e .
	$(OLDEST)/bin/python -m pytest -q tests/test_verify.py -k "golden or stdlib"
	$(OLDEST)/bin/python -m pytest -q tests/test_encoded_ids.py tests/test_rivest.py tests/test_identifiers.py

# The documentation site (docs/site): both languages from scratch with warnings as errors, into
# build/docs (a static folder that opens offline), then its links, anchors, language switch and
# command-line reference checked on the built HTML. The pages' examples run in `make test`.
docs: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	$(BIN)/python docs/site/_shared/build.py build/docs
	RANDOM_INSPECTION_DOCS_BUILD=build/docs $(BIN)/python -m pytest -q tests/test_docs.py -k built

lint: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	$(BIN)/ruff check src tests benchmarks docs/site
	$(BIN)/mypy

bench: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-columns=median,iqr,rounds -p no:randomly

clean:
	rm -rf $(VENV) $(OLDEST) .pytest_cache .mypy_cache .ruff_cache .hypothesis build/docs
