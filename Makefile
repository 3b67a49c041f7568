# physml: the two commands of the README, plus bench and notebooks.
# Each target creates the virtual environment it needs (.venv) by itself.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
OUT    ?= lecture_report
ARGS   ?=

.PHONY: lecture lecture-quick test test-fast bench notebooks tutorial clean

$(VENV)/.physml-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.physml-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@ $(VENV)/.physml-run

## make lecture: run every chapter at full size and write $(OUT)/index.html (ARGS=--quick for a 1-minute tour)
lecture: $(VENV)/.physml-run
	$(PY) -m physml lecture --out $(OUT) $(ARGS)

lecture-quick: $(VENV)/.physml-run
	$(PY) -m physml lecture --quick --out $(OUT) $(ARGS)

## make test: the test suite on 2 workers, with the scikit-learn / SciPy / PyTorch oracles
test: $(VENV)/.physml-test
	$(PY) -m pytest -n 2 $(ARGS)

## make test-fast: the same without the tests marked slow, for the edit-test loop
test-fast: $(VENV)/.physml-test
	$(PY) -m pytest -n 2 -m "not slow" $(ARGS)

## make bench: physml side by side with its peers; prints a table, writes benchmarks/results.json
bench: $(VENV)/.physml-test
	$(PY) benchmarks/run.py $(ARGS)

# the notebooks extra (JupyterLab, ipywidgets, jupytext, nbclient, nbconvert), without torch
$(VENV)/.physml-notebooks: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[notebooks]'
	touch $@ $(VENV)/.physml-run

## make notebooks: tutorials/*.py (jupytext percent format) -> tutorials/*.ipynb; open with .venv/bin/jupyter lab tutorials/
notebooks: $(VENV)/.physml-notebooks
	$(VENV)/bin/jupytext --to ipynb tutorials/*.py
	@echo "open them with: $(VENV)/bin/jupyter lab tutorials/"

## make tutorial NAME=regression: execute one tutorial into physml_tutorials/ (notebook + HTML page with its figures)
tutorial: $(VENV)/.physml-notebooks
	$(PY) -m physml tutorial $(NAME) --out physml_tutorials $(ARGS)

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
