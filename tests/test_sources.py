"""corpus/sources.toml: editors record where texts come from; ingestion checks, records and applies it."""

from __future__ import annotations

from core import layout
from core.artifacts import read_chunks
from ingest.build import run_ingest
from ingest.sources import Origin, read_origins
from qa.engine import Engine
from tests.conftest import HASH, SEED

URL = "https://www.chathamhouse.org/2022/07/myths-and-misconceptions-around-russian-military-intent/myth-10-russia-and-china-are"


def _chunks(index):
    return read_chunks(layout.resolve(index))


def test_shipped_corpus_links_the_seed_to_its_page(hash_index):
    engine = Engine.load(hash_index)
    answer = engine.ask("Who wrote this?")
    p = answer.passages[0]
    assert (p.url, p.publisher, p.published) == (URL, "Chatham House (the Royal Institute of International Affairs)", "July 2022")
    assert "url" not in p.to_json()  # the CLI's JSON contract is unchanged
    assert layout.read_manifest(layout.resolve(hash_index))["origins"][SEED.name]["url"] == URL


def test_toml_dates_and_bad_entries(corpus_dir):
    (corpus_dir / "a.txt").write_text("Some text.\n", encoding="utf-8")
    (corpus_dir / "sources.toml").write_text(
        '["a.txt"]\nurl = "https://example.org/a"\ndate = 2022-07-01\n'
        '["gone.txt"]\nurl = "https://example.org/gone"\n'
        '["a.txt".x]\n',  # nested table inside a.txt: an unknown field
        encoding="utf-8",
    )
    origins, problems = read_origins(corpus_dir, {"a.txt"})
    assert origins == {}
    assert problems == [
        "sources.toml: entry “a.txt” ignored: unknown field(s) x; use url, publisher, date",
        "sources.toml: entry “gone.txt” ignored: no such file in the corpus (names are paths relative to the corpus folder)",
    ]
    (corpus_dir / "sources.toml").write_text('["a.txt"]\nurl = "javascript:alert(1)"\n', encoding="utf-8")
    assert read_origins(corpus_dir, {"a.txt"})[1] == ["sources.toml: entry “a.txt” ignored: url must be an absolute http(s) address"]
    (corpus_dir / "sources.toml").write_text('["a.txt"]\nurl = "https://example.org/a"\ndate = 2022-07-01\n', encoding="utf-8")
    assert read_origins(corpus_dir, {"a.txt"}) == ({"a.txt": Origin("https://example.org/a", None, "2022-07-01")}, [])


def test_broken_toml_is_a_warning_and_the_run_goes_on(seed_corpus, tmp_path):
    (seed_corpus / "sources.toml").write_text("[unclosed\n", encoding="utf-8")
    report = run_ingest(seed_corpus, tmp_path / "index", models=(HASH,), progress=False)
    assert report.exit_code == 0  # the texts are all fine; sources.toml is not one of them
    assert [f.source for f in report.files] == [SEED.name]
    assert len(report.warnings) == 1 and report.warnings[0].startswith("sources.toml ignored: ")
    assert {c.url for c in _chunks(tmp_path / "index")} == {None}


def test_editing_sources_alone_reaches_the_index_without_reembedding(seed_corpus, tmp_path):
    index = tmp_path / "index"
    run_ingest(seed_corpus, index, models=(HASH,), progress=False)
    (seed_corpus / "sources.toml").write_text(f'["{SEED.name}"]\nurl = "https://example.org/m10"\npublisher = "P"\n', encoding="utf-8")
    report = run_ingest(seed_corpus, index, progress=False)
    assert report.message != "Index is up to date; nothing to do." and report.embedded == 0
    assert {(c.url, c.publisher) for c in _chunks(index)} == {("https://example.org/m10", "P")}
    (seed_corpus / "sources.toml").unlink()
    run_ingest(seed_corpus, index, progress=False)
    assert {(c.url, c.publisher) for c in _chunks(index)} == {(None, None)}
    assert run_ingest(seed_corpus, index, progress=False).message == "Index is up to date; nothing to do."
