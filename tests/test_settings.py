"""One settings object: every MYTHQA_* variable the code reads is in it, the operators' table is generated from it, and
an unreadable value keeps its default and is named in the log."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from core import settings

ROOT = Path(__file__).resolve().parents[1]
CODE = ("core", "qa", "ingest", "learn", "evaluate", "store", "api", "ui", "bench", "app.py")


def _read_in_code() -> set[str]:
    names = set()
    for part in CODE:
        for path in [ROOT / part] if part.endswith(".py") else sorted((ROOT / part).rglob("*.py")):
            names |= set(re.findall(r"MYTHQA_[A-Z_]+[A-Z](?![A-Za-z_*<])", path.read_text(encoding="utf-8")))
    return names


def test_the_operators_table_is_the_one_the_settings_object_prints():
    doc = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    shown = doc.split("<!-- settings:begin -->\n", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert shown == settings.markdown(), "docs/operators.md is stale: paste `python -m core.settings` between its markers"


def test_every_variable_named_in_the_code_is_a_setting():
    known = {settings.variable(name) for name in settings.Settings.model_fields}
    # MYTHQA_SCREENSHOT*: the browser test's own output files, not the product's
    outside = {n for n in _read_in_code() - known if not n.startswith("MYTHQA_SCREENSHOT")}
    assert not outside, f"read in the code but not in core.settings (no default, no docs): {sorted(outside)}"
    assert len(known) == len(settings.Settings.model_fields) == 35


def test_values_come_from_the_given_environment_and_unreadable_ones_keep_their_default(caplog):
    env = {
        "MYTHQA_API_WORKERS": "3",
        "MYTHQA_API_CORS_ORIGINS": "https://a.example, https://b.example,",
        "MYTHQA_API_HEAD_TIMEOUT": "nan",
        "MYTHQA_OPERATOR": "off",
        "MYTHQA_QUESTIONS_PER_MINUTE": "many",
        "MYTHQA_RETENTION_DAYS": "7.5",
        "MYTHQA_INDEX": "",  # empty: as unset
    }
    with caplog.at_level(logging.WARNING, logger="mythqa.settings"):
        s = settings.load(env)
    assert (s.workers, s.cors_origins, s.head_timeout, s.operator) == (3, ("https://a.example", "https://b.example"), 10.0, False)
    assert (s.questions_per_minute, s.retention_days, s.index) == (20, 7.5, Path("index"))
    assert sorted(r.getMessage().split("=")[0] for r in caplog.records) == ["MYTHQA_API_HEAD_TIMEOUT", "MYTHQA_QUESTIONS_PER_MINUTE"]


def test_the_process_environment_is_read_only_when_no_mapping_is_given(monkeypatch):
    monkeypatch.setenv("MYTHQA_API_QUEUE", "5")
    assert settings.load().queue == 5 and settings.load({}).queue == 64


def test_every_store_sits_beside_the_feedback_database_which_sits_beside_the_index(tmp_path):
    s = settings.load({"MYTHQA_INDEX": str(tmp_path / "idx")})
    assert s.feedback_path() == tmp_path / "feedback.sqlite3"
    assert (s.conversations_path(), s.api_keys_path(), s.token_path()) == (
        tmp_path / "conversations.sqlite3",
        tmp_path / "api_keys.sqlite3",
        tmp_path / "operator.token",
    )
    moved = settings.load({"MYTHQA_FEEDBACK_DB": str(tmp_path / "data" / "votes.db"), "MYTHQA_API_KEYS_DB": str(tmp_path / "k.db")})
    assert (moved.conversations_path(), moved.api_keys_path()) == (tmp_path / "data" / "conversations.sqlite3", tmp_path / "k.db")
    assert s.feedback_path(tmp_path / "other" / "index") == tmp_path / "other" / "feedback.sqlite3"  # --index given


def test_the_api_and_the_app_read_the_same_places(tmp_path):
    from api.config import from_env as api_config
    from ui.config import from_env as app_config

    env = {"MYTHQA_INDEX": str(tmp_path / "idx"), "MYTHQA_OPERATOR_TOKEN_FILE": str(tmp_path / "t")}
    api, app = api_config(env), app_config(env)
    assert (api.index, api.token_file, api.keys_db) == (app.index, app.token_file, tmp_path / "api_keys.sqlite3")
    assert api_config({"MYTHQA_OPERATOR": "0"}).token_file is None
    assert api_config(env, workers=7, index=tmp_path / "x").workers == 7


def test_idle_encoder_threads_spin_unless_the_operator_lets_them_sleep(monkeypatch):
    from core.onnx_model import session_options

    key = "session.intra_op.allow_spinning"
    monkeypatch.delenv("MYTHQA_QUERY_SPINNING", raising=False)
    assert session_options(2).intra_op_num_threads == 2
    with pytest.raises(RuntimeError, match="does not have configuration with key"):  # unset: onnxruntime's default, spinning
        session_options().get_session_config_entry(key)
    monkeypatch.setenv("MYTHQA_QUERY_SPINNING", "0")
    assert session_options().get_session_config_entry(key) == "0"
