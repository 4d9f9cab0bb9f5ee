"""c2c_api.registry imports every domain's tables and catalogue (the kernel imports none)."""

from __future__ import annotations

import sys
from pathlib import Path

from c2c_api import registry

SRC = Path(__file__).resolve().parents[1] / "src" / "c2c_api"


def _modules(file_name: str) -> set[str]:
    return {f"c2c_api.{p.parent.name}.{p.stem}" for p in SRC.glob(f"*/{file_name}")}


def test_import_models_imports_every_models_module() -> None:
    registry.import_models()
    assert _modules("models.py") - set(sys.modules) == set()


def test_import_catalogues_imports_every_catalogue() -> None:
    registry.import_catalogues()
    with_catalogue = {m for m in _modules("errors.py") if "register_catalogue(" in _source(m)}
    assert with_catalogue - set(sys.modules) == set()


def _source(module: str) -> str:
    return (SRC / module.split(".")[1] / "errors.py").read_text(encoding="utf-8")
