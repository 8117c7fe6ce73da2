# Two entry points for a fresh machine (see README.md): `make demo` and `make test`.
# Each creates .venv with what it needs; nothing is installed outside it but
# Graphviz's `dot` (with apt-get, when run as root).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: demo test bench lint pictures dot browser node clean playground playground-build playground-site

# The main job: the documents' network, from forward value to trained pictures, into out/.
demo: $(VENV)/.demo dot
	$(PY) -m demos seed_network

test: $(VENV)/.test dot browser playground-site
	$(PY) -m pytest

bench: $(VENV)/.bench dot
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_viz.py
	$(PY) benchmarks/bench_compile.py

# Redraw the README's pictures in docs/.
pictures: $(VENV)/.demo dot
	PYTHONPATH=$(CURDIR) $(PY) docs/pictures.py  # (demos run from the clone: not installed)

lint: $(VENV)/.lint
	$(VENV)/bin/ruff check engine nn demos tests benchmarks playground/build.py playground/screenshot.py playground/site/playground.py
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy playground/build.py playground/site/playground.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# One stamp per extra, redone when setup.cfg changes.
$(VENV)/.demo: setup.cfg $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[demos]' && touch $@
$(VENV)/.test: setup.cfg $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]' && touch $@
$(VENV)/.bench: setup.cfg $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[bench]' torch==2.13.0 && touch $@  # the CPU build on disk here
$(VENV)/.viz: setup.cfg $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[viz]' && touch $@
$(VENV)/.lint: setup.cfg $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[lint]' && touch $@

# Graphviz's `dot` renders the pictures (the tests that render skip without
# it), and a CJK font lets labels in the documents' language show in PNGs.
dot:
	@{ command -v dot >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq graphviz fonts-wqy-microhei >/dev/null) \
	      || echo "could not install graphviz: rendering tests will skip"; \
	  else \
	    echo "to render pictures: sudo apt-get install graphviz fonts-wqy-microhei"; \
	  fi; }

# Chromium for the browser tests of animate's page, driven by playwright (the
# test extra) at this chromium: nothing downloads a browser. They skip without it.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: the browser tests will skip"; \
	  else \
	    echo "for the browser tests: sudo apt-get install chromium"; \
	  fi; }

# The playground: chainrule in the browser (Pyodide, viz.js), a static site in playground/dist/.
playground-build: $(VENV)/.viz node
	$(PY) playground/build.py

playground: playground-build
	@echo "serving the playground on http://127.0.0.1:8000 (Ctrl+C ends it)"
	$(PY) -m http.server 8000 --bind 127.0.0.1 --directory playground/dist

# For the tests: the site built when npm is here; without it the playground's
# browser tests skip, saying so.
playground-site: $(VENV)/.viz node
	@if command -v npm >/dev/null 2>&1; then $(PY) playground/build.py; fi

# Node.js's npm installs the playground's packages (Pyodide, viz.js) from package-lock.json.
node:
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null) \
	      || echo "could not install npm: the playground cannot be built, its tests will skip"; \
	  else \
	    echo "for the playground: sudo apt-get install nodejs npm"; \
	  fi; }

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis playground/dist playground/node_modules
