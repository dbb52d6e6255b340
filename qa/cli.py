"""`python -m qa`: answer one question, or one per line from standard input, as text or JSON lines; or check a claim."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import layout
from qa.contract import to_json
from qa.followup import Turn
from qa.types import BAD_FILTER, EMPTY, Answer

# Exit codes a script can act on (README, "Exit codes"): 0 every question answered or refused as the texts require,
# 2 bad input (an empty question, an unknown myth or section, bad options), 3 the index or a model cannot be used.
OK, BAD_INPUT, INDEX_UNUSABLE = 0, 2, 3
BAD_STATUSES = frozenset({EMPTY, BAD_FILTER})  # refusals of the input itself, not of a real question


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m qa",
        description="Answer questions from the myth texts with verbatim, cited sentences (or say the texts do not answer).",
    )
    p.add_argument("question", nargs="?", help="the question; without it, read one question per line from standard input")
    p.add_argument(
        "--index", type=Path, default=layout.default_index(), help="index folder `python -m ingest` built (default: MYTHQA_INDEX or index/)"
    )
    p.add_argument("-k", type=int, default=5, help="passages to list (default: 5)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object per line per question")
    p.add_argument("--myth", type=int, help="only search this myth number")
    p.add_argument("--section", help="only search this section, e.g. 'Why is it wrong?'")
    p.add_argument("--follow-up", action="store_true", help="standard input is one conversation: each line may follow up the one before")
    p.add_argument("--claim", metavar="TEXT", help="check a claim instead: the myth it matches and why it is wrong, as one JSON object")
    args = p.parse_args(argv)
    if args.k < 1:
        p.error("-k must be at least 1")
    if args.claim is not None:
        # A claim is checked against every myth and answered from its own "Why is it wrong?" section.
        clash = [
            flag
            for flag, on in (
                ("a question", args.question is not None),
                ("--myth", args.myth is not None),
                ("--section", args.section is not None),
                ("--follow-up", args.follow_up),
            )
            if on
        ]
        if clash:
            p.error(f"--claim cannot be combined with {', '.join(clash)}")
    return args


def render(answer: Answer) -> str:
    """A readable answer: the sentences with numbered citations, then the cited passages."""
    lines = [f"Q: {answer.question}"]
    if answer.read_against:
        lines.append(f"Read against: “{answer.read_against[0]}” → “{answer.read_against[1]}”")
    elif answer.understood_as:
        lines.append(f"Understood as: {answer.understood_as}")
    if answer.message:
        lines.append(answer.message)
    for s in answer.sentences:
        lines.append(f"  “{one_line(s.text)}” [{s.passage + 1}]" + (f" — {s.attribution()}" if s.attribution() else ""))
    if answer.passages:
        lines.append("Sources:" if answer.answered else "Closest passages:")
    for i, p in enumerate(answer.passages, 1):
        who = f" — {one_line(p.author)}" if p.author else ""
        lines.append(f"  [{i}] {p.citation()}{who} · {p.source} · score {p.score:.3f}")
        text = p.text if len(p.text) <= 300 else p.text[:297] + "…"
        lines.append("      " + one_line(text))
    return "\n".join(lines)


def one_line(s: str) -> str:
    """Text as one line: a sentence or name the source broke over lines (a PDF's author line) reads whole."""
    return " ".join(s.split())


def text(arg: str) -> str:
    """A command-line argument as valid text: bytes that were not UTF-8 (kept by Python as surrogates) become U+FFFD."""
    return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def lines(stream):
    """Questions from ``stream``, one per line, each decoded on its own: a line of invalid UTF-8 is answered with
    U+FFFD in place of the bad bytes instead of ending the batch (and every JSON line printed stays valid)."""
    source = getattr(stream, "buffer", None)
    for line in source if source is not None else stream:
        yield (line.decode("utf-8", "replace") if isinstance(line, bytes) else line).rstrip("\r\n")


def main(argv: list[str] | None = None) -> int:
    """Load the index and model once, answer each question; the exit code says what happened (OK, BAD_INPUT, INDEX_UNUSABLE)."""
    args = parse_args(argv)
    from core.errors import MythQAError
    from qa.engine import Engine

    try:
        engine = Engine.load(args.index)
    except (MythQAError, OSError) as e:
        remedy = getattr(e, "remedy", "")
        said = str(e)
        print(f"error: {said}" + (f" ({remedy})" if remedy and "python -m" not in said else ""), file=sys.stderr)
        return INDEX_UNUSABLE
    if args.claim is not None:
        from qa.claim import check

        claim = text(args.claim)
        print(to_json(check(engine, claim)), flush=True)
        return OK if claim.strip() else BAD_INPUT
    questions = [text(args.question)] if args.question is not None else lines(sys.stdin)
    previous, code = [], OK
    for q in questions:
        answer = engine.ask(q, k=args.k, myth=args.myth, section=args.section, previous=previous[-1:] if args.follow_up else ())
        previous.append(Turn.of(answer))
        if args.json:
            print(to_json(answer), flush=True)
        else:
            print(render(answer) + "\n", flush=True)
        if answer.status in BAD_STATUSES:
            code = BAD_INPUT  # the answer (or its JSON line) says which; the rest of a batch is still answered
    return code
