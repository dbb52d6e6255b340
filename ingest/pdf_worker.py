"""Child process that extracts a PDF's page texts and prints them as JSON (see ingest.load)."""

from __future__ import annotations

import json
import re
import sys


def _page_text(page) -> str:
    """Page text with paragraph breaks kept as blank lines (layout mode sees vertical gaps)."""
    try:
        raw = page.extract_text(extraction_mode="layout", layout_mode_space_vertically=True)
    except Exception:  # noqa: BLE001 - layout mode is stricter; plain mode still gets the words
        raw = page.extract_text() or ""
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in raw.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def extract(path: str) -> dict:
    """Return {"pages": [text, ...]} or {"error": reason}."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    logging.disable(logging.WARNING)  # pypdf warns on every odd object; the reason we report is enough
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    return {"error": "encrypted PDF; save an unencrypted copy to ingest it"}
            except Exception:  # noqa: BLE001
                return {"error": "encrypted PDF; save an unencrypted copy to ingest it"}
        pages = [_page_text(page) for page in reader.pages]
    except FileNotDecryptedError:
        return {"error": "encrypted PDF; save an unencrypted copy to ingest it"}
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError, RecursionError) as e:
        return {"error": f"corrupt PDF ({type(e).__name__}: {str(e)[:120]})"}
    if not pages:
        return {"error": "PDF has no pages"}
    if not any(p.strip() for p in pages):
        return {"error": "PDF has no extractable text (a scan? run OCR first)"}
    return {"pages": pages}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(extract(sys.argv[1]), ensure_ascii=False))
