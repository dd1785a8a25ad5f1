"""Which roster heading is which of our columns: our names, the aliases in aliases.json, a column map."""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pepforms.findings import Finding, make
from pepforms.roster.model import (
    ALL_COLUMNS,
    COLUMN_TITLES,
    REQUIRED_COLUMNS,
    ROLE,
    SECTION,
    RosterError,
    pointer_for,
)
from pepforms.roster.read import Table, decode_text, parse_csv, read_bytes, sniff_delimiter

# {normalised heading: (the heading as written, our column or None to ignore that heading)}
ColumnMap = dict[str, tuple[str, str | None]]

# How strongly a heading names a column; the strongest wins, and a tie is a RosterError.
_BY_MAP, _BY_NAME, _BY_ALIAS, _BY_PREFIXED_ALIAS = 3, 2, 1, 0


def normalise_header(text: str) -> str:
    """Lower case, with spaces, underscores, hyphens and punctuation removed."""
    return re.sub(r"[\W_]+", "", text.casefold())


@dataclass(frozen=True)
class _Spellings:
    exact: dict[str, str]  # normalised column name -> column
    aliases: dict[str, str]  # normalised alias -> column
    prefixes: tuple[str, ...]


@functools.cache
def _spellings() -> _Spellings:
    """The header spellings shipped in aliases.json (package data, so authorities can add theirs)."""
    text = resources.files("pepforms.roster").joinpath("aliases.json").read_text(encoding="utf-8")
    data = json.loads(text)
    aliases: dict[str, str] = {}
    for column, spellings in data["aliases"].items():
        for alias in spellings:
            aliases[normalise_header(alias)] = column
    return _Spellings(
        exact={normalise_header(column): column for column in ALL_COLUMNS},
        aliases=aliases,
        prefixes=tuple(normalise_header(prefix) for prefix in data["prefixes"]),
    )


def recognised(header: list[str], column_map: ColumnMap) -> int:
    """How many cells of a heading row name one of our columns."""
    return sum(1 for cell in header if _match(normalise_header(cell), column_map) is not None)


def _match(key: str, column_map: ColumnMap) -> tuple[str | None, int] | None:
    """(our column, or None for a heading the map ignores; how strong the match is)."""
    spellings = _spellings()
    if not key:
        return None
    if key in column_map:
        return column_map[key][1], _BY_MAP
    if key in spellings.exact:
        return spellings.exact[key], _BY_NAME
    if key in spellings.aliases:
        return spellings.aliases[key], _BY_ALIAS
    for prefix in spellings.prefixes:
        rest = key[len(prefix) :]
        if key.startswith(prefix) and rest:
            column = spellings.exact.get(rest) or spellings.aliases.get(rest)
            if column is not None:
                return column, _BY_PREFIXED_ALIAS
    return None


def match_columns(header: list[str], column_map: ColumnMap) -> tuple[dict[str, int], list[Finding]]:
    """{our column: index in the row}, and warnings about column map entries not used.

    A column map entry beats our own column name, which beats an alias, which beats an alias
    found after dropping a prefix such as "Pupil". Two headings equally good for one column
    are a RosterError: choosing one would be a guess.
    """
    candidates: dict[str, list[tuple[int, int]]] = {}
    for index, cell in enumerate(header):
        match = _match(normalise_header(cell), column_map)
        if match is not None and match[0] is not None:
            candidates.setdefault(match[0], []).append((match[1], index))

    columns: dict[str, int] = {}
    for column, found in candidates.items():
        best = max(strength for strength, _ in found)
        top = [index for strength, index in found if strength == best]
        if len(top) > 1:
            headings = " and ".join(f'"{header[index]}"' for index in top)
            raise RosterError(
                f"The roster has more than one column that could be the "
                f"{COLUMN_TITLES[column]}: {headings}. Give a column map (the --column-map "
                f'option) saying which to use, like {{"{header[top[0]]}": "{column}"}}.'
            )
        columns[column] = top[0]

    used = {normalise_header(cell) for cell in header}
    findings = [
        make("roster-column-map-entry-not-used", pointer=pointer_for(our), section=SECTION,
             role=ROLE, heading=their)
        for key, (their, our) in column_map.items()
        if key not in used
    ]
    return columns, findings


def missing_columns_error(missing: list[str], header: list[str], path: Path,
                          table: Table) -> RosterError:
    """The error for a heading row that lacks required columns, saying how to map them."""
    found = ", ".join(f'"{cell}"' for cell in header if cell) or "none"
    where = f'The sheet "{table.sheet}" of the roster {path}' if table.sheet else f"The roster {path}"
    others = [name for name in table.sheet_names if name != table.sheet]
    other_sheets = ""
    if others:
        listed = ", ".join(f'"{name}"' for name in others)
        other_sheets = f" The workbook also has the sheets {listed}: if the roster is on one, choose it."
    return RosterError(
        f"{where} is missing these columns: {', '.join(missing)}. The headings found were: "
        f"{found}. If a column is there under another heading, give a column map with the "
        '--column-map option: a JSON file like {"Birth Date": "date_of_birth"} saying which of '
        f"your headings is which of our columns.{other_sheets}"
    )


def required_missing(columns: dict[str, int]) -> list[str]:
    return [column for column in REQUIRED_COLUMNS if column not in columns]


# --- the column map file ---------------------------------------------------------------------


def our_column(name: str, their_header: str) -> str | None:
    """Our column that a column map entry names (None: ignore the heading), or a RosterError
    with the nearest column names as a suggestion."""
    if name.strip() == "":
        return None
    key = normalise_header(name)
    spellings = _spellings()
    if key in spellings.exact:
        return spellings.exact[key]
    raise RosterError(
        f'The column map says the roster heading "{their_header}" is "{name}", but there is no '
        f"column called that.{_did_you_mean(key)} Use one of: {', '.join(ALL_COLUMNS)}."
    )


def _did_you_mean(key: str) -> str:
    """' Did you mean "date_of_birth"?' for a near miss or a known alias, else ''."""
    spellings = _spellings()
    if key in spellings.aliases:
        return f' Did you mean "{spellings.aliases[key]}"?'
    close = difflib.get_close_matches(key, list(spellings.exact), n=2, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(f'"{spellings.exact[k]}"' for k in close) + "?"


def load_column_map(path: Path) -> ColumnMap:
    """A column map: JSON {"Their heading": "our_column"}, or CSV lines their_header,our_column
    (with an optional heading row). Null (JSON) or blank (CSV) ignores a heading."""
    what = "column map"
    text, _ = decode_text(read_bytes(path, what), path, what)
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        pairs = _json_pairs(text, path)
    else:
        pairs = _csv_pairs(text, path)
    return {
        normalise_header(their): (their, None if our is None else our_column(our, their))
        for their, our in pairs
    }


def _json_pairs(text: str, path: Path) -> list[tuple[str, str | None]]:
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as error:
        raise RosterError(
            f"The column map {path} is not valid JSON (line {error.lineno}): write it like "
            '{"Their heading": "date_of_birth"}.'
        ) from None
    if not isinstance(loaded, dict) or not all(
        isinstance(value, str) or value is None for value in loaded.values()
    ):
        raise RosterError(
            f"The column map {path} must be one JSON object of headings to column names, "
            'like {"Birth Date": "date_of_birth"}.'
        )
    return list(loaded.items())


def _csv_pairs(text: str, path: Path) -> list[tuple[str, str | None]]:
    rows = [row for row in parse_csv(text, sniff_delimiter(text), path, "column map") if any(row)]
    if rows and len(rows[0]) >= 2 and normalise_header(rows[0][1]) == "ourcolumn":
        rows = rows[1:]  # the optional heading row their_header,our_column
    pairs: list[tuple[str, str | None]] = []
    for row in rows:
        if len(row) < 2 or not row[0]:
            raise RosterError(
                f"Each line of the column map {path} needs two values: the roster's "
                "heading, then our column name, like: Birth Date,date_of_birth"
            )
        pairs.append((row[0], row[1]))
    return pairs
