"""Forms written from pre-compressed template parts: valid zips, the template's bytes, the same
output for the same input, and docxtpl's line-break handling when a value needs it."""

from __future__ import annotations

import io
import re
import struct
import zipfile

import docx
import pytest

from pepforms.forms import Carried, form_content, template_path
from pepforms.roster import Child
from pepforms.schema import authority_ids, form_model
from pepforms.word.render import CUSTOM_PART, PreparedTemplate, context_for, render_with_docxtpl
from pepforms.word.ziparchive import Member, build_zip, deflate

from .conftest import TERM

PER_FORM = {"word/document.xml", "word/header1.xml", "word/footer1.xml", CUSTOM_PART}


def _raw(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes as stored, from its local header."""
    offset = info.header_offset
    name_length, extra_length = struct.unpack("<2H", data[offset + 26:offset + 30])
    start = offset + 30 + name_length + extra_length
    return data[start:start + info.compress_size]


def test_a_built_zip_reads_back_with_zipfile() -> None:
    members = [deflate("[Content_Types].xml", b"<Types/>"), deflate("word/empty.xml", b""),
               deflate("word/big.xml", b"<w:p/>" * 50_000, (2030, 6, 15, 12, 30, 58)),
               deflate("word/média.xml", "é".encode())]
    data = build_zip(members)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert [i.filename for i in zf.infolist()] == [m.name for m in members]
        assert zf.read("word/big.xml") == b"<w:p/>" * 50_000
        assert zf.read("word/empty.xml") == b""
        assert zf.read("word/média.xml") == "é".encode()
        assert zf.getinfo("word/big.xml").date_time == (2030, 6, 15, 12, 30, 58)
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())
        assert zf.getinfo("word/média.xml").flag_bits & 0x800
        assert not zf.getinfo("word/big.xml").flag_bits & 0x800
    assert build_zip(members) == data


def test_a_member_with_a_wrong_crc_is_caught_by_zipfile() -> None:
    good = deflate("a.xml", b"hello")
    bad = Member(good.name, good.crc ^ 1, good.size, good.compressed, good.date_time)
    with zipfile.ZipFile(io.BytesIO(build_zip([bad]))) as zf:
        assert zf.testzip() == "a.xml"


@pytest.mark.parametrize("authority", authority_ids())
def test_forms_carry_the_templates_parts_byte_for_byte(authority: str,
                                                      children: list[Child]) -> None:
    model = form_model(authority, "y1-11")
    path = template_path(authority, "y1-11")
    template = PreparedTemplate(path)
    pupils = [c for c in children if c.phase == "y1-11"][:2]
    forms = []
    for child in pupils:
        content = form_content(model, child, TERM)
        forms.append(template.render(context_for(model, content), content.properties))
    with zipfile.ZipFile(path) as original:
        expected = {i.filename: original.read(i) for i in original.infolist()}
    raw: list[dict[str, bytes]] = []
    for data in forms:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert zf.testzip() is None
            assert [i.filename for i in zf.infolist()] == list(expected)
            for name, blob in expected.items():
                if name not in PER_FORM:
                    assert zf.read(name) == blob, name
            raw.append({i.filename: _raw(data, i) for i in zf.infolist()})
        assert docx.Document(io.BytesIO(data)).paragraphs[0].text == model.title
    for name in expected:  # the unchanged parts are copied, not compressed again
        if name not in PER_FORM:
            assert raw[0][name] == raw[1][name], name
    assert raw[0]["word/document.xml"] != raw[1]["word/document.xml"]


def test_the_same_child_gives_the_same_bytes(child_by_phase: dict[str, Child]) -> None:
    model = form_model("cheshire-west", "y1-11")
    content = form_content(model, child_by_phase["y1-11"], TERM)
    path = template_path("cheshire-west", "y1-11")
    one = PreparedTemplate(path).render(context_for(model, content), content.properties)
    two = PreparedTemplate(path).render(context_for(model, content), content.properties)
    assert one == two


def test_templates_carry_no_parts_word_does_not_need() -> None:
    for authority in authority_ids():
        with zipfile.ZipFile(template_path(authority, "y1-11")) as zf:
            names = set(zf.namelist())
            rels = zf.read("word/_rels/document.xml.rels") + zf.read("_rels/.rels")
            types = zf.read("[Content_Types].xml")
        assert not names & {"word/stylesWithEffects.xml", "docProps/thumbnail.jpeg",
                            "customXml/item1.xml"}
        assert not [n for n in names if n.startswith("customXml/")]
        for gone in (b"stylesWithEffects", b"thumbnail", b"customXml"):
            assert gone not in rels and gone not in types


def _body(data: bytes) -> str:
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    xml = xml[xml.index("<w:body"):]
    xml = re.sub(r'<w:id w:val="\d+"/>', "", xml)
    xml = xml.replace('<w:showingPlcHdr w:val="0"/>', "").replace(' w:fullDate=""', "")
    return re.sub(r"<w:body[^>]*>", "<w:body>", xml)


def test_values_with_line_breaks_and_tabs_render_as_docxtpl_renders_them(
        child_by_phase: dict[str, Child]) -> None:
    model = form_model("cheshire-west", "y1-11")
    carried = Carried(values={"/strengths_needs/aspirations": "First line\nSecond\tline"},
                      tables={"/previous_targets": [{"target": "Read daily\nwith a carer"}]})
    content = form_content(model, child_by_phase["y1-11"], TERM, carried)
    context = context_for(model, content)
    path = template_path("cheshire-west", "y1-11")
    ours = PreparedTemplate(path).render(context, content.properties)
    body = _body(ours)
    assert "First line</w:t><w:br/>" in body and "<w:tab/>" in body
    assert "Read daily</w:t><w:br/>" in body
    assert body == _body(render_with_docxtpl(path, context))
