"""A question as typed, made safe to work on: capped in length, control characters out."""

from __future__ import annotations

import re
import unicodedata

# Read before any work: a 14 MB paste must not cost the server gigabytes or stall other askers. The longest model
# window (384 tokens) is about 2,000 characters; the rest of the cap keeps the lexical signal of a long question.
MAX_QUESTION_CHARS = 5000
MAX_K = 50  # passages one answer may list


def clean_question(text) -> str:
    """Replace control and format characters with spaces and collapse runs of white space."""
    text = "" if text is None else str(text)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def cap_question(question: str, keep_end: bool) -> tuple[str, int]:
    """The question cut to MAX_QUESTION_CHARS (its end, where a long message asks, unless ``keep_end`` is off), and
    its length in characters when it was cut (0 when it fits)."""
    if len(question) <= MAX_QUESTION_CHARS:
        return question, 0
    return (question[-MAX_QUESTION_CHARS:] if keep_end else question[:MAX_QUESTION_CHARS]), len(question)


def length_notice(prepared, keep_end: bool, chars: int) -> str:
    """What the asker is told when only part of the question was used, in words (or characters when it was capped,
    which is decided before words are counted)."""
    where = "last" if keep_end else "first"
    if chars:
        used = f"{prepared.kept_words:,} words were used" if prepared.truncated else f"{MAX_QUESTION_CHARS:,} characters were read"
        return f"Your question is {chars:,} characters long; only its {where} {used}."
    if prepared.truncated:
        return f"Your question is {prepared.words:,} words long; only its {where} {prepared.kept_words:,} words were used."
    return ""
