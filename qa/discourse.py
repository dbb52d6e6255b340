"""The discourse roles stored per sentence at ingestion (core.types.Role), as arrays the read path indexes by sentence id."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.types import OPENER, STANCES

AUTHOR, REPORTED, MYTH = (STANCES.index(s) for s in ("author", "reported", "myth"))


@dataclass(frozen=True)
class Discourse:
    """Per sentence (index order): whose view it gives, and its place in a list; plus the lists themselves."""

    stance: np.ndarray  # int8: AUTHOR, REPORTED or MYTH
    holders: tuple[str, ...]  # whose view a reported sentence gives ("" when the text does not say, or the author's)
    item: np.ndarray  # int16: 0-based item position, OPENER for the sentence announcing a list, -1 otherwise
    list_of: np.ndarray  # int32: the list (position in ``lists``) a sentence opens or belongs to, -1 otherwise
    lists: tuple[tuple[int, ...], ...]  # per list: its item sentence ids by position
    openers: tuple[int, ...]  # per list: the announcing sentence id, -1 when none

    def items(self, sid: int) -> tuple[int, ...]:
        """The item sentence ids of the list ``sid`` opens or belongs to (empty when none)."""
        n = int(self.list_of[sid])
        return self.lists[n] if n >= 0 else ()

    def item_at(self, sid: int, position: int) -> int | None:
        """The sentence id of item ``position`` (-1: the last) of the list holding ``sid``, or None."""
        found = self.items(sid)
        if not found or not -len(found) <= position < len(found):
            return None
        return found[position]


def discourse(chunks) -> Discourse:
    """Read every chunk's stored roles into arrays; chunks of indexes built before roles existed count as the author's."""
    stance, holders, item, keys = [], [], [], []
    for c in chunks:
        roles = c.roles if len(c.roles) == len(c.sentences) else ()
        for n in range(len(c.sentences)):
            r = roles[n] if roles else None
            stance.append(STANCES.index(r.stance) if r is not None and r.stance in STANCES else AUTHOR)
            holders.append(r.holder if r is not None else "")
            item.append(r.item if r is not None else -1)
            keys.append((c.source, r.list_start) if r is not None and r.list_start >= 0 else None)
    index: dict = {}
    members: list[dict[int, int]] = []
    openers: list[int] = []
    list_of = np.full(len(keys), -1, dtype=np.int32)
    for sid, key in enumerate(keys):
        if key is None:
            continue
        if key not in index:
            index[key] = len(members)
            members.append({})
            openers.append(-1)
        n = index[key]
        list_of[sid] = n
        if item[sid] == OPENER:
            openers[n] = sid
        elif item[sid] >= 0:
            members[n].setdefault(item[sid], sid)
    lists = tuple(tuple(m[p] for p in sorted(m)) for m in members)
    return Discourse(
        np.array(stance, dtype=np.int8),
        tuple(holders),
        np.array(item, dtype=np.int16),
        list_of,
        lists,
        tuple(openers),
    )
