"""`python -m bench.quantize`: int8 (dynamic) query encoders against the published float ones, same index, same questions.

Each model's ONNX query encoder of the published version is quantized with onnxruntime's ``quantize_dynamic`` into a
temporary folder and swapped in for that model alone; the documents keep their float vectors. Prints size, encoding
time per question and the fused figures on each question set, with the load average. A measurement, not a product path.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from core import layout
from core.onnx_model import OnnxEmbedder
from evaluate.run import QUESTIONS, evaluate, load_questions

ROOT = Path(__file__).resolve().parent.parent


def quantize(src: Path, dst: Path, per_channel: bool) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=per_channel)


def swap(engine, key: str, onnx: Path) -> None:
    """Answer ``key``'s queries with ``onnx`` (same tokenizer, window and pooling as the published encoder)."""
    enc = engine.encoders[key]
    enc._onnx = OnnxEmbedder(onnx, engine.index.models[key].model_dir, enc.window, 1, token_type_ids=enc.spec.token_type_ids)
    engine.clear_cache()


def figures(engine, sets: list[Path]) -> list[str]:
    out = []
    for path in sets:
        reports = evaluate(engine, load_questions(path), ("fused",))
        r = next(r for r in reports if r.split == "all")
        out.append(f"{path.name}: top-1 {r.top1:.3f} top-3 {r.top3:.3f} first sentence {r.sentence:.3f} refused {r.refused}")
    return out


def encode_ms(engine, key: str, texts: list[str]) -> float:
    enc = engine.encoders[key]
    t0 = time.perf_counter()
    for t in texts:
        enc._vector(t)
    return (time.perf_counter() - t0) * 1000 / len(texts)


def main(argv: list[str] | None = None) -> int:
    from qa.engine import Engine

    ap = argparse.ArgumentParser(prog="python -m bench.quantize", description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=layout.default_index())
    ap.add_argument("--questions", type=Path, action="append", help="question sets (default: eval/questions.jsonl, eval/blind6.jsonl)")
    ap.add_argument("--per-channel", action="store_true", help="one scale per output channel instead of per tensor")
    args = ap.parse_args(argv)
    sets = args.questions or [QUESTIONS, ROOT / "eval" / "blind6.jsonl"]
    engine = Engine.load(args.index)
    texts = [q.question for q in load_questions(QUESTIONS)][:200]
    version = layout.resolve(args.index)
    print(f"index {version.name}; load average {os.getloadavg()[0]:.2f}")
    print("float: " + "; ".join(figures(engine, sets)))
    for key in engine.encoders:
        src = version / layout.MODELS / key / layout.QUERY_ONNX
        float_ms = encode_ms(engine, key, texts)
        with tempfile.TemporaryDirectory() as tmp:
            dst = Path(tmp) / f"{key}.int8.onnx"
            quantize(src, dst, args.per_channel)
            swap(engine, key, dst)
            int8_ms = encode_ms(engine, key, texts)
            print(f"{key} int8: {src.stat().st_size / 1e6:.1f} → {dst.stat().st_size / 1e6:.1f} MB, "
                  f"{float_ms:.1f} → {int8_ms:.1f} ms per question (load {os.getloadavg()[0]:.2f})")  # fmt: skip
            print(f"{key} int8: " + "; ".join(figures(engine, sets)))
        engine = Engine.load(args.index)  # back to the float encoders before the next model
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
