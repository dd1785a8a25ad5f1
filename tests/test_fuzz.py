"""Seeded, bounded mutations of good and failing returned forms: no crash, no traceback, no
hang, and never a pass for a form whose identity was damaged, or for a failing form after a
change to a part that has nothing to do with its answers."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from pepforms.cases import Case, discover, returned_form
from pepforms.checking import check_file

SEED = 20261201
ROUNDS = 12  # per mutation kind and form: bounded, and the same every run
UNRELATED = ("docProps/app.xml", "docProps/core.xml", "word/styles.xml", "word/settings.xml",
             "word/fontTable.xml")
IDENTITY_PROPERTIES = ("form_id", "child_id", "term", "prefill", "prefill_digest", "key_id")


def _case(name: str) -> Case:
    return next(c for c in discover("cheshire-west") if c.phase == "y1-11" and c.name == name)


@pytest.fixture(scope="module")
def forms() -> dict[str, tuple[str, bytes]]:
    return {"good": returned_form(_case("good")),
            "failing": returned_form(_case("attendance-unexplained"))}


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rezip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
    return out.getvalue()


def check(tmp_path: Path, name: str, data: bytes) -> tuple[str, list[str]]:
    path = tmp_path / name
    path.write_bytes(data)
    result = check_file(path)
    texts = [f.message + " " + f.note for f in result.findings]
    assert result.status in {"pass", "fail", "unreadable"}
    for text in texts:
        assert "Traceback" not in text and "File \"" not in text
    return result.status, [f.code for f in result.findings]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        raw[rng.randrange(len(raw))] ^= rng.randint(1, 255)
    return bytes(raw)


def mutate_xml(rng: random.Random, blob: bytes) -> bytes:
    root = etree.fromstring(blob)
    nodes = list(root.iter())
    for _ in range(rng.randint(1, 4)):
        node = rng.choice(nodes)
        kind = rng.randrange(4)
        if kind == 0 and node.getparent() is not None:
            node.getparent().remove(node)  # drop an element
            nodes = list(root.iter())
        elif kind == 1 and node.getparent() is not None:
            node.addnext(etree.fromstring(etree.tostring(node)))  # duplicate it
            nodes = list(root.iter())
        elif kind == 2:
            node.text = rng.choice(["", "N/A", "9" * 400, "<b>&amp;", "\u202eevil", "-"])
        elif node.attrib:
            key = rng.choice(list(node.attrib))
            node.set(key, rng.choice(["", "0", "-1", "x" * 300, "/../../etc"]))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def damage_identity(rng: random.Random, parts: dict[str, bytes]) -> dict[str, bytes]:
    parts = dict(parts)
    custom = parts["docProps/custom.xml"].decode()
    choice = rng.randrange(3)
    if choice == 0:
        parts.pop("docProps/custom.xml")
    elif choice == 1:
        prop = rng.choice(IDENTITY_PROPERTIES)
        custom = re.sub(rf'(name="pepforms\.{prop}"><vt:lpwstr>)([^<]*)',
                        lambda m: m.group(1) + rng.choice(["", "C99999", "spring-2026", "{}",
                                                           m.group(2)[::-1] + "x"]), custom)
        parts["docProps/custom.xml"] = custom.encode()
    else:
        parts["docProps/custom.xml"] = rng.choice([b"", b"<x/>", b"\xff\xfe garbage",
                                                   custom.encode()[: len(custom) // 2]])
    return parts


@pytest.mark.parametrize("which", ["good", "failing"])
def test_byte_flips_never_crash(forms: dict[str, tuple[str, bytes]], which: str,
                                tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-bytes-{which}")
    name, data = forms[which]
    for _ in range(ROUNDS):
        check(tmp_path, name, flip_bytes(rng, data))


@pytest.mark.parametrize("which", ["good", "failing"])
def test_document_mutations_never_crash(forms: dict[str, tuple[str, bytes]], which: str,
                                        tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-xml-{which}")
    name, data = forms[which]
    parts = members(data)
    for _ in range(ROUNDS):
        mutated = dict(parts, **{"word/document.xml": mutate_xml(rng, parts["word/document.xml"])})
        check(tmp_path, name, rezip(mutated))


@pytest.mark.parametrize("which", ["good", "failing"])
def test_a_damaged_identity_never_passes(forms: dict[str, tuple[str, bytes]], which: str,
                                         tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-identity-{which}")
    name, data = forms[which]
    parts = members(data)
    for _ in range(ROUNDS):
        status, codes = check(tmp_path, name, rezip(damage_identity(rng, parts)))
        assert status != "pass", codes


def test_a_failing_form_still_fails_after_changes_to_unrelated_parts(
        forms: dict[str, tuple[str, bytes]], tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-unrelated")
    name, data = forms["failing"]
    parts = members(data)
    for _ in range(ROUNDS * 2):
        mutated = dict(parts)
        part = rng.choice([p for p in UNRELATED if p in parts])
        kind = rng.randrange(3)
        if kind == 0:
            mutated[part] = mutate_xml(rng, parts[part])
        elif kind == 1:
            mutated.pop(part)
        else:
            mutated[f"word/extra{rng.randrange(99)}.xml"] = parts[part]  # a duplicated part
        status, codes = check(tmp_path, name, rezip(mutated))
        assert status != "pass", (part, kind, codes)
