# nixloop: `make test` and `make bench` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
EXT    := nixloop/_core/_loop$(shell $(PYTHON) -c "import sysconfig;print(sysconfig.get_config_var('EXT_SUFFIX'))")
SOURCES := $(wildcard nixloop/_core/*.pyx nixloop/_core/*.pxd nixloop/_core/includes/*.pxd \
                      nixloop/_core/includes/*.h nixloop/_core/handles/*.pyx nixloop/_core/handles/*.pxd \
                      nixloop/_core/transports/*.pyx nixloop/_core/transports/*.pxd) setup.py
# The pinned libuv tarball (fetched once), and the static libuv.a built from it into vendor/prefix
# for the development build, perf/'s C servers and test-pythons (setup.py links it through
# NIXLOOP_LIBUV_PREFIX instead of compiling libuv again).
TARBALL := vendor/dl/$(shell . vendor/libuv.pin && echo $$LIBUV_TARBALL)
LIBUV  := vendor/prefix/lib/libuv.a
USE_PREFIX := NIXLOOP_LIBUV_PREFIX=$(CURDIR)/vendor/prefix
PYTEST_ARGS ?=
# What test-asan runs: every test of the compiled core and the facades over it (the packaging,
# typing, integration, CPython-suite and benchmark-tool tests add nothing there but minutes).
ASAN_TESTS ?= tests/loop tests/events tests/node tests/net tests/unix tests/hostile

.PHONY: all build test bench venv libuv clean distclean test-asan soak annotate test-pythons \
        sdist wheel test-wheel test-sdist integration-servers test-uvloop-suite

all: build

$(VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q "setuptools>=77" wheel "Cython>=3.0" matplotlib pyee
	touch $@

venv: $(VENV)/.stamp

$(TARBALL): vendor/libuv.pin vendor/fetch_libuv.sh
	bash vendor/fetch_libuv.sh

$(LIBUV): $(TARBALL) vendor/build_libuv.py $(VENV)/.stamp
	$(PY) vendor/build_libuv.py --prefix vendor/prefix

libuv: $(LIBUV)

$(EXT): $(VENV)/.stamp $(LIBUV) $(SOURCES)
	$(USE_PREFIX) $(PY) setup.py -q build_ext --inplace
	$(USE_PREFIX) $(PIP) install -q --no-build-isolation -e ".[test,integration]" >/dev/null
	@touch $@

build: $(EXT)

# tests/integration starts its own PostgreSQL 15 and Redis: install_servers.sh installs the
# Debian packages when they are missing (and says so when it cannot: those tests then skip).
integration-servers:
	@bash tests/integration/install_servers.sh

test: build integration-servers
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

# The competitors and HTTP stacks `make bench` measures, pinned (perf/README.md: HTTP workloads).
BENCH_PINS ?= rloop==0.5.0 aiohttp==3.14.5 uvicorn==0.54.0 httptools==0.9.0

bench: build
	@for p in $(BENCH_PINS); do $(PIP) install -q "$$p" 2>/dev/null || \
	  echo "$$p does not install here: the benchmarks skip what needs it"; done
	$(PY) -m perf --quick

annotate: $(VENV)/.stamp $(LIBUV)
	NIXLOOP_ANNOTATE=1 $(USE_PREFIX) $(PY) setup.py -q build_ext --inplace --force

# AddressSanitizer + UndefinedBehaviorSanitizer build of libuv and the extension, then the tests
# with the ASan runtime preloaded into Python.
test-asan: $(VENV)/.stamp $(TARBALL)
	$(PY) vendor/build_libuv.py --prefix vendor/asan/prefix \
	  --cflags "-fsanitize=address,undefined -fno-omit-frame-pointer -g"
	rm -rf build/asan && mkdir -p build/asan/vendor
	cp -r nixloop setup.py pyproject.toml README.md LICENSE tests perf examples build/asan/
	rm -f build/asan/nixloop/_core/_loop*.so
	cp vendor/build_libuv.py vendor/libuv.pin build/asan/vendor/
	cd build/asan && NIXLOOP_SANITIZE=1 NIXLOOP_LIBUV_PREFIX=$(CURDIR)/vendor/asan/prefix \
	  $(CURDIR)/$(PY) setup.py -q build_ext --inplace
	cd build/asan && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 PYTHONMALLOC=malloc \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	  PYTHONPATH=$(CURDIR)/build/asan $(CURDIR)/$(PY) -m pytest -p no:cacheprovider $(ASAN_TESTS) $(PYTEST_ARGS)

# The long hostile-input run of issue 15 (tests/hostile/soak.py, about 25 minutes): 10,000
# property-based programs per facade, 1,000,000 connect/close cycles with fds and RSS checked
# flat, EMFILE on accept for every server kind. Writes its figures to build/soak.json.
SOAK_ARGS ?=
soak: build
	@mkdir -p build
	$(PY) tests/hostile/soak.py --out build/soak.json $(SOAK_ARGS)

clean:
	rm -rf build dist nixloop/_core/*.c nixloop/_core/*.so nixloop/_core/*.html

distclean: clean
	rm -rf $(VENV) $(VENV)-wheel vendor/dl vendor/prefix vendor/asan vendor/LICENSE-libuv

# The same build and the loop/facade tests on every other CPython 3.10+ that pyenv provides
# (each in its own venv; extension files are per-ABI, so builds coexist in place).
OTHER_PYTHONS ?= $(shell ls -d $$HOME/.pyenv/versions/3.1[0-9]* 2>/dev/null | grep -v "$$($(PYTHON) -c 'import sys;print("%d.%d." % sys.version_info[:2])')")
test-pythons: $(LIBUV)
	@set -e; for p in $(OTHER_PYTHONS); do \
	  v=$$(basename $$p); echo "== Python $$v"; \
	  [ -x .venv-$$v/bin/python ] || $$p/bin/python -m venv .venv-$$v; \
	  .venv-$$v/bin/python -m pip install -q --upgrade pip >/dev/null; \
	  .venv-$$v/bin/python -m pip install -q "setuptools>=77" wheel "Cython>=3.0" pytest pytest-asyncio uvloop; \
	  $(USE_PREFIX) .venv-$$v/bin/python setup.py -q build_ext --inplace; \
	  .venv-$$v/bin/python -m pytest -q -p no:cacheprovider tests/loop tests/events tests/node tests/net tests/unix tests/hostile tests/child_process tests/cluster tests/cpython $(PYTEST_ARGS); \
	done

# Packaging (see packaging/): the sdist carries the pinned libuv tarball; wheels are built from
# it for every CPython 3.10+ pyenv provides, with zig's compiler against glibc 2.17, and tagged
# and checked by auditwheel. The tools live in their own venv.
WHEEL_VENV := .venv-wheel
WPY     := $(WHEEL_VENV)/bin/python
VERSION := $(shell sed -n "s/^__version__ = '\(.*\)'/\1/p" nixloop/_version.py)
SDIST   := dist/nixloop-$(VERSION).tar.gz

$(WHEEL_VENV)/.stamp: packaging/tools-requirements.txt
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WPY) -m pip install -q --upgrade pip
	$(WPY) -m pip install -q -r packaging/tools-requirements.txt
	touch $@

sdist: $(TARBALL) $(WHEEL_VENV)/.stamp
	rm -f $(SDIST)
	PIP_CONSTRAINT=$(CURDIR)/packaging/build-constraints.txt $(WPY) -m build -q --sdist --outdir dist .
	@ls -l $(SDIST)

wheel: sdist
	$(WPY) packaging/build_wheels.py --sdist $(SDIST) --out dist

# Each wheel in a fresh venv, the test suite run against the installed package.
test-wheel: wheel
	$(WPY) packaging/test_wheels.py --dist dist -- $(PYTEST_ARGS)

# The sdist installed offline in a fresh venv, then a smoke run and tests/loop against it.
test-sdist: sdist
	$(WPY) packaging/test_sdist.py --sdist $(SDIST)
