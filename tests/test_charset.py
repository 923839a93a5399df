"""Charset decoding: declared labels in the right order, Japanese detection, supersets."""

from __future__ import annotations

import codecs

import pytest

from filters.web.charset import decode_body, detect_japanese, japanese_score, normalize_label

JA = "今日は良い天気ですね。散歩に出かけましょう。カタカナも少し混ぜておきます。"


def html(meta: str = "", text: str = JA) -> str:
    return f"<html><head>{meta}<title>テスト</title></head><body><p>{text}</p></body></html>"


def same_codec(a: str, b: str) -> bool:
    return codecs.lookup(a).name == codecs.lookup(b).name


def test_http_header_charset_wins_over_meta():
    body = html('<meta charset="euc-jp">').encode("shift_jis")
    got = decode_body(body, "text/html; charset=Shift_JIS")
    assert (got.charset, got.source) == ("shift_jis", "http_header")
    assert JA in got.text


def test_meta_charset_used_when_header_has_none():
    body = html('<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">').encode("euc_jp")
    got = decode_body(body, "text/html")
    assert (got.charset, got.source) == ("euc-jp", "meta")
    assert JA in got.text


def test_xml_declaration_is_a_source():
    body = f'<?xml version="1.0" encoding="Shift_JIS"?><rss><title>{JA}</title></rss>'.encode("shift_jis")
    got = decode_body(body, "application/xml")
    assert (got.charset, got.source) == ("shift_jis", "xml_declaration")


@pytest.mark.parametrize("codec,expected", [("shift_jis", "shift_jis"), ("euc_jp", "euc-jp"), ("iso2022_jp", "iso-2022-jp"),
                                            ("utf-8", "utf-8")])
def test_undeclared_japanese_encodings_are_detected(codec, expected):
    got = decode_body(html().encode(codec), "text/html")
    assert (got.charset, got.source) == (expected, "detected")
    assert JA in got.text


def test_declared_shift_jis_with_cp932_characters_decodes_as_cp932():
    text = "①番の会議室は髙橋さんが予約しました。"  # ① and 髙 exist only in CP932
    body = html('<meta charset="Shift_JIS">', text).encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        body.decode("shift_jis")
    got = decode_body(body, "text/html")
    assert (got.charset, got.source, got.declared) == ("cp932", "meta", "Shift_JIS")
    assert text in got.text


def test_web_only_labels_are_understood():
    assert normalize_label("x-sjis") == "shift_jis"
    assert normalize_label("Windows-31J") == "cp932"
    assert normalize_label("no-such-charset") is None


def test_wrong_declaration_falls_through_to_detection():
    body = html('<meta charset="utf-8">').encode("euc_jp")  # declared utf-8, really EUC-JP
    got = decode_body(body, "text/html")
    assert (got.charset, got.source) == ("euc-jp", "detected")
    assert JA in got.text


def test_western_label_on_japanese_bytes_is_not_believed():
    body = html().encode("shift_jis")
    got = decode_body(body, "text/html; charset=iso-8859-1")
    assert got.charset == "shift_jis" and got.source == "detected" and got.declared == "iso-8859-1"


def test_bom_overrides_declarations():
    body = codecs.BOM_UTF8 + html('<meta charset="shift_jis">').encode("utf-8")
    got = decode_body(body, "text/html; charset=euc-jp")
    assert (got.charset, got.source) == ("utf-8", "bom")


def test_stray_bytes_keep_the_declared_charset_with_replacement_and_say_so():
    body = "<p>日本語の文章です。".encode() + b"\xff\xfe" + "続きの文章です。</p>".encode()
    got = decode_body(body, "text/html; charset=utf-8")
    assert (got.charset, got.source, got.replaced) == ("utf-8", "http_header_lenient", True)
    assert "日本語の文章です。\ufffd\ufffd続きの文章です。" in got.text
    undeclared = decode_body(body, "text/html")
    assert (undeclared.charset, undeclared.source, undeclared.replaced) == ("utf-8", "fallback", True)


def test_japanese_score_prefers_the_right_legacy_decoding():
    raw = JA.encode("euc_jp")
    right = raw.decode("euc_jp")
    wrong = raw.decode("cp932", "replace")
    assert japanese_score(right) > japanese_score(wrong)
    assert detect_japanese(raw)[1] == "euc_jp"


def test_every_page_of_the_packed_fixture_warc_decodes_with_its_expected_charset(shared_data):
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    path = shared_data / "web" / "ja_fixture_pages_packed.warc.gz"
    results = []
    for record in ArchiveIterator(str(path), record_types=WarcRecordType.response, parse_http=True):
        expected = record.headers.get("WARC-X-Expected-Charset")
        got = decode_body(record.reader.read(), record.http_headers.get("Content-Type"))
        results.append((record.headers.get("WARC-Target-URI"), expected, got.charset, same_codec(expected, got.charset)))
    assert len(results) == 69
    wrong = [r for r in results if not r[3]]
    assert wrong == [], wrong


def iso2022_fixture_bodies(shared_data) -> list[bytes]:
    """The real ISO-2022-JP payloads of the packed fixture WARC (chardet's blog feeds)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    path = shared_data / "web" / "ja_fixture_pages_packed.warc.gz"
    return [record.reader.read() for record in ArchiveIterator(str(path), record_types=WarcRecordType.response,
                                                                parse_http=True)
            if same_codec(record.headers.get("WARC-X-Expected-Charset"), "iso2022_jp")]


@pytest.mark.parametrize("where", ["http_header", "meta", "xml_declaration"])
def test_iso2022jp_escapes_outweigh_a_utf8_label(shared_data, where):
    bodies = iso2022_fixture_bodies(shared_data)
    assert bodies
    for body in bodies:
        if where == "meta":
            body = b'<meta charset="utf-8">' + body
        elif where == "xml_declaration":
            body = b'<?xml version="1.0" encoding="UTF-8"?>' + body.split(b"?>", 1)[-1]
        got = decode_body(body, "text/html; charset=utf-8" if where == "http_header" else None)
        assert same_codec(got.charset, "iso2022_jp") and "\x1b" not in got.text, (where, got.charset, got.source)
        assert got.declared and got.source == "iso2022_escapes"


def test_escape_pair_is_needed_not_one_stray_escape():
    body = html('<meta charset="utf-8">').encode() + b"\x1b$B"  # one ESC $B, never switched back
    assert decode_body(body).charset == "utf-8"
    ansi = html('<meta charset="utf-8">', text="色付き \x1b[31m赤\x1b[0m").encode()
    assert decode_body(ansi).charset == "utf-8"
