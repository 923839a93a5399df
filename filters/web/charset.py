"""Charset-correct decoding of web pages, Japanese encodings first.

Japanese pages come in UTF-8, Shift_JIS, its Microsoft superset CP932, EUC-JP and
ISO-2022-JP, and are often labelled wrong: `Shift_JIS` on pages that use CP932-only
characters (NEC/IBM extensions such as ①), or no label at all. A generic detector run
first gets these wrong often enough to matter, and a declared label used blindly gives
mojibake or a crash. So the order here is the one browsers and the issue ask for:

1. a byte-order mark (it overrides everything, as in the WHATWG encoding standard);
   an ISO-2022-JP escape pair (ESC $ B ... ESC ( B) likewise: 7-bit ISO-2022-JP bytes are
   valid UTF-8 too, so a UTF-8 label would be "accepted" and leave escapes in the text;
2. the HTTP `Content-Type` charset;
3. `<meta charset>` / `<meta http-equiv="Content-Type">` in the head;
4. the XML declaration (`<?xml ... encoding="..."?>`, RSS/Atom feeds and XHTML);
5. detection among the Japanese encodings, then a generic detector for the rest;
6. UTF-8 with replacement characters as the last resort.

A declared label is a hint, not a fact: it is accepted only when the bytes decode under it
without error, and a failing `Shift_JIS` is retried as CP932 (and EUC-JP as EUC-JIS-2004),
the supersets real sites use under those labels. The result records the charset used and
which rule chose it, so a reader of the shards can audit every decision.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# labels seen on the web that Python's codec registry does not know, or maps too narrowly
_ALIASES = {
    "x-sjis": "shift_jis",
    "x-shift-jis": "shift_jis",
    "shift-jis": "shift_jis",
    "windows-31j": "cp932",
    "x-ms-cp932": "cp932",
    "cp943": "cp932",
    "cp943c": "cp932",
    "ms932": "cp932",
    "x-euc-jp": "euc_jp",
    "x-euc": "euc_jp",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "utf8mb4": "utf-8",
    "x-user-defined": "windows-1252",
}

# a label that fails strictly is retried as the superset that sites really mean by it
# (WHATWG decodes "shift_jis" with the Windows-31J table and "gb2312" with GBK for the same reason)
_SUPERSETS = {
    "shift_jis": ("cp932",),
    "euc_jp": ("euc_jis_2004",),
    "iso2022_jp": ("iso2022_jp_ext", "iso2022_jp_2"),
    "gb2312": ("gbk", "gb18030"),
    "gbk": ("gb18030",),
    "ascii": ("cp1252",),
    "iso8859-1": ("cp1252",),
    "big5": ("big5hkscs",),
}

# labels written into metadata: lower-case IANA-style names
_PUBLIC_NAMES = {
    "utf-8": "utf-8",
    "utf-16-le": "utf-16le",
    "utf-16-be": "utf-16be",
    "shift_jis": "shift_jis",
    "cp932": "cp932",
    "euc_jp": "euc-jp",
    "euc_jis_2004": "euc-jis-2004",
    "iso2022_jp": "iso-2022-jp",
    "iso2022_jp_ext": "iso-2022-jp-ext",
    "iso2022_jp_2": "iso-2022-jp-2",
    "ascii": "us-ascii",
    "iso8859-1": "iso-8859-1",
    "cp1252": "windows-1252",
}

# single-byte Western labels decode any byte string, so a page that carries one of them
# but is really Japanese would silently become mojibake; for these we check the bytes first
_SINGLE_BYTE_WESTERN = {"ascii", "iso8859-1", "cp1252", "iso8859-15"}

# the HTML5 prescan looks at the first 1024 bytes; Japanese sites often put long comments
# or scripts before the meta tag, so we look further (cost: one regex over 4 KiB)
PRESCAN_BYTES = 4096

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""",
    re.IGNORECASE,
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)["']""", re.IGNORECASE)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I", b"\x1b$(D")
# ISO-2022-JP text switches to JIS X 0208 (ESC $ B, or ESC $ @ for the 1978 set) and back to
# ASCII or JIS-Roman (ESC ( B, ESC ( J) at the end of every Japanese run (RFC 1468 §3)
_ISO2022_TO_KANJI = (b"\x1b$B", b"\x1b$@")
_ISO2022_TO_ASCII = (b"\x1b(B", b"\x1b(J")

# How Japanese a decoding looks: kana and kanji count for it; half-width katakana, private
# use and replacement characters (what a wrong Japanese decoding produces) count against it.
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")
_KANJI = re.compile(r"[\u4e00-\u9fff]")
_JA_PUNCT = re.compile(r"[\u3000-\u303f\uff01-\uff60]")
_BAD = re.compile(r"[\uff61-\uff9f\ue000-\uf8ff\ufffd]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
SCORE_SAMPLE_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded page: the text, the charset used and the rule that chose it."""

    text: str
    charset: str
    source: str
    declared: str | None = None
    replaced: bool = False


def normalize_label(label: str | None) -> str | None:
    """A web charset label -> Python codec name, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def public_name(codec: str) -> str:
    """Python codec name -> the lower-case label we write into metadata."""
    return _PUBLIC_NAMES.get(codec, codec.replace("_", "-"))


def http_charset(content_type: str | None) -> str | None:
    """The charset parameter of an HTTP Content-Type header, as written."""
    if not content_type:
        return None
    m = _HTTP_CHARSET.search(content_type)
    return m.group(1) if m else None


def meta_charset(body: bytes) -> str | None:
    """`<meta charset>` or `<meta http-equiv=Content-Type content="...charset=...">` in the head."""
    m = _META_CHARSET.search(body, 0, PRESCAN_BYTES)
    return m.group(1).decode("ascii", "replace") if m else None


def xml_charset(body: bytes) -> str | None:
    """The encoding of an XML declaration at the start of the document."""
    m = _XML_DECL.match(body[:512])
    return m.group(1).decode("ascii", "replace") if m else None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _strict_with_supersets(body: bytes, codec: str) -> tuple[str, str] | None:
    """Decode under a declared codec, or under the superset sites mean by it."""
    for candidate in (codec, *_SUPERSETS.get(codec, ())):
        text = _strict(body, candidate)
        if text is not None:
            return text, candidate
    return None


def japanese_score(text: str) -> float:
    """Share of non-ASCII characters that look like Japanese text (kana, kanji, punctuation),
    minus what wrong decodings produce (half-width kana, private use, U+FFFD)."""
    sample = text[:SCORE_SAMPLE_CHARS]
    non_ascii = len(_NON_ASCII.findall(sample))
    if not non_ascii:
        return 0.0
    good = 1.5 * len(_KANA.findall(sample)) + len(_KANJI.findall(sample)) + len(_JA_PUNCT.findall(sample))
    return (good - 3.0 * len(_BAD.findall(sample))) / non_ascii


def detect_japanese(body: bytes) -> tuple[str, str] | None:
    """(text, codec) when the bytes are UTF-8 or one of the Japanese legacy encodings.

    UTF-8 first: its strict decoding almost never succeeds by accident on legacy bytes.
    ISO-2022-JP is 7-bit, so it is recognised by its escape sequences before that. Between
    Shift_JIS/CP932 and EUC-JP, both of which may decode the same bytes, the decoding that
    reads more like Japanese wins.
    """
    if b"\x1b" in body and any(esc in body for esc in _ISO2022_ESCAPES):
        for codec in ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"):
            text = _strict(body, codec)
            if text is not None:
                return text, codec
    if body.isascii():
        return body.decode("ascii"), "ascii"
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    candidates = []
    for family in (("shift_jis", "cp932"), ("euc_jp", "euc_jis_2004")):
        for codec in family:
            text = _strict(body, codec)
            if text is not None:
                candidates.append((japanese_score(text), text, codec))
                break
    if not candidates:
        return None
    score, text, codec = max(candidates, key=lambda c: c[0])
    # a legacy decoding that does not read like Japanese is left to the generic detector
    return (text, codec) if score > 0.5 else None


def iso2022_evidence(body: bytes) -> bool:
    """A switch into JIS X 0208 followed later by a switch back: an escape pair no other
    encoding writes and no page types by accident, so it outweighs any label. A 7-bit
    ISO-2022-JP page is also valid UTF-8 and ASCII, so a label alone cannot rule it out.
    Linear in the body (two `find`s), whatever a hostile page repeats."""
    if b"\x1b" not in body:
        return False
    starts = [i for i in (body.find(esc) for esc in _ISO2022_TO_KANJI) if i >= 0]
    if not starts:
        return False
    first = min(starts)
    return any(body.find(esc, first + 3) >= 0 for esc in _ISO2022_TO_ASCII)


def _generic_detect(body: bytes) -> tuple[str, str] | None:
    """Non-Japanese legacy encodings (windows-1251, GBK, ...): charset-normalizer's guess."""
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    if best is None or best.encoding is None:
        return None
    codec = normalize_label(best.encoding)
    text = _strict(body, codec) if codec else None
    return (text, codec) if text is not None else None


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a page body: BOM, HTTP charset, meta, XML declaration, detection, fallback."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom):].decode(codec, "replace"), public_name(codec), "bom")

    declared: list[tuple[str, str, str]] = []  # (codec, label as written, source)
    for source, label in (
        ("http_header", http_charset(content_type)),
        ("meta", meta_charset(body)),
        ("xml_declaration", xml_charset(body)),
    ):
        codec = normalize_label(label)
        if codec:
            declared.append((codec, label, source))

    if declared and not declared[0][0].startswith("iso2022") and iso2022_evidence(body):
        for codec in ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"):
            text = _strict(body, codec)
            if text is not None:
                return Decoded(text, public_name(codec), "iso2022_escapes", declared=declared[0][1])

    for codec, label, source in declared:
        if codec in _SINGLE_BYTE_WESTERN and not body.isascii():
            # a Western single-byte label on a page with high bytes: believe the bytes when
            # they are valid UTF-8 or read clearly as Japanese
            found = detect_japanese(body)
            if found is not None:
                text, detected = found
                return Decoded(text, public_name(detected), "detected", declared=label)
        decoded = _strict_with_supersets(body, codec)
        if decoded is not None:
            text, used = decoded
            return Decoded(text, public_name(used), source, declared=label)

    found = detect_japanese(body)
    if found is None:
        found = _generic_detect(body)
    if found is not None:
        text, codec = found
        return Decoded(text, public_name(codec), "detected", declared=declared[0][1] if declared else None)

    if declared:
        codec, label, source = declared[0]
        return Decoded(body.decode(codec, "replace"), public_name(codec), f"{source}_lenient", declared=label, replaced=True)
    return Decoded(body.decode("utf-8", "replace"), "utf-8", "fallback", replaced=True)
