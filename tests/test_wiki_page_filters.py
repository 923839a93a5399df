"""Page filters: each pass-over has its own reason, and ordinary articles go through."""

from __future__ import annotations

from datatrove.data import Document

from filters.wiki.page_filters import DisambiguationFilter, MinLengthFilter, NamespaceFilter, RedirectFilter


def doc(text: str = "本文。", **metadata) -> Document:
    return Document(text=text, id="wiki/1", metadata={"ns": 0, **metadata})


def test_namespace_filter_names_the_namespace():
    f = NamespaceFilter()
    assert f.filter(doc()) is True
    assert f.filter(doc(ns=4)) == (False, "namespace:4")
    assert NamespaceFilter([0, 14]).filter(doc(ns=14)) is True


def test_redirects_are_found_by_element_or_magic_word():
    f = RedirectFilter()
    assert f.filter(doc(redirect="風呂敷")) == (False, "redirect")
    assert f.filter(doc("#REDIRECT [[A]]")) == (False, "redirect")
    assert f.filter(doc("#転送 [[風呂敷]]")) == (False, "redirect")
    assert f.filter(doc("本文 #REDIRECT [[A]] の説明")) is True


def test_disambiguation_templates_and_category_are_found():
    f = DisambiguationFilter()
    for text in ("* [[A]]\n{{aimai}}", "{{Aimai}}", "{{人名の曖昧さ回避}}", "{{曖昧さ回避|x}}",
                 "[[Category:曖昧さ回避]]", "{{ Disambig }}"):
        assert f.filter(doc(text)) == (False, "disambiguation"), text


def test_link_that_needs_disambiguating_is_not_a_disambiguation_page():
    assert DisambiguationFilter().filter(doc("記事の[[リンク]]{{要曖昧さ回避|date=2020年}}。")) is True
    assert DisambiguationFilter().filter(doc("{{Otheruses|記号|競走馬}}本文。")) is True


def test_min_length_records_the_measured_length():
    d = doc("あ" * 49)
    assert MinLengthFilter(min_chars=50).filter(d) == (False, "too_short")
    assert d.metadata["figures"]["chars"] == 49.0
    assert MinLengthFilter(min_chars=50).filter(doc("あ" * 50)) is True
