"""The corpus's own words, for telling a name the texts never use from a typo or an abbreviation of one they do use."""

from __future__ import annotations

import re

# Function words an abbreviation skips: "MPs" is "members of parliament", "UN" the "United Nations".
_SKIP = r"(?:of|the|and|for|on|in|to|de|la)\s+"


class Lexicon:
    """Every word of the corpus's sentences (lower case), with fuzzy lookup (rapidfuzz) and abbreviation expansion."""

    def __init__(self, texts: list[str]):
        self.words = sorted({w.lower() for t in texts for w in re.findall(r"[^\W\d_][\w’'-]*", t)})
        self.known = frozenset(self.words)
        self.text = " ".join(" ".join(t.lower().split()) for t in texts)

    def knows(self, word: str) -> bool:
        """Whether ``word`` is a corpus word, one edit or two from one (a typo: "Rusia", "icebreakrs"), or an
        abbreviation the corpus spells out ("MPs" ↔ "members of parliament")."""
        w = word.lower().strip("’'")
        if not w or w in self.known:
            return True
        return self.typo_of(w) is not None or self.spells_out(word)

    def typo_of(self, word: str) -> str | None:
        """The corpus word ``word`` is a typo of (edit distance 1 from 5 letters, 2 from 9), or None. Shorter words are
        too close to other names ("Iran", "Iraq")."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        w = word.lower()
        if len(w) < 5:
            return None
        found = process.extractOne(w, self.words, scorer=Levenshtein.distance, score_cutoff=1 if len(w) < 9 else 2)
        return found[0] if found else None

    def spells_out(self, word: str) -> bool:
        """Whether an abbreviation (two to six capitals, a plural "s" allowed: "MPs", "PMCs", "UN") is spelt out in
        the corpus: words whose initials are its letters, function words skipped."""
        m = re.fullmatch(r"([A-Z]{2,6})s?", word.strip("’'"))
        if not m:
            return False
        letters = m.group(1).lower()
        pattern = r"\b" + r"\s+".join(f"(?:{_SKIP})*{c}[\\w’'-]*" for c in letters) + r"\b"
        return re.search(pattern, self.text) is not None
