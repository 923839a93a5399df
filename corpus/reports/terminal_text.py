"""Text from documents and file names, made safe to print on a terminal.

Shards hold whatever the web, a dump or a repository contained: `x[/]y.py` is a valid file
name (and rich markup that raises MarkupError), and a page can carry ESC/CSI/OSC
sequences that clear the screen, retitle the window, or write a hyperlink the reader
never sees. `inspect` and `report` show such strings as they are, but inert: control
characters become visible `\\x1b`-style escapes and markup brackets are escaped.
"""

from __future__ import annotations

import re

from rich.markup import escape
from rich.text import Text

# C0 controls but tab and newline, DEL, C1 controls (U+0080-U+009F: 8-bit CSI, OSC, ...),
# and the bidirectional overrides and isolates that reorder what a reader sees
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _show(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object) -> str:
    """`text` with every terminal control character replaced by its visible escape."""
    return _UNSAFE.sub(_show, str(text))


def markup_safe(text: object) -> str:
    """For a place that reads rich markup (table cells, titles): visible and bracket-escaped."""
    return escape(visible(text))


def plain(text: object, style: str = "") -> Text:
    """A rich Text that is never parsed as markup."""
    return Text(visible(text), style=style)


def json_safe(serialized: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with C1 and bidi characters
    written as `\\uXXXX` escapes: still the same JSON, but inert on a terminal (JSON already
    escapes C0 controls)."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", serialized)
