"""E-mail addresses in Japanese text, anti-spam spellings, URLs with credentials."""

from __future__ import annotations

import pytest

from filters.pii.detector import PIIDetector


@pytest.fixture(scope="module")
def found():
    detector = PIIDetector()
    return lambda text: [(s.entity, text[s.start:s.end]) for s in detector.find(text)]


@pytest.mark.parametrize("text, address", [
    ("お問い合わせはinfo@example.co.jpまで。", "info@example.co.jp"),
    ("メール：taro.yamada+news@mail.example.com", "taro.yamada+news@mail.example.com"),
    ("連絡先（ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｊｐ）", "ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｊｐ"),
    ("<a href=\"mailto:shop@example.tokyo\">", "shop@example.tokyo"),
])
def test_email_inside_japanese_text_is_found_with_exact_bounds(found, text, address):
    assert found(text) == [("EMAIL", address)]


@pytest.mark.parametrize("written", ["info★example.jp", "info☆example.jp", "info(at)example.jp", "info [at] example.jp"])
def test_anti_spam_spellings_of_at_are_found(found, written):
    assert found(f"ご連絡は{written}（★を@に変えてください）") == [("EMAIL", written)]


@pytest.mark.parametrize("text", ["icon@2x.png を使う", "@yamada_taro さんのツイート", "foo@bar.invalidtld 宛"])
def test_not_an_address_when_the_domain_has_no_public_suffix(found, text):
    assert found(text) == []


def test_url_credentials_mask_userinfo_and_host_but_keep_scheme_and_path(found):
    text = "接続先 postgres://app:s3cr3t@db.example.jp:5432/main を使う"
    assert found(text) == [("URL_CREDENTIALS", "app:s3cr3t@db.example.jp:5432")]


def test_url_without_password_is_left_alone(found):
    assert found("https://example.jp/path?q=1 と ftp://ftp.example.jp/pub") == []
