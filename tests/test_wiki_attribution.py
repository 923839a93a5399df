"""Attribution: article URL and licence per revision."""

from __future__ import annotations

from filters.wiki.attribution import article_url, licence_evidence, licence_for


def test_article_url_keeps_japanese_and_escapes_what_breaks_a_path():
    assert article_url("アンパサンド") == "https://ja.wikipedia.org/wiki/アンパサンド"
    assert article_url("PHP (プログラミング言語)") == "https://ja.wikipedia.org/wiki/PHP_(プログラミング言語)"
    assert article_url("C#?") == "https://ja.wikipedia.org/wiki/C%23%3F"


def test_licence_is_cc_by_sa_4_unless_asked_to_date_it():
    assert licence_for("2022-04-23T02:25:36Z") == "CC-BY-SA-4.0"
    assert licence_for("2022-04-23T02:25:36Z", by_revision_date=True) == "CC-BY-SA-3.0"
    assert licence_for("2023-06-29T00:00:00Z", by_revision_date=True) == "CC-BY-SA-4.0"


def test_evidence_names_the_attribution_url_and_gfdl():
    evidence = licence_evidence("https://ja.wikipedia.org/wiki/A")
    assert "https://ja.wikipedia.org/wiki/A?action=history" in evidence and "GFDL" in evidence
