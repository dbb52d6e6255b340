"""Render a BuildReport as the closing report the CLI prints."""

from __future__ import annotations

from ingest.plan import BuildReport

_ORDER = ("added", "changed", "removed", "skipped", "unchanged")


def render(report: BuildReport) -> str:
    lines = []
    for status in _ORDER:
        for f in (f for f in report.files if f.status == status):
            detail = f" — {f.reason}" if f.reason else ""
            counts = f" ({f.chunks} chunks, {f.sentences} sentences)" if f.chunks else ""
            lines.append(f"  {status:<9} {f.source}{counts}{detail}")
    if not report.files:
        lines.append("  (no files found)")
    out = ["Files:", *lines]
    if report.myths:
        out.append("Myths:")
        for m in report.myths:
            name = (
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
    out += [f"Warning: {w}" for w in report.warnings]
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
    out.append(report.message)
    if report.exit_code == 1:
        out.append("Some files were skipped (reasons above); the index holds the rest.")
    return "\n".join(out)
