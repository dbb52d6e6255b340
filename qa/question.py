"""A question as typed, made safe to work on: capped in length, control characters out."""

from __future__ import annotations

import re
import unicodedata

from qa.intent import canonical_section
from qa.types import BAD_FILTER, Answer

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


def check_filters(original: str, k, myth, section, sections: tuple[str, ...], myths: tuple[int, ...]):
    """(k, myth, section) checked at the edge, with an Answer saying what is wrong with them (else None).

    ``k`` outside 1..MAX_K or not a number is brought back into range; an unknown section or myth is refused.
    """
    try:
        k = min(MAX_K, max(1, int(k)))
    except (TypeError, ValueError, OverflowError):
        k = 5
    if section is not None:
        name = canonical_section(str(section), sections)
        if name is None:
            msg = f"There is no section “{section}”. Sections: {'; '.join(sections)}."
            return k, myth, section, Answer(original, False, msg, (), (), status=BAD_FILTER)
        section = name
    if myth is not None:
        known = ", ".join(map(str, myths)) or "none"
        try:
            myth = int(myth)
        except (TypeError, ValueError, OverflowError):
            return (
                k,
                None,
                section,
                Answer(original, False, f"The myth filter must be a number (myths: {known}).", (), (), status=BAD_FILTER),
            )
        if myth not in myths:
            return (
                k,
                myth,
                section,
                Answer(original, False, f"There is no Myth {myth} in the index (myths: {known}).", (), (), status=BAD_FILTER),
            )
    return k, myth, section, None
