# The two commands a researcher needs: `make extract` and `make test`. Everything else is set-up they trigger.
PY_SYS ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CORPUS ?= corpus
OUT    ?= outputs
ENGINE ?= local
SEEDS  ?= ../shared/corpus/seeds
GOLD   ?= ../shared/gold
WEB    ?= ../shared/corpus/web
GOLD_WEB ?= ../shared/gold-web
EXTERNAL_PDFS ?= ../shared/external/pdfs
WEB_DEV  := ^w(0[1-9]|[12][0-9]|30)_
WEB_HELD := ^w(3[1-9]|40)_
CLI    := $(PY) -m pipeline.cli

.PHONY: all venv models extract serve report test quick lint eval eval-bulletins bench bench-ingest bench-extract corpus clean

all: extract

# Create the virtual environment and install pinned dependencies on first use (or when pyproject changes).
$(STAMP): pyproject.toml
	@command -v $(PY_SYS) >/dev/null 2>&1 || { echo "need $(PY_SYS) (Python 3.11) on PATH"; exit 1; }
	@test -x $(PY) || $(PY_SYS) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@sh scripts/system_deps.sh
	$(PY) -m pipeline.text.jieba_dict models || echo "no pre-built jieba dictionary: start-up parses its text"
	@touch $(STAMP)

venv: $(STAMP)

# Gazetteer, dictionaries and trained models, built reproducibly with their source and date.
models: $(STAMP)
	$(CLI) models --models-dir models
	$(PY) -m pipeline.text.jieba_dict models

extract: $(STAMP)
	$(CLI) extract $(CORPUS) --out $(OUT) --engine $(ENGINE) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

# The explorer over OUT's store: a local web app on 127.0.0.1 (PORT=8765; HOST=... to listen elsewhere).
PORT ?= 8765
serve: $(STAMP)
	$(CLI) serve --out $(OUT) --port $(PORT) $(if $(HOST),--host $(HOST))

# One self-contained HTML report of OUT's store (OUT/report.html): opens from disk, no network.
report: $(STAMP)
	$(CLI) report --out $(OUT)

# Static checks: lint rules, formatting and types (mypy, settings in pyproject.toml).
lint: $(STAMP)
	$(PY) -m ruff check pipeline tests scripts
	$(PY) -m ruff format --check pipeline tests scripts
	$(PY) -m mypy pipeline

# Everything CI runs: the static checks, then every test (slow ones included).
test: lint
	$(PY) -m pytest

# The same without the slow tests (those marked @pytest.mark.slow: whole-pipeline and Dask runs).
quick: lint
	$(PY) -m pytest -m "not slow"

# The evaluation gate: the seeds' gold, our own corpus gold, and gold-web in two parts (w01-w30 we work
# with; w31-w40 held out: no misses printed), each against pinned floors; then the learned parts' scores.
eval: $(STAMP)
	$(CLI) eval $(SEEDS) --gold $(GOLD) --out $(OUT)/eval-seeds --floors tests/eval_floors/seeds.json
	$(CLI) eval corpus --gold tests/gold/corpus --out $(OUT)/eval-corpus --floors tests/eval_floors/corpus.json
	$(CLI) eval $(WEB) --gold $(GOLD_WEB) --out $(OUT)/eval-web --floors tests/eval_floors/web_dev.json \
		--select '$(WEB_DEV)'
	$(CLI) eval $(WEB) --gold $(GOLD_WEB) --out $(OUT)/eval-web --floors tests/eval_floors/web_held.json \
		--select '$(WEB_HELD)' --no-run --show-missed 0
	$(CLI) scores

# The real statistical bulletins (../shared/external/pdfs) against the gold we wrote for zhoukou 2023: figures of
# its borderless tables and sentences, with indicator, unit and date.
eval-bulletins: $(STAMP)
	$(CLI) eval $(EXTERNAL_PDFS) --gold tests/gold/bulletins --out $(OUT)/eval-bulletins \
		--floors tests/eval_floors/bulletins.json --select '^zhoukou_'

# A generated corpus of DOCS documents extracted twice (first run, unchanged re-run), with the peers of the
# `bench` extra (jionlp, cpca) on the same text: docs/s, MB/s, pages/s, peak RSS, per-stage times, ratios.
DOCS ?= 2000
bench: $(STAMP)
	$(PY) -m pip install -q -e '.[bench]' || echo "the bench peers could not be installed: the bench runs without them"
	$(CLI) bench corpus --docs $(DOCS)

bench-ingest: $(STAMP)
	$(CLI) bench ingest

bench-extract: $(STAMP)
	$(CLI) bench extract

# Rebuild the generated files of the sample corpus (PDF, DOCX, GB18030 text) from scripts/build_corpus.py.
corpus: $(STAMP)
	$(PY) scripts/build_corpus.py corpus --gold tests/gold/corpus --check

clean:
	rm -rf $(OUT)
