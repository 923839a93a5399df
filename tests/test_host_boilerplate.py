"""Per-host boilerplate: counting blocks per host with bounded memory, the threshold, the
table files of the two passes, and pruning a page with its host's table."""

from __future__ import annotations

import pytest
from datatrove.data import Document

from data_manifests.demo import shop_site
from filters.web.host_boilerplate import (
    BoilerplateConfig,
    HostBlockCounter,
    HostBoilerplateTables,
    HostCounts,
    host_of,
    load_tables,
    prune_page,
)
from filters.web.page_blocks import page_blocks


def keys(page: str) -> set[int]:
    return {b.key for b in page_blocks(page)}


def site_table(pages: int = 24) -> frozenset[int]:
    config = BoilerplateConfig()
    counts = HostCounts(config)
    for n in range(1, pages + 1):
        counts.add_page(shop_site.HOST, keys(shop_site.page_html(n)))
    total = counts.pages[shop_site.HOST]
    return frozenset(k for k, c in counts.blocks[shop_site.HOST].items() if config.is_boilerplate(c, total))


def test_host_of_lowercases_and_survives_bad_urls():
    assert host_of("http://WWW.Example.JP:8080/a?b") == "www.example.jp"
    assert host_of(None) is None and host_of("not a url") is None and host_of("http://[::1") is None


def test_threshold_needs_both_min_pages_and_min_share():
    config = BoilerplateConfig(min_pages=3, min_share=0.5)
    assert config.is_boilerplate(3, 4) and config.is_boilerplate(50, 100)
    assert not config.is_boilerplate(2, 2)  # two pages sharing text may be copies of each other
    assert not config.is_boilerplate(49, 100)
    with pytest.raises(ValueError):
        BoilerplateConfig(min_pages=1)
    with pytest.raises(ValueError):
        BoilerplateConfig(min_share=0)


def test_the_sites_template_is_boilerplate_and_no_description_is():
    table = site_table()
    for n, (_, _, description) in enumerate(shop_site.PRODUCTS, start=1):
        own = [b for b in page_blocks(shop_site.page_html(n)) if b.text == description]
        assert own and own[0].key not in table
    assert all(b.key in table for b in page_blocks(shop_site.page_html(1)) if b.text in shop_site.RANKING)


def test_an_exact_copy_of_a_page_counts_once():
    counts = HostCounts(BoilerplateConfig())
    page = keys(shop_site.page_html(1))
    assert counts.add_page("h", page) and not counts.add_page("h", page)
    assert counts.pages["h"] == 1


def test_memory_is_bounded_by_hosts_blocks_and_sample():
    counts = HostCounts(BoilerplateConfig(max_hosts=2, max_blocks_per_host=5, sample_pages=3))
    assert counts.add_page("a", set(range(10))) and counts.add_page("b", {1})
    assert not counts.add_page("c", {1}) and counts.hosts_dropped == 1 and "c" not in counts.pages
    assert len(counts.blocks["a"]) == 5 and counts.blocks_dropped == 5
    for page in ({20}, {21}, {22}):
        counts.add_page("b", page)
    assert counts.pages["b"] == 3  # the fourth page of b is past the sample


def test_passes_write_bucketed_counts_and_merge_them_across_tasks(tmp_path):
    """Two tasks each see half of the site; neither alone has min_share of it twice, together they do."""
    pages = [Document(text=shop_site.page_html(n), id=str(n), metadata={"url": shop_site.url(n)}) for n in range(1, 9)]
    other = Document(text="<p>別のサイトの本文です。</p>", id="x", metadata={"url": "http://other.example.jp/"})
    for rank, docs in enumerate((pages[:4] + [other], pages[4:])):
        list(HostBlockCounter(str(tmp_path / "counts"), buckets=3).run(iter(docs), rank=rank, world_size=2))
    for bucket in range(3):
        list(HostBoilerplateTables(str(tmp_path / "counts"), str(tmp_path / "tables")).run(None, rank=bucket, world_size=3))
    tables = load_tables(str(tmp_path / "tables"))
    assert set(tables) == {shop_site.HOST}  # the one-page host has no boilerplate
    assert tables[shop_site.HOST] == site_table(8)


def test_pruning_blanks_the_template_and_keeps_the_description():
    pruned = prune_page(shop_site.page_html(5), site_table())
    name, _, description = shop_site.PRODUCTS[4]
    assert description in pruned.own_text and shop_site.RANKING[0] not in pruned.own_text
    assert not any(line in pruned.page for line in shop_site.RANKING) and description in pruned.page
    assert 0 < pruned.removed_chars < pruned.text_chars and not pruned.boilerplate_only


def test_a_page_of_template_only_is_boilerplate_only():
    pruned = prune_page(shop_site.template_only_html(), site_table())
    assert pruned.boilerplate_only and pruned.own_text == "" and pruned.removed_chars == pruned.text_chars > 0


# three short stories written for this test, to stand in for the other pages of the real
# hukumusume page's site (same template, same day's sidebar)
OWN_STORIES = {
    "ウサギの傘": "雨の日、小さなウサギは大きな葉っぱを傘にして森を歩いていました。途中で、ぬれて震えているリスに出会いました。"
                 "ウサギは葉っぱの下にリスを入れてあげました。二匹はいっしょに雨宿りの場所まで歩き、雨が上がるころにはすっかり仲良くなっていました。",
    "月を拾ったキツネ": "ある晩、キツネは池に映った月を見つけて、拾おうと前足を伸ばしました。水面が揺れて、月はばらばらになってしまいました。"
                    "キツネががっかりしていると、水が静まり、月はまたまるく戻りました。キツネは、あわてずに待つことの大切さを知りました。",
    "カメの近道": "丘の向こうの畑へ行くのに、カメはいつも同じ道を歩いていました。ある日、近道を教えてもらったカメは、その道を選びました。"
                 "けれど近道は石だらけで、かえって時間がかかってしまいました。カメは次の日から、また歩きなれた道を通うことにしました。",
}


def test_real_table_layout_template_loses_its_sidebar_and_keeps_each_story(shared_data):
    """The real hukumusume page (a table-layout site whose sidebar of daily trivia, links to
    sister sites and a calendar every single-page extractor keeps) and three pages made from
    its own template with other stories: per-host tables keep each story and drop the sidebar."""
    import re

    from filters.web.extraction import extract_page, extract_text
    from benchmarks.evalsets.web_extraction import load_pages

    (real,) = [html for source, html in load_pages(shared_data / "web").items() if "hukumusume" in source]
    story = re.search(r"<p>\s*(\u3000肉をくわえたイヌが.*?)\s*</p>", real, re.DOTALL).group(1)
    pages = {"欲張りなイヌ": real}
    pages.update({title: real.replace(story, text).replace("欲張りなイヌ", title) for title, text in OWN_STORIES.items()})
    sidebar = ("きょうの誕生花", "366日への旅", "恋の誕生日占い", "子どもの病気相談所")
    assert all(s in extract_text(real) for s in sidebar)  # what a single page gives
    config = BoilerplateConfig()
    counts = HostCounts(config)
    for page in pages.values():
        counts.add_page("hukumusume.com", keys(page))
    table = frozenset(k for k, c in counts.blocks["hukumusume.com"].items() if config.is_boilerplate(c, 4))
    for title, page in pages.items():
        text, used, removed, total = extract_page(page, table)
        own = OWN_STORIES.get(title, "さっきの川の中のイヌは、水にうつった自分の顔だったのです。")
        assert own[:40] in text.replace("\u3000", "").replace(" ", ""), (title, text)
        assert not any(s in text for s in sidebar), (title, text)
        assert 0 < removed < total
