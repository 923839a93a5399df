"""Creative Commons evidence: ids, weights, and `unknown` when there is none."""

from __future__ import annotations

from datatrove.data import Document

from filters.web.cc_licence import CcLicenceTagger, find_cc_licence


def test_rel_license_link_gives_the_licence_and_its_evidence():
    page = '<footer><a rel="license" href="https://creativecommons.org/licenses/by/4.0/deed.ja">CC BY 4.0</a></footer>'
    found = find_cc_licence(page)
    assert found.licence == "CC-BY-4.0"
    assert found.evidence == "rel=license a href=https://creativecommons.org/licenses/by/4.0/deed.ja"


def test_ported_japanese_licence_keeps_its_jurisdiction():
    page = '<link rel="license" href="http://creativecommons.org/licenses/by-nc-sa/2.1/jp/">'
    assert find_cc_licence(page).licence == "CC-BY-NC-SA-2.1-JP"


def test_deed_language_suffix_is_not_a_jurisdiction():
    assert find_cc_licence('<a rel="license" href="//creativecommons.org/licenses/by-sa/4.0/deed.de">x</a>').licence == "CC-BY-SA-4.0"


def test_meta_tag_and_public_domain_tools():
    assert find_cc_licence('<meta name="dcterms.license" content="https://creativecommons.org/publicdomain/zero/1.0/">').licence == "CC0-1.0"
    assert find_cc_licence('<a href="https://creativecommons.org/publicdomain/mark/1.0/">PD</a>').licence == "public-domain"


def test_rel_license_outweighs_several_plain_links_to_another_licence():
    page = (
        '<p>See <a href="https://creativecommons.org/licenses/by-nd/4.0/">BY-ND</a> and '
        '<a href="https://creativecommons.org/licenses/by-nd/4.0/">again</a></p>'
        '<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">this page</a>'
    )
    assert find_cc_licence(page).licence == "CC-BY-SA-4.0"


def test_page_without_cc_links_has_no_evidence():
    assert find_cc_licence('<a href="https://example.jp/license">利用規約</a> creativecommons') is None


def test_tagger_sets_unknown_or_the_source_licence():
    tagger = CcLicenceTagger(source_licences={"wiki_mirror": "CC-BY-SA-4.0"})
    plain = Document(text="<p>本文</p>", id="a", metadata={"dataset": "crawl"})
    mirrored = Document(text="<p>本文</p>", id="b", metadata={"dataset": "wiki_mirror"})
    out = list(tagger.run([plain, mirrored]))
    assert [(d.metadata["licence"], d.metadata["licence_evidence"]) for d in out] == [
        ("unknown", ""), ("CC-BY-SA-4.0", "source manifest"),
    ]
