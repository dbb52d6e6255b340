"""What each endpoint does with the engine of the published index: plain functions, run on the worker pool."""

from __future__ import annotations

from api.errors import ApiError
from qa.followup import Turn
from qa.types import BAD_FILTER, EMPTY, Answer, Passage

REFUSED = (BAD_FILTER, EMPTY)  # the request was at fault: 400, with the answer's own body


def ask(engine, body) -> Answer:
    """``engine.ask`` with the request's filters; ``previous`` is read as the turn a follow-up refers to."""
    previous = (Turn(body.previous.question, body.previous.answer),) if body.previous else ()
    return engine.ask(body.question, k=body.k, myth=body.myth, section=body.section, previous=previous)


def status_of(answer: Answer) -> int:
    return 400 if answer.status in REFUSED else 200


def claim(engine, text: str):
    from qa.claim import check

    return check(engine, text)


def claim_status(result) -> int:
    from qa.claim import EMPTY as EMPTY_CLAIM

    return 400 if result.message == EMPTY_CLAIM else 200


def passage(engine, uid: str) -> Passage:
    found = engine.passage(uid)
    if found is None:
        raise ApiError(
            404,
            "unknown_passage",
            f"No passage has the id “{uid}” in index version {engine.version}. Ids come from POST /v1/ask with "
            '"ids": true; a passage whose text was edited has a new id, so ask again.',
        )
    return found


def myths(engine) -> dict:
    """The myths (number, title, author, their sections in reading order) and every section of the index."""
    by_myth: dict[int, dict] = {}
    for c in engine.index.chunks:
        if c.myth is not None:
            entry = by_myth.setdefault(c.myth, {"myth": c.myth, "title": c.title, "author": c.author, "sections": []})
            if c.section and c.section not in entry["sections"]:
                entry["sections"].append(c.section)
    return {"version": engine.version, "myths": [by_myth[m] for m in sorted(by_myth)], "sections": list(engine.sections)}


def health(engine, services=None) -> dict:
    """The published version and its models; with ``services`` (the operator asked) also where and what is loaded."""
    out = {"status": "ok", "version": engine.version, "models": list(engine.index.models)}
    if services is not None:
        out |= {
            "index": str(engine.index.path),
            "loaded_versions": list(services.engines.loaded()),
            "notices": list(engine.notices),
            "keys_required": services.config.keys_required,
            "workers": services.config.workers,
        }
    return out
