from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError


def test_unknown_key_rejected(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("max_file_mb = 1\nmax_fiel_mb = 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="max_fiel_mb"):
        load_config(p)


def test_overrides_apply_and_none_is_ignored(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("max_file_mb = 1.5\n", encoding="utf-8")
    cfg = load_config(p, strict=True, models_dir=None)
    assert cfg.max_file_mb == 1.5 and cfg.strict is True and cfg.models_dir == "models"
