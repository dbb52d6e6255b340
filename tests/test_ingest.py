"""Ingestion end to end: manifest, exact sentence offsets, PDFs with pages, incremental updates, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from core import layout
from core.artifacts import load_index, read_documents, sentence_texts
from core.profile import DEFAULT
from ingest.build import run_ingest
from tests.conftest import HASH, ROOT, SEED
from tests.helpers_pdf import write_pdf

EXTRA = "Myth 2: ‘A second myth’\nJane\nDoe\nSome Institute\nA standfirst.\nWhat is the myth?\nThe claim about tanks.\n"


def test_manifest_and_artifacts(shipped_index):
    data = load_index(shipped_index)
    m = data.manifest
    assert m["format_version"] == layout.FORMAT_VERSION
    spec = m["models"]["minilm"]["spec"]
    assert spec["id"] == "sentence-transformers/all-MiniLM-L6-v2" and spec["dimension"] == 384 and spec["licence"] == "Apache-2.0"
    assert spec["files"]["model.safetensors"].startswith("53aa5117")
    assert m["counts"] == {"documents": 1, "chunks": 30, "sentences": 79, "myths": 1, "skipped": 0}
    assert m["files"][SEED.name]["sha256"] and m["chunking"]["max_tokens"] == 256
    # The program's default profile, with what `python -m learn` fitted (core/learned.json); mpnet listed first: it decides
    # when the index holds mpnet.
    assert m["profile"]["name"] == "default" and m["profile"] == DEFAULT.to_json()
    assert [e["model"] for e in m["profile"]["abstain"]] == ["mpnet", "minilm"]
    mv = data.models["minilm"]
    assert mv.chunk.shape == (30, 384) and mv.sentence.shape == (79, 384)
    assert np.allclose(np.linalg.norm(mv.chunk, axis=1), 1, atol=1e-4)
    assert len(mv.dense) == 30
    assert set(m["artifacts"]) >= {layout.CHUNKS, layout.DOCUMENTS, "models/minilm/chunks.faiss", "models/minilm/chunk_vectors.npy"}
    assert m["myths"][0]["author"] == "Margarete Klein"


def test_every_sentence_equals_source_at_its_offsets(shipped_index):
    version = layout.resolve(shipped_index)
    docs = {d.source: d for d in read_documents(version)}
    data = load_index(shipped_index)
    seed = SEED.read_text(encoding="utf-8")
    assert docs[SEED.name].text == seed
    texts = sentence_texts(data.chunks)
    spans = [(c.source, s) for c in data.chunks for s in c.sentences]
    assert len(texts) == len(spans) == 79
    for text, (source, span) in zip(texts, spans, strict=True):
        assert docs[source].text[span.start : span.end] == text
    assert "Wei Fenghe, classified Russian–Chinese relations as a ‘partnership, not an alliance’." in texts[-25:][0] or any(
        t.endswith("‘partnership, not an alliance’.") for t in texts
    )


def test_pdf_ingestion_keeps_page_numbers(corpus_dir, tmp_path):
    pages = [
        ["Myth 7: ‘Page test myth’", "Ada", "Lovelace", "Analytical Engines Institute", "It has pages."],
        ["What is the myth?", "The claim sits on page two."],
        ["Why is it wrong?", "The refutation sits on page three.", "A second paragraph on page three."],
    ]
    write_pdf(corpus_dir / "paged.pdf", pages)
    report = run_ingest(corpus_dir, tmp_path / "index", models=(HASH,), progress=False)
    assert report.exit_code == 0, report.files
    data = load_index(tmp_path / "index")
    got = {(c.section, c.paragraph): (c.page, c.text) for c in data.chunks}
    assert got[("What is the myth?", 1)] == (2, "The claim sits on page two.")
    assert got[("Why is it wrong?", 2)] == (3, "A second paragraph on page three.")
    assert data.chunks[0].myth == 7 and data.chunks[0].author == "Ada Lovelace" and data.chunks[0].page == 1


def test_incremental_updates(seed_corpus, tmp_path):
    index = tmp_path / "index"
    (seed_corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    first = run_ingest(seed_corpus, index, models=(HASH,), progress=False)
    assert first.exit_code == 0 and first.embedded == 34
    before = load_index(index)

    same = run_ingest(seed_corpus, index, progress=False)  # the published index's models are kept
    assert same.embedded == 0 and not same.model_loaded and same.published is None
    assert {f.status for f in same.files} == {"unchanged"}
    assert layout.current_version(index) == before.version

    (seed_corpus / "extra.txt").write_text(EXTRA.replace("tanks", "ships"), encoding="utf-8")
    edited = run_ingest(seed_corpus, index, progress=False)
    assert {f.source: f.status for f in edited.files} == {"extra.txt": "changed", SEED.name: "unchanged"}
    assert edited.embedded == 4  # only the edited file's chunks
    after = load_index(index)
    seed_rows = [c.id for c in after.chunks if c.source == SEED.name]
    old_rows = [c.id for c in before.chunks if c.source == SEED.name]
    assert np.array_equal(after.models[HASH].chunk[seed_rows], before.models[HASH].chunk[old_rows])
    assert [c.uid for c in after.chunks if c.source == SEED.name] == [c.uid for c in before.chunks if c.source == SEED.name]
    assert any("ships" in c.text for c in after.chunks)

    (seed_corpus / "extra.txt").unlink()
    removed = run_ingest(seed_corpus, index, progress=False)
    assert [f.status for f in removed.files if f.source == "extra.txt"] == ["removed"]
    final = load_index(index)
    assert {c.source for c in final.chunks} == {SEED.name} and len(final.chunks) == 30

    full = run_ingest(seed_corpus, index, full=True, progress=False)
    assert full.embedded == 30


def test_dry_run_writes_nothing(seed_corpus, tmp_path):
    index = tmp_path / "index"
    report = run_ingest(seed_corpus, index, dry_run=True, progress=False)
    assert [f.status for f in report.files] == ["added"] and report.published is None
    assert layout.current_version(index) is None


def _run(args, cwd=ROOT):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_unchanged_rerun_does_not_load_the_model(shipped_index):
    code = (
        "import sys, time; from pathlib import Path; from ingest.build import run_ingest; t=time.perf_counter();"
        f"r = run_ingest(Path({str(ROOT / 'corpus')!r}), Path({str(shipped_index)!r}), progress=False);"
        "print(r.embedded, r.model_loaded, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    proc = _run(["-c", code])
    assert proc.stdout.split() == ["0", "False", "False", "False"], proc.stderr


def test_cli_report_and_exit_codes(shipped_index, tmp_path):
    proc = _run(["-m", "ingest", "--corpus", "corpus", "--index", str(shipped_index), "--quiet"])
    assert proc.returncode == 0
    assert f"unchanged {SEED.name} (30 chunks, 79 sentences)" in proc.stdout
    assert "Myth 10: ‘Russia and China are joining forces militarily against the West’ by Margarete Klein" in proc.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = _run(["-m", "ingest", "--corpus", str(empty), "--index", str(tmp_path / "i"), "--quiet"])
    assert proc.returncode == 2 and "Nothing usable" in proc.stdout
    proc = _run(["-m", "ingest", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i")])
    assert proc.returncode == 2 and "does not exist" in proc.stdout


def test_manifest_is_json_not_pickle(shipped_index):
    version = layout.resolve(shipped_index)
    json.loads((version / layout.MANIFEST).read_text())
    for path in Path(version).rglob("*"):
        if path.is_file():
            assert not path.read_bytes()[:2] == b"\x80\x04", f"{path} looks like a pickle"


def test_encode_sorts_by_length_but_returns_rows_in_input_order(monkeypatch):
    import ingest.embed as embed

    class ByLength:
        batches: list[list[str]] = []

        def get_embedding_dimension(self):
            return 2

        def encode(self, texts, **kw):
            self.batches.append(list(texts))
            return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    monkeypatch.setattr(embed, "SLICE_MIN", 2)
    model = ByLength()
    texts = ["aa", "a", "aaaa", "aaa", "aaaaa"]
    seen = []
    vectors = embed.encode(model, texts, progress=False, on_progress=lambda done, total: seen.append((done, total)))
    assert vectors[:, 0].tolist() == [2, 1, 4, 3, 5]
    assert model.batches == [["aaaaa", "aaaa"], ["aaa", "aa"], ["a"]]
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_encode_cuts_large_jobs_into_progress_steps(monkeypatch):
    import ingest.embed as embed

    calls = []

    class Counter:
        def get_embedding_dimension(self):
            return 1

        def encode(self, texts, **kw):
            calls.append(len(texts))
            return np.ones((len(texts), 1), dtype=np.float32)

    monkeypatch.setattr(embed, "SLICE_MIN", 10)
    monkeypatch.setattr(embed, "PROGRESS_STEPS", 4)
    embed.encode(Counter(), ["x" * (i % 7) for i in range(100)], progress=False)
    assert calls == [25, 25, 25, 25]  # 100 texts / 4 steps, above the minimum slice
    calls.clear()
    embed.encode(Counter(), ["x"] * 30, progress=False)
    assert calls == [10, 10, 10]  # small jobs: the minimum slice
