"""What `learn.tune` accepts as training questions, checked at the edge: every row, before any model or index loads."""

from __future__ import annotations

from pathlib import Path

from core.errors import BadInput
from evaluate.run import read_rows, squash

MIN_GOLD_WORDS, MIN_GOLD_CHARS = 3, 12  # shorter snippets (a bare surname) match sentences that do not answer
MAX_QUESTIONS = 5000  # per run: about an hour of training on this 2-core machine; --max-questions raises it
MAX_SHOWN = 10  # errors listed; the rest are counted


def _row_errors(row: dict) -> list[str]:
    errors = [
        f"“{key}” must be a non-empty string" for key in ("id", "question") if not isinstance(row.get(key), str) or not row[key].strip()
    ]
    for key in ("split", "kind", "follows"):
        if key in row and row[key] is not None and not isinstance(row[key], str):
            errors.append(f"“{key}” must be a string")
    if "out_of_scope" in row and not isinstance(row["out_of_scope"], bool):
        errors.append("“out_of_scope” must be true or false")
    gold = row.get("gold", [])
    if not isinstance(gold, list):
        return [*errors, '“gold” must be a list of snippets (write ["…"] even for one)']
    for g in gold:
        if not isinstance(g, str) or not g.strip():
            errors.append("every “gold” snippet must be a non-empty string")
        elif len(squash(g).split()) < MIN_GOLD_WORDS and len(squash(g)) < MIN_GOLD_CHARS:
            need = f"≥ {MIN_GOLD_WORDS} words or {MIN_GOLD_CHARS} characters"
            errors.append(f"gold snippet “{squash(g)}” is too short to tell answering sentences ({need})")
    if not gold and row.get("out_of_scope") is not True:
        errors.append("an answerable question needs at least one “gold” snippet")
    return errors


def check_files(paths: list[Path], max_questions: int = MAX_QUESTIONS) -> int:
    """Check every row of the question files; returns how many rows they hold.

    Raises:
        BadInput: a row is unusable (each named by file and line, up to MAX_SHOWN), or there are more rows than
            ``max_questions`` (0: no limit).
    """
    errors, rows = [], 0
    for path in paths:
        try:
            for n, row in read_rows(path):
                rows += 1
                errors += [f"{path}:{n}: {e}" for e in _row_errors(row)]
        except BadInput as e:  # a line that is not a JSON object
            errors.append(str(e))
        except (OSError, UnicodeDecodeError) as e:
            errors.append(f"{path}: cannot be read ({e})")
    if errors:
        more = f"\n… and {len(errors) - MAX_SHOWN} more" if len(errors) > MAX_SHOWN else ""
        raise BadInput("the training questions cannot be used:\n" + "\n".join(errors[:MAX_SHOWN]) + more)
    if max_questions and rows > max_questions:
        raise BadInput(f"{rows:,} training questions in one run is over the limit of {max_questions:,}; raise it with --max-questions N")
    return rows
