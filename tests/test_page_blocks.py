"""A page's text blocks: where they start and end, how they hash, and blanking them."""

from __future__ import annotations

from filters.web.page_blocks import blank_blocks, block_key, page_blocks

PAGE = """<html><head><title>題名</title><script>var x = "<p>スクリプト</p>";</script></head>
<body><div id="menu"><a href="/">トップ</a> | <a href="/a">お知らせ</a></div>
<!-- コメント -->
<td><font size="2">価格：1,890円（税込）</font><br>木の &amp; 布の<b>雑貨</b>です。</td>
<style>p { color: red }</style>
<p>最後の段落。</p></body></html>"""


def test_blocks_are_the_text_between_block_tags_with_inline_tags_and_entities_resolved():
    assert [b.text for b in page_blocks(PAGE)] == [
        "トップ | お知らせ", "価格：1,890円（税込）", "木の & 布の雑貨です。", "最後の段落。",
    ]


def test_head_scripts_styles_and_comments_are_not_text():
    texts = " ".join(b.text for b in page_blocks(PAGE))
    assert "題名" not in texts and "スクリプト" not in texts and "コメント" not in texts and "color" not in texts


def test_key_ignores_digits_width_and_whitespace_but_not_words():
    assert block_key("価格：1,890円（税込）") == block_key("価格:8,400円 (税込)")
    assert block_key("2009年6月1日 更新") == block_key("2010年12月31日更新")
    assert block_key("木の雑貨です。") != block_key("布の雑貨です。")


def test_blanking_removes_only_the_blocks_text_and_keeps_every_tag():
    blocks = page_blocks(PAGE)
    menu = [b for b in blocks if b.text.startswith("トップ")]
    out = blank_blocks(PAGE, menu)
    assert '<div id="menu"><a href="/"></a><a href="/a"></a></div>' in out
    assert [b.text for b in page_blocks(out)] == ["価格：1,890円（税込）", "木の & 布の雑貨です。", "最後の段落。"]
