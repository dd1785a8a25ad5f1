"""Turning text typed by people (dates, percentages, money, yes/no) into typed values, and back."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

__all__ = [
    "ValueNotUnderstood",
    "without_note",
    "clean_text",
    "format_date",
    "format_money",
    "format_number",
    "parse_bool",
    "parse_date",
    "parse_integer",
    "parse_money",
    "parse_number",
    "parse_percentage",
]


class ValueNotUnderstood(ValueError):
    """Text that cannot be read as the value asked for.

    The message says, in plain English, what was expected. It never repeats the text itself:
    the text may be a child's date of birth or name.
    """


# --- notes after a figure ----------------------------------------------------------------------

# People add a note to a figure: "92.4% (autumn term)", "£450 - 10 sessions", "2 (both in
# autumn)". The note is dropped when it is clearly a note: in brackets at the end, or after a
# dash (or comma, semicolon) and starting with a letter, so that "£200-£300" or "92 - 93" (two
# figures, so ambiguous) are never read as the first one.
_BRACKET_NOTE = re.compile(r"(?P<figure>.*?\S)\s*[(\[][^()\[\]]*[)\]]")
_DASH_NOTE = re.compile(r"(?P<figure>.*?\S)\s*(?:\s[\-\u2013\u2014]|[\u2013\u2014]|[,;:])\s*"
                        r"(?P<note>[^\W\d_].*)", re.DOTALL)


def without_note(text: str, *, dashes: bool = True) -> str:
    """`text` without a note after its figure (see above); unchanged when it has none."""
    cleaned = " ".join(text.split())
    match = _BRACKET_NOTE.fullmatch(cleaned)
    if match is not None:
        return match["figure"]
    if dashes:
        match = _DASH_NOTE.fullmatch(cleaned)
        if match is not None:
            return match["figure"]
    return cleaned


# --- dates -----------------------------------------------------------------------------------

_DATE_EXPECTED = "a date written day first, like 14/01/2027 or 14 January 2027"

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}

# Each accepted shape is one explicit pattern; nothing else is tried. Numeric dates are always
# day/month/year with the same separator twice; a month name may be full or abbreviated.
_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})")
_NAMED_DATE = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s\-]+([a-z]+)\.?,?[\s\-]+(\d{4}|\d{2})"
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Word's w:fullDate, e.g. 2027-01-14T00:00:00Z: the date part is what Word shows the reader,
# so the time and zone are checked for shape and then ignored (never converted).
_ISO_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})t\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+\-]\d{2}:?\d{2})?"
)  # matched against lower-cased text
_YEAR_FIRST = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_TRAILING_TIME = re.compile(r"[ t](?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?: ?[ap]m)?$")
_LEADING_WEEKDAY = re.compile(r"([a-z]+)\.?,?\s+(?=\d)")


def _full_year(digits: str) -> int:
    year = int(digits)
    if len(digits) == 2:
        # Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999.
        year += 2000 if year <= 69 else 1900
    return year


def _make_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueNotUnderstood(
            f"This date does not exist on the calendar. Expected {_DATE_EXPECTED}."
        ) from None


def parse_date(text: str) -> dt.date:
    """Read a UK (day-first) date; raise ValueNotUnderstood for anything unclear or impossible.

    Accepted: 14/1/27, 14/01/2027, 14.01.2027, 14-01-2027, 14 January 2027, 14 Jan 2027,
    14th January 2027, Thursday 14 January 2027, 2027-01-14, 2027/01/14, 2027-01-14T00:00:00Z,
    any of these followed by a time of day ("14/01/2027 00:00", as spreadsheets export) or by a
    note in brackets ("31/03/2027 (end of term)").
    A weekday that does not match the date is refused: one of the two is a typing mistake.
    """
    # A note in brackets after the date ("31/03/2027 (end of term)") is dropped; a dash is a
    # date separator, so a note after one is not.
    cleaned = without_note(text, dashes=False).lower()
    if not cleaned:
        raise ValueNotUnderstood(f"The date is blank. Expected {_DATE_EXPECTED}.")
    # Spreadsheets and MIS exports add a time to a date column ("11/02/2016 00:00",
    # "2016-02-11 00:00:00"): the date is still clear.
    cleaned = _TRAILING_TIME.sub("", cleaned)

    match = _ISO_DATE.fullmatch(cleaned) or _ISO_DATETIME.fullmatch(cleaned) or \
        _YEAR_FIRST.fullmatch(cleaned)
    if match is not None:
        return _make_date(int(match[1]), int(match[2]), int(match[3]))

    weekday: int | None = None
    lead = _LEADING_WEEKDAY.match(cleaned)
    if lead is not None:
        if lead[1] not in _WEEKDAYS:
            raise ValueNotUnderstood(f"Expected {_DATE_EXPECTED}.")
        weekday = _WEEKDAYS[lead[1]]
        cleaned = cleaned[lead.end() :]

    match = _NUMERIC_DATE.fullmatch(cleaned)
    if match is not None:
        day, month, year = int(match[1]), int(match[3]), _full_year(match[4])
    else:
        match = _NAMED_DATE.fullmatch(cleaned)
        if match is None or match[2] not in _MONTHS:
            raise ValueNotUnderstood(f"Expected {_DATE_EXPECTED}.")
        day, month, year = int(match[1]), _MONTHS[match[2]], _full_year(match[3])

    result = _make_date(year, month, day)
    if weekday is not None and result.weekday() != weekday:
        raise ValueNotUnderstood(
            "The day of the week does not match the date. Check the date and write it day "
            "first, like 14/01/2027."
        )
    return result


def format_date(value: dt.date) -> str:
    """A date as dd/mm/yyyy, zero-padded (strftime does not pad years before 1000)."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


# --- numbers ---------------------------------------------------------------------------------

_NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
# "Suspensions: none" means 0 where the answer is a count.
_NUMBER_WORDS.update({"none": 0, "nil": 0, "nought": 0})

# Digits with an optional decimal part; commas allowed only as correct thousands separators.
_NUMBER = re.compile(r"([+\-]?)(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?")


def _decimal_from(text: str) -> Decimal | None:
    """The number in text, or None if text is not a plain decimal number."""
    match = _NUMBER.fullmatch(text)
    if match is None or (match[2] is None and match[3] is None):
        return None
    whole = (match[2] or "0").replace(",", "")
    fraction = match[3] or "0"
    return Decimal(f"{match[1]}{whole}.{fraction}")


def parse_number(text: str) -> float:
    """Read a number such as 3, 3.5, 1,200 or -2 (or a word from zero to twenty, or none),
    with or without a note after it ("2 (both in autumn)")."""
    cleaned = without_note(text)
    if cleaned.lower() in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[cleaned.lower()])
    number = _decimal_from(cleaned)
    if number is None:
        raise ValueNotUnderstood("Expected a number written in figures, like 3 or 12.5.")
    return float(number)


def parse_integer(text: str) -> int:
    """Read a whole number such as 3, 3.0 or 1,200 (or a word from zero to twenty, or none),
    with or without a note after it."""
    cleaned = without_note(text)
    if cleaned.lower() in _NUMBER_WORDS:
        return _NUMBER_WORDS[cleaned.lower()]
    number = _decimal_from(cleaned)
    if number is None or number != number.to_integral_value():
        raise ValueNotUnderstood("Expected a whole number written in figures, like 3.")
    return int(number)


def format_number(value: float) -> str:
    """A number as people write it: 3 rather than 3.0, 12.5, never an exponent like 1e+16."""
    if isinstance(value, bool):
        raise TypeError("format_number takes a number, not True or False")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError("Only finite numbers can be written on a form")
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    if "e" in text:
        # repr switches to exponent form for very large or small numbers; nobody types those.
        text = format(Decimal(text), "f")
    return text


# --- percentages -----------------------------------------------------------------------------

_PERCENT_EXPECTED = "Write attendance as a percentage, like 92.5%."


_DECIMAL_COMMA = re.compile(r"([+\-]?\d+),(\d{1,2})")
_PERCENT_SIGN = re.compile(r"\s*(?:%|per\s?cent|pc)\.?$", re.IGNORECASE)


def parse_percentage(text: str) -> float:
    """Read a percentage such as 92%, 92.5, 92.5 %, 92,5 %, 92.5 per cent or 100, with or without
    a note after it ("92.4% (autumn term)", "92.4% - autumn term").

    A number with a decimal point above 0 and no more than 1 (0.925, 1.0) might be a fraction
    (92.5%) or a tiny percentage, so it is refused unless a % sign makes it explicit. A comma
    followed by one or two digits is a decimal comma (92,5 %): a percentage never needs a
    thousands separator. Values below 0 or above 100 are returned: checking the range is the
    validator's job.
    """
    cleaned = without_note(text)
    sign = _PERCENT_SIGN.search(cleaned)
    has_sign = sign is not None
    if sign is not None:
        cleaned = cleaned[: sign.start()].rstrip()
    comma = _DECIMAL_COMMA.fullmatch(cleaned)
    if comma is not None:
        cleaned = f"{comma[1]}.{comma[2]}"
    elif "," in cleaned:
        raise ValueNotUnderstood(_PERCENT_EXPECTED)
    number = _decimal_from(cleaned)
    if number is None:
        raise ValueNotUnderstood(_PERCENT_EXPECTED)
    if not has_sign and "." in cleaned and 0 < number <= 1:
        raise ValueNotUnderstood(
            f"This looks like a fraction rather than a percentage. {_PERCENT_EXPECTED}"
        )
    return float(number)


# --- money -----------------------------------------------------------------------------------

_MONEY = re.compile(r"(-)?\s*£?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")
# Thousands written as k, as people do in budgets: £1.2k, 1.5K, £2k.
_MONEY_THOUSANDS = re.compile(r"(-)?\s*£?\s*(\d{1,3})(?:\.(\d{1,3}))?\s?[kK]")
_MONEY_EXPECTED = "Expected an amount in pounds, like £1,200.50 or 300."


def parse_money(text: str) -> float:
    """Read an amount in pounds: £1,200.50, 1200.5, £300, 300.00, £ 42.50, 1,200, -£5, £1.2k,
    with or without a note after it ("£450 (10 sessions)", "£450 - tutoring")."""
    cleaned = without_note(text)
    thousands = _MONEY_THOUSANDS.fullmatch(cleaned)
    if thousands is not None:
        amount = Decimal(f"{thousands[2]}.{thousands[3] or '0'}") * 1000
        return float(-amount if thousands[1] else amount)
    match = _MONEY.fullmatch(cleaned)
    if match is None:
        raise ValueNotUnderstood(_MONEY_EXPECTED)
    whole = match[2].replace(",", "")
    pence = (match[3] or "0").ljust(2, "0")
    return float(Decimal(f"{match[1] or ''}{whole}.{pence}"))


def format_money(value: float) -> str:
    """An amount as £1,200.50, or £300 when there are no pence; parse_money reads it back."""
    if not math.isfinite(value):
        raise ValueError("Only finite amounts can be written on a form")
    text = f"{abs(value):,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    if text == "0":
        return "£0"
    return f"-£{text}" if value < 0 else f"£{text}"


# --- yes / no --------------------------------------------------------------------------------

_TRUE = {"yes", "y", "true", "☒", "☑", "x", "✓", "✔", "ticked", "checked", "1"}
_FALSE = {"no", "n", "false", "☐", "unticked", "unchecked", "0"}


def parse_bool(text: str) -> bool:
    """Read Yes/No, Y/N, True/False, a ticked (☒ ✓ ✔ X) or empty (☐) box."""
    cleaned = text.strip().lower()
    if cleaned in _TRUE:
        return True
    if cleaned in _FALSE:
        return False
    raise ValueNotUnderstood("Expected Yes or No.")


# --- free text -------------------------------------------------------------------------------

# Characters XML 1.0 forbids: controls other than tab, newline and carriage return; surrogates;
# U+FFFE and U+FFFF. A Word document containing them cannot be opened.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)


def clean_text(text: str) -> str:
    """Free text made safe for a Word form: \\n line ends, no XML-illegal characters, no
    trailing spaces on any line, no leading or trailing blank space."""
    if text.isprintable():
        # One line with no control, surrogate or non-character: only the ends can change
        # (the common case, for most answers of every form read).
        return text.strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Word's manual line break and page break arrive as vertical tab and form feed when text is
    # copied out of Word; they mean "new line", so keep them as one rather than gluing words.
    text = text.replace("\x0b", "\n").replace("\x0c", "\n")
    text = _ILLEGAL_XML.sub("", text)
    text = _TRAILING_SPACE.sub("", text)
    return text.strip()
