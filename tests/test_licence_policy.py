"""LicencePolicyFilter: defaults per source kind, manifest overrides, expressions, narrowing."""

from __future__ import annotations

import pytest
from datatrove.data import Document

from corpus.manifest import LicencePolicy, Source
from filters.licence.policy import LicenceOptions, LicencePolicyFilter


def doc(licence: str | None, source: str | None = None, dataset: str | None = None) -> Document:
    meta = {k: v for k, v in {"licence": licence, "source": source, "dataset": dataset}.items() if v is not None}
    return Document(text="本文", id="x/1", metadata=meta)


def keeps(f: LicencePolicyFilter, d: Document) -> bool:
    return f.filter(d) is True


@pytest.fixture
def default() -> LicencePolicyFilter:
    return LicencePolicyFilter(LicenceOptions())


@pytest.mark.parametrize("licence", [None, "unknown", "CC-BY-4.0", "CC-BY-NC-SA-4.0", "GPL-3.0-only"])
def test_web_keeps_any_licence_and_unknown_by_default(default, licence):
    assert keeps(default, doc(licence, "web"))


def test_wiki_keeps_cc_by_sa_and_rejects_other_licences(default):
    assert keeps(default, doc("CC-BY-SA-4.0", "wiki"))
    assert default.filter(doc("GFDL-1.3-only", "wiki")) == (False, "licence:GFDL-1.3-only")


@pytest.mark.parametrize("licence", ["MIT", "BSD-3-Clause", "Apache-2.0", "mit", "Apache-2.0 OR BSD-2-Clause"])
def test_code_keeps_permissive_licences(default, licence):
    assert keeps(default, doc(licence, "code"))


@pytest.mark.parametrize("licence, reason", [
    ("GPL-2.0+", "licence:GPL-2.0+"),
    (None, "licence:unknown"),
    ("NOASSERTION", "licence:unknown"),
    ("MIT AND GPL-3.0-only", "licence:MIT_AND_GPL-3.0-only"),
])
def test_code_excludes_copyleft_and_unknown_with_licence_reason(default, licence, reason):
    assert default.filter(doc(licence, "code")) == (False, reason)


def test_or_expression_passes_when_any_side_is_allowed_and_and_needs_all(default):
    assert keeps(default, doc("GPL-3.0-only OR MIT", "code"))
    assert keeps(default, doc("(GPL-3.0-only OR MIT) AND Zlib", "code"))
    assert not keeps(default, doc("(GPL-3.0-only OR LGPL-2.1-only) AND MIT", "code"))
    assert keeps(default, doc("Apache-2.0 WITH LLVM-exception", "code"))


def test_source_manifest_policy_overrides_the_kind_default():
    strict_web = Source(name="news", kind="web", paths=["x"],
                        licence_policy=LicencePolicy(allow=["CC-BY-4.0"], unknown="exclude"))
    f = LicencePolicyFilter(LicenceOptions(), sources=[strict_web])
    assert keeps(f, doc("CC-BY-4.0", "web", "news"))
    assert f.filter(doc(None, "web", "news")) == (False, "licence:unknown")
    assert f.filter(doc("CC-BY-NC-4.0", "web", "news")) == (False, "licence:CC-BY-NC-4.0")
    assert keeps(f, doc(None, "web", "other_crawl"))  # other sources keep the web default


def test_source_licence_fills_in_for_documents_without_one():
    wiki = Source(name="jawiki", kind="wiki", paths=["x"], licence="CC-BY-SA-4.0")
    f = LicencePolicyFilter(LicenceOptions(wiki=LicencePolicy(allow=["CC-BY-SA-4.0"], unknown="exclude")),
                            sources=[wiki])
    d = doc(None, None, "jawiki")
    assert keeps(f, d)
    assert d.metadata["licence"] == "CC-BY-SA-4.0"
    assert d.metadata["licence_evidence"] == "source manifest: jawiki"


def test_commercial_only_drops_non_commercial_and_unknown_everywhere():
    f = LicencePolicyFilter(LicenceOptions(commercial_only=True))
    assert f.filter(doc("CC-BY-NC-SA-4.0", "web")) == (False, "licence:CC-BY-NC-SA-4.0")
    assert f.filter(doc(None, "web")) == (False, "licence:unknown")
    assert keeps(f, doc("CC-BY-4.0", "web"))
    assert keeps(f, doc("CC-BY-NC-4.0 OR MIT", "code"))


def test_deny_patterns_apply_under_every_policy():
    f = LicencePolicyFilter(LicenceOptions(deny=["cc-by-sa-*"]))
    assert f.filter(doc("CC-BY-SA-4.0", "web")) == (False, "licence:CC-BY-SA-4.0")
    assert f.filter(doc("CC-BY-SA-4.0", "wiki")) == (False, "licence:CC-BY-SA-4.0")
    assert keeps(f, doc("CC-BY-4.0", "web"))


def test_documents_of_no_known_kind_use_the_default_policy():
    f = LicencePolicyFilter(LicenceOptions(default=LicencePolicy(allow=["MIT"], unknown="exclude")))
    assert keeps(f, doc("MIT"))
    assert f.filter(doc(None)) == (False, "licence:unknown")


def test_disabled_policy_keeps_everything():
    assert keeps(LicencePolicyFilter(LicenceOptions(enabled=False)), doc("GPL-3.0-only", "code"))


def test_unknown_option_key_is_rejected():
    with pytest.raises(Exception, match="extra"):
        LicenceOptions(comercial_only=True)


def test_licence_filter_sends_rejects_to_the_exclusion_writer(tmp_path):
    import pyarrow.parquet as pq

    from corpus.shards import ExclusionWriter

    f = LicencePolicyFilter(LicenceOptions(), exclusion_writer=ExclusionWriter(str(tmp_path), "licence"))
    kept = list(f.run(iter([doc("MIT", "code"), doc("GPL-2.0+", "code")])))
    assert [d.metadata["licence"] for d in kept] == ["MIT"]
    rows = [r for p in tmp_path.rglob("*.parquet") for r in pq.read_table(p).to_pylist()]
    assert [r["metadata"]["reason"] for r in rows] == ["licence:GPL-2.0+"]


def test_manifest_allow_list_without_unknown_takes_the_kinds_default_for_unknown():
    code = Source(name="repos", kind="code", paths=["x"], licence_policy=LicencePolicy(allow=["MIT"]))
    web = Source(name="crawl", kind="web", paths=["x"], licence_policy=LicencePolicy(allow=["CC-BY-4.0"]))
    f = LicencePolicyFilter(LicenceOptions(), sources=[code, web])
    assert f.filter(doc(None, "code", "repos")) == (False, "licence:unknown")  # code: no licence, no entry
    assert keeps(f, doc(None, "web", "crawl"))  # web: most pages state none
    assert f.filter(doc("Apache-2.0", "code", "repos")) == (False, "licence:Apache-2.0")


def test_web_page_licence_forms_reach_the_policy_whole():
    url = "https://creativecommons.org/licenses/by/4.0/"
    crawl = Source(name="crawl", kind="web", paths=["x"],
                   licence_policy=LicencePolicy(allow=["CC-BY-*", url], unknown="exclude"))
    f = LicencePolicyFilter(LicenceOptions(commercial_only=True), sources=[crawl])
    assert keeps(f, doc(url, "web", "crawl"))
    assert keeps(f, doc("CC-BY-NC-SA-2.1-JP/CC-BY-4.0", "web", "crawl"))  # `/` reads as OR
    assert f.filter(doc("CC-BY-NC-SA-2.1-JP", "web", "crawl")) == (False, "licence:CC-BY-NC-SA-2.1-JP")
    assert f.filter(doc(f"{url} AND CC-BY-NC-4.0", "web", "crawl")) == (
        False, f"licence:{url}_AND_CC-BY-NC-4.0")


def test_deny_patterns_match_ids_as_written_not_canonicalised():
    f = LicencePolicyFilter(LicenceOptions(deny=["GPL-2.0+"]))
    assert f.filter(doc("gpl-2.0+ and MIT", "web")) == (False, "licence:gpl-2.0+_and_MIT")
    assert keeps(f, doc("GPL-2.0-or-later", "web"))


def test_comma_is_or_and_a_malformed_expression_is_one_unknown_id(default):
    assert keeps(default, doc("MIT, Apache-2.0", "code"))
    assert default.filter(doc("(MIT) GPL-3.0-only OR", "code")) == (False, "licence:(MIT)_GPL-3.0-only_OR")
