"""Render a BuildReport as the closing report the CLI prints."""

from __future__ import annotations

import re

from ingest.plan import BuildReport

_ORDER = ("added", "changed", "removed", "skipped", "unchanged")
# Control characters (C0, DEL, C1), line and paragraph separators, bidirectional overrides (which can make a name
# read backwards) and lone surrogates (bytes of a name that is not UTF-8).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` on one line: newlines, tabs and other control characters written as escapes (\\n, \\x1b, \\u202e)."""
    return _UNSAFE.sub(lambda m: _NAMED.get(m[0]) or (f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256 else f"\\u{ord(m[0]):04x}"), text)


def render(report: BuildReport) -> str:
    """The closing report: one line per file (names escaped, so each stays one line), myths, counts, warnings."""
    lines = []
    for status in _ORDER:
        for f in (f for f in report.files if f.status == status):
            detail = f" — {printable(f.reason)}" if f.reason else ""
            counts = f" ({f.chunks} chunks, {f.sentences} sentences)" if f.chunks else ""
            lines.append(f"  {status:<9} {printable(f.source)}{counts}{detail}")
    if not report.files:
        lines.append("  (no files found)")
    out = ["Files:", *lines]
    if report.myths:
        out.append("Myths:")
        for m in report.myths:
            name = printable(
                f"Myth {m.myth}: ‘{m.title}’ by {m.author or 'unknown author'}"
                if m.myth is not None
                else f"{m.source}: plain text, no ‘Myth N: …’ title line"
            )
            missing = f" — missing sections: {', '.join(m.missing_sections)}" if m.missing_sections and m.myth is not None else ""
            out.append(f"  {name}{missing}")
    embedded = f", {report.embedded} chunks embedded" + (" (model loaded)" if report.model_loaded else "")
    out.append(f"Index: {report.chunks} chunks, {report.sentences} sentences{embedded if report.embedded else ', nothing embedded'}.")
    if report.models:
        out.append(f"Models: {', '.join(report.models)}.")
    out += [f"Warning: {printable(w)}" for w in report.warnings]
    if report.query_encoder:
        out.append(f"Query encoder: {report.query_encoder}.")
    if report.timings:
        out.append(
            "Time: "
            + ", ".join(f"{k.removesuffix('_s')} {v:.2f} s" for k, v in report.timings.items())
            + f"; total {report.seconds:.2f} s."
        )
    else:
        out.append(f"Time: {report.seconds:.2f} s.")
    out.append(printable(report.message))
    if report.exit_code == 1:
        out.append("Some files were skipped (reasons above); the index holds the rest.")
    return "\n".join(out)
