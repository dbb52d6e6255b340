"""The one lexical analyser both sides share: bm25s tokenisation with English stemming and stopwords."""

from __future__ import annotations

from functools import lru_cache

LEXICAL_SETTINGS = {"library": "bm25s", "stemmer": "english", "stopwords": "en", "method": "lucene"}


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """The English stem of one lower-cased word ("argues" -> "argu"), as the lexical index stems it."""
    return _stemmer().stemWord(word.lower())


def tokenize_query(text: str) -> list[str]:
    """Tokenise one query into stemmed terms; bm25s ignores terms outside the index's vocabulary."""
    import bm25s

    return bm25s.tokenize([text], stopwords="en", stemmer=_stemmer(), show_progress=False, return_ids=False)[0]


def build_bm25(texts: list[str]):
    """Index texts with bm25s; an all-empty corpus still gets a valid (empty-vocabulary) index."""
    import bm25s

    retriever = bm25s.BM25(method=LEXICAL_SETTINGS["method"])
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)
    retriever.index(tokens, show_progress=False)
    return retriever
