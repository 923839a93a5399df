"""LicencePolicyFilter: defaults per source kind, manifest overrides, expressions, narrowing,
one spelling per licence, one bounded reason with the failing id in metadata."""

from __future__ import annotations

import json

import pytest
from datatrove.data import Document

from corpus.sources.manifest import LicencePolicy, Source
from filters.licence.policy import PERMISSIVE_LICENCES, LicenceOptions, LicencePolicyFilter


def doc(licence: str | None, source: str | None = None, dataset: str | None = None) -> Document:
    meta = {k: v for k, v in {"licence": licence, "source": source, "dataset": dataset}.items() if v is not None}
    return Document(text="本文", id="x/1", metadata=meta)


def keeps(f: LicencePolicyFilter, d: Document) -> bool:
    return f.filter(d) is True


def rejected(f: LicencePolicyFilter, d: Document) -> str | None:
    """The id the policy refused (None when the document passes); the reason is always the same."""
    verdict = f.filter(d)
    if verdict is True:
        return None
    assert verdict == (False, "licence_not_allowed")
    return d.metadata["licence_rejected"]


@pytest.fixture
def default() -> LicencePolicyFilter:
    return LicencePolicyFilter(LicenceOptions())


@pytest.mark.parametrize("licence", [None, "unknown", "CC-BY-4.0", "CC-BY-NC-SA-4.0", "GPL-3.0-only"])
def test_web_keeps_any_licence_and_unknown_by_default(default, licence):
    assert keeps(default, doc(licence, "web"))


def test_wiki_keeps_cc_by_sa_and_rejects_other_licences(default):
    assert keeps(default, doc("CC-BY-SA-4.0", "wiki"))
    assert rejected(default, doc("GFDL-1.3-only", "wiki")) == "GFDL-1.3-only"


@pytest.mark.parametrize("licence", ["MIT", "BSD-3-Clause", "Apache-2.0", "mit", "Apache-2.0 OR BSD-2-Clause"])
def test_code_keeps_permissive_licences(default, licence):
    assert keeps(default, doc(licence, "code"))


@pytest.mark.parametrize("licence, failing", [
    ("GPL-2.0+", "GPL-2.0-or-later"),
    ("GPL-2.0-or-later", "GPL-2.0-or-later"),
    (None, "unknown"),
    ("NOASSERTION", "unknown"),
    ("MIT AND GPL-3.0-only", "GPL-3.0-only"),
    ("GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-only"),
    ("LicenseRef-proprietary", "LicenseRef-proprietary"),
])
def test_code_excludes_copyleft_and_unknown_naming_the_failing_id(default, licence, failing):
    assert rejected(default, doc(licence, "code")) == failing


@pytest.mark.parametrize("licence", ["MIT-0", "0BSD", "PSF-2.0", "BSL-1.0", "Zlib", "CC0-1.0", "public-domain"])
def test_code_keeps_the_whole_permissive_list(default, licence):
    assert licence in PERMISSIVE_LICENCES
    assert keeps(default, doc(licence, "code"))


def test_permissive_list_has_no_share_alike_or_copyleft_id():
    assert not [i for i in PERMISSIVE_LICENCES if "SA" in i.split("-") or "GPL" in i]


def test_reasons_stay_bounded_however_many_licences_a_corpus_holds(default):
    reasons = {default.filter(doc(f"LicenseRef-vendor-{i}", "code")) for i in range(50)}
    assert reasons == {(False, "licence_not_allowed")}


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
    assert rejected(f, doc(None, "web", "news")) == "unknown"
    assert rejected(f, doc("CC-BY-NC-4.0", "web", "news")) == "CC-BY-NC-4.0"
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
    assert rejected(f, doc("CC-BY-NC-SA-4.0", "web")) == "CC-BY-NC-SA-4.0"
    assert rejected(f, doc(None, "web")) == "unknown"
    assert keeps(f, doc("CC-BY-4.0", "web"))
    assert keeps(f, doc("CC-BY-NC-4.0 OR MIT", "code"))


def test_deny_patterns_apply_under_every_policy():
    f = LicencePolicyFilter(LicenceOptions(deny=["cc-by-sa-*"]))
    assert rejected(f, doc("CC-BY-SA-4.0", "web")) == "CC-BY-SA-4.0"
    assert rejected(f, doc("CC-BY-SA-4.0", "wiki")) == "CC-BY-SA-4.0"
    assert keeps(f, doc("CC-BY-4.0", "web"))


def test_documents_of_no_known_kind_use_the_default_policy():
    f = LicencePolicyFilter(LicenceOptions(default=LicencePolicy(allow=["MIT"], unknown="exclude")))
    assert keeps(f, doc("MIT"))
    assert rejected(f, doc(None)) == "unknown"


def test_disabled_policy_keeps_everything():
    assert keeps(LicencePolicyFilter(LicenceOptions(enabled=False)), doc("GPL-3.0-only", "code"))


def test_unknown_option_key_is_rejected():
    with pytest.raises(Exception, match="extra"):
        LicenceOptions(comercial_only=True)


def test_licence_filter_sends_rejects_to_the_exclusion_writer(tmp_path):
    import pyarrow.parquet as pq

    from corpus.formats.shards import ExclusionWriter

    f = LicencePolicyFilter(LicenceOptions(), exclusion_writer=ExclusionWriter(str(tmp_path), "licence"))
    kept = list(f.run(iter([doc("MIT", "code"), doc("GPL-2.0+", "code")])))
    assert [d.metadata["licence"] for d in kept] == ["MIT"]
    rows = [r for p in tmp_path.rglob("*.parquet") for r in pq.read_table(p).to_pylist()]
    assert [r["metadata"]["reason"] for r in rows] == ["licence_not_allowed"]
    assert [json.loads(r["metadata"]["extra"])["licence_rejected"] for r in rows] == ["GPL-2.0-or-later"]


def test_manifest_allow_list_without_unknown_takes_the_kinds_default_for_unknown():
    code = Source(name="repos", kind="code", paths=["x"], licence_policy=LicencePolicy(allow=["MIT"]))
    web = Source(name="crawl", kind="web", paths=["x"], licence_policy=LicencePolicy(allow=["CC-BY-4.0"]))
    f = LicencePolicyFilter(LicenceOptions(), sources=[code, web])
    assert rejected(f, doc(None, "code", "repos")) == "unknown"  # code: no licence, no entry
    assert keeps(f, doc(None, "web", "crawl"))  # web: most pages state none
    assert rejected(f, doc("Apache-2.0", "code", "repos")) == "Apache-2.0"


def test_web_page_licence_forms_reach_the_policy_whole():
    url = "https://creativecommons.org/licenses/by/4.0/"
    crawl = Source(name="crawl", kind="web", paths=["x"],
                   licence_policy=LicencePolicy(allow=["CC-BY-*", url], unknown="exclude"))
    f = LicencePolicyFilter(LicenceOptions(commercial_only=True), sources=[crawl])
    assert keeps(f, doc(url, "web", "crawl"))
    assert keeps(f, doc("CC-BY-NC-SA-2.1-JP/CC-BY-4.0", "web", "crawl"))  # `/` reads as OR
    assert rejected(f, doc("CC-BY-NC-SA-2.1-JP", "web", "crawl")) == "CC-BY-NC-SA-2.1-JP"
    assert rejected(f, doc(f"{url} AND CC-BY-NC-4.0", "web", "crawl")) == "CC-BY-NC-4.0"


def test_one_licence_has_one_spelling_in_deny_allow_and_the_rejected_id():
    # GPL-2.0+ is the deprecated spelling of GPL-2.0-or-later: a pattern names both, whichever is written
    f = LicencePolicyFilter(LicenceOptions(deny=["GPL-2.0+"]))
    assert rejected(f, doc("gpl-2.0+ and MIT", "web")) == "GPL-2.0-or-later"
    assert rejected(f, doc("GPL-2.0-or-later", "web")) == "GPL-2.0-or-later"
    assert keeps(f, doc("GPL-2.0-only", "web"))
    lenient = Source(name="repos", kind="code", paths=["x"], licence_policy=LicencePolicy(allow=["gpl-2.0+", "mit"]))
    f = LicencePolicyFilter(LicenceOptions(), sources=[lenient])
    assert keeps(f, doc("GPL-2.0-or-later", "code", "repos"))
    assert keeps(f, doc("MIT", "code", "repos"))
    assert keeps(LicencePolicyFilter(LicenceOptions(deny=["GPL-2.0*"])), doc("LGPL-2.1-only", "web"))
    assert rejected(LicencePolicyFilter(LicenceOptions(deny=["GPL-2.0*"])), doc("GPL-2.0", "web")) == "GPL-2.0-only"


def test_comma_is_or_and_a_malformed_expression_is_one_unknown_id(default):
    assert keeps(default, doc("MIT, Apache-2.0", "code"))
    assert rejected(default, doc("(MIT) GPL-3.0-only OR", "code")) == "(MIT) GPL-3.0-only OR"


def test_code_ingest_and_the_filter_stage_judge_code_alike():
    from pipelines.ingest_code import Options, licence_options

    ingest = LicencePolicyFilter(licence_options(Options()))
    stage = LicencePolicyFilter(LicenceOptions())
    for licence in ("MIT", "MIT-0", "0BSD", "PSF-2.0", "BSL-1.0", "GPL-3.0-only", None, "MIT AND GPL-2.0+"):
        assert ingest.filter(doc(licence, "code")) == stage.filter(doc(licence, "code")), licence


def test_rejections_are_counted_by_failing_id_with_the_rarest_summed_as_other(tmp_path):
    from corpus.formats.shards import ExclusionWriter
    from filters.licence.policy import rejected_ids

    f = LicencePolicyFilter(LicenceOptions(), exclusion_writer=ExclusionWriter(str(tmp_path), "licence"))
    docs = [doc("GPL-3.0-only", "code"), doc("GPL-2.0+", "code"), doc("gpl-2.0-or-later AND MIT", "code"), doc(None, "code")]
    docs += [doc(f"LicenseRef-vendor-{i}", "code") for i in range(3)] + [doc("MIT", "code")]
    list(f.run(iter(docs)))
    assert rejected_ids(tmp_path) == {"GPL-2.0-or-later": 2, "GPL-3.0-only": 1, "unknown": 1, "LicenseRef-vendor-0": 1,
                                      "LicenseRef-vendor-1": 1, "LicenseRef-vendor-2": 1}
    assert rejected_ids(tmp_path, limit=2) == {"GPL-2.0-or-later": 2, "GPL-3.0-only": 1, "other": 4}
