# nixloop: `make test` and `make bench` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
EXT    := nixloop/_core/_loop$(shell $(PYTHON) -c "import sysconfig;print(sysconfig.get_config_var('EXT_SUFFIX'))")
SOURCES := $(wildcard nixloop/_core/*.pyx nixloop/_core/*.pxd nixloop/_core/includes/*.pxd \
                      nixloop/_core/includes/*.h nixloop/_core/handles/*.pyx nixloop/_core/handles/*.pxd \
                      nixloop/_core/transports/*.pyx nixloop/_core/transports/*.pxd) setup.py
LIBUV  := vendor/prefix/lib/libuv.a
PYTEST_ARGS ?=
ASAN_TESTS ?= tests

.PHONY: all build test bench venv libuv clean distclean test-asan annotate test-pythons \
        test-uvloop-suite

all: build

$(VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q "setuptools>=61" wheel "Cython>=3.0" pytest pytest-asyncio uvloop matplotlib pyee
	touch $@

venv: $(VENV)/.stamp

$(LIBUV): vendor/libuv.pin vendor/fetch_libuv.sh
	bash vendor/fetch_libuv.sh

libuv: $(LIBUV)

$(EXT): $(VENV)/.stamp $(LIBUV) $(SOURCES)
	$(PY) setup.py -q build_ext --inplace
	$(PIP) install -q --no-build-isolation --no-deps -e . >/dev/null
	@touch $@

build: $(EXT)

test: build
	$(PY) -m pytest $(PYTEST_ARGS)

# uvloop's own test suite (its pinned sdist's tests/, fetched at run time) on uvloop and on nixloop,
# compared test by test; differences allowed only from tests/uvloop_suite/allowed.py (~5 minutes).
UVLOOP_PIN := tests/uvloop_suite/uvloop.pin
$(VENV)/.uvloop-suite-stamp: $(VENV)/.stamp $(UVLOOP_PIN)
	$(PIP) install -q "uvloop==$$(sed -n 's/^UVLOOP_VERSION=//p' $(UVLOOP_PIN))" psutil \
	  "pyOpenSSL~=26.4.0" aiohttp
	touch $@

test-uvloop-suite: build $(VENV)/.uvloop-suite-stamp
	$(PY) tests/uvloop_suite/run_suite.py

bench: build
	@$(PIP) install -q rloop 2>/dev/null || echo "rloop does not install here: the benchmarks skip it"
	$(PY) -m perf --quick

annotate: $(VENV)/.stamp $(LIBUV)
	NIXLOOP_ANNOTATE=1 $(PY) setup.py -q build_ext --inplace --force

# AddressSanitizer + UndefinedBehaviorSanitizer build of libuv and the extension, then the tests
# with the ASan runtime preloaded into Python.
test-asan: $(VENV)/.stamp
	NIXLOOP_LIBUV_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -g" \
	  bash vendor/fetch_libuv.sh --prefix vendor/asan/prefix
	rm -rf build/asan && mkdir -p build/asan
	cp -r nixloop setup.py pyproject.toml README.md tests build/asan/ 2>/dev/null || true
	mkdir -p build/asan/vendor && ln -sfn $(CURDIR)/vendor/asan/prefix build/asan/vendor/prefix
	cd build/asan && NIXLOOP_SANITIZE=1 $(CURDIR)/$(PY) setup.py -q build_ext --inplace
	cd build/asan && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 PYTHONMALLOC=malloc \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	  PYTHONPATH=$(CURDIR)/build/asan $(CURDIR)/$(PY) -m pytest -p no:cacheprovider $(ASAN_TESTS) $(PYTEST_ARGS)

clean:
	rm -rf build nixloop/_core/*.c nixloop/_core/*.so nixloop/_core/*.html

distclean: clean
	rm -rf $(VENV) vendor/dl vendor/libuv-src vendor/build vendor/prefix vendor/asan

# The same build and the loop/facade tests on every other CPython 3.10+ that pyenv provides
# (each in its own venv; extension files are per-ABI, so builds coexist in place).
OTHER_PYTHONS ?= $(shell ls -d $$HOME/.pyenv/versions/3.1[0-9]* 2>/dev/null | grep -v "$$($(PYTHON) -c 'import sys;print("%d.%d." % sys.version_info[:2])')")
test-pythons: $(LIBUV)
	@set -e; for p in $(OTHER_PYTHONS); do \
	  v=$$(basename $$p); echo "== Python $$v"; \
	  [ -x .venv-$$v/bin/python ] || $$p/bin/python -m venv .venv-$$v; \
	  .venv-$$v/bin/python -m pip install -q --upgrade pip >/dev/null; \
	  .venv-$$v/bin/python -m pip install -q "setuptools>=61" wheel "Cython>=3.0" pytest pytest-asyncio uvloop; \
	  .venv-$$v/bin/python setup.py -q build_ext --inplace; \
	  .venv-$$v/bin/python -m pytest -q -p no:cacheprovider tests/loop tests/events tests/node tests/net tests/unix $(PYTEST_ARGS); \
	done
