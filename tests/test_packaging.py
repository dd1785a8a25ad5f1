"""The wheel carries every package of the code: `pip install .` must not leave one behind."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _listed() -> set[str]:
    # [tool.setuptools] packages = [...] (read as text: tomllib is Python 3.11's, and 3.10 is
    # supported)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^packages = \[(.*?)\]", text, flags=re.M | re.S)
    assert block is not None, "pyproject.toml lists no packages"
    return set(re.findall(r'"([^"]+)"', block.group(1)))


def test_every_package_is_in_the_wheel() -> None:
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "pepforms").rglob("__init__.py")}
    assert "pepforms.drafting" in found
    assert found - _listed() == set(), "add these to [tool.setuptools] packages in pyproject.toml"
