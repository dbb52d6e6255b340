"""Bytes on disk of an index: the published version by part, and the whole folder with its kept versions.

Versions and the ONNX export cache share files by hard link, so the folder's size counts each file (inode) once.
Usage: python -m bench.disk --index DIR  (prints one JSON object)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _files(folder: Path):
    return (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def distinct_bytes(folder: Path) -> int:
    """Sum of file sizes under ``folder``, each hard-linked file counted once."""
    seen, total = set(), 0
    for p in _files(folder):
        st = p.stat()
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total


def index_bytes(index_dir: Path) -> dict:
    """The published version's bytes: per model its query encoder (ONNX) and its vectors and stores, the rest shared."""
    from core import layout

    version = layout.resolve(index_dir)
    models_dir = version / layout.MODELS
    per_model = {}
    for folder in sorted(p for p in models_dir.iterdir() if p.is_dir()) if models_dir.is_dir() else []:
        query = (layout.QUERY_ONNX, layout.QUERY_DATA)  # the graph and its weights
        onnx = sum(p.stat().st_size for p in _files(folder) if p.name in query)
        rest = sum(p.stat().st_size for p in _files(folder) if p.name not in query)
        per_model[folder.name] = {"query_encoder_onnx": onnx, "vectors_and_stores": rest}
    total = sum(p.stat().st_size for p in _files(version))
    in_models = sum(v["query_encoder_onnx"] + v["vectors_and_stores"] for v in per_model.values())
    versions = [p for p in (index_dir / layout.VERSIONS).iterdir() if p.is_dir() and not p.name.startswith(".")]
    return {
        "version": version.name,
        "version_bytes": total,
        "models": per_model,
        "chunks_documents_bm25_manifest": total - in_models,
        "kept_versions": len(versions),
        "index_folder_bytes": distinct_bytes(index_dir),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.disk", description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=Path("index"))
    args = ap.parse_args(argv)
    print(json.dumps(index_bytes(args.index)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
