"""Text from outside (file names, typed answers) made safe to print on a terminal."""

from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    """`text` with control characters (escape sequences, bells, carriage returns, bidi overrides)
    shown as `\\xNN` / `\\uNNNN`, so a file name cannot rewrite what the terminal shows."""
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf") or ch in "\u2028\u2029":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
