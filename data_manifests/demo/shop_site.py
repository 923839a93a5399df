"""A small old-style shop site as one WARC: 24 product pages of one host, each with the same
long "人気ランキング" sidebar, category menu, campaign banner and footer, and a short product
description of its own.

It reproduces what a real 2009 crawl of a Japanese online shop looks like to web ingest:
the ranking sidebar is longer and reads more like prose than each page's own two or three
sentences, so a single-page extractor keeps the sidebar and loses the description, and every
page comes out as the same text. Per-host boilerplate learning (filters/web/host_boilerplate.py)
must give each page its own description and no page the sidebar.

Table layout, `<font>` and `<br>`, and a legacy charset declared only in `<meta http-equiv>`
(EUC-JP or Shift_JIS, as such sites were written), with no charset in the HTTP header. All text
is original, written for this project. With `template_only_page`, one more page has no text
of its own at all (a category list a script fills in), which must be excluded as
`boilerplate_only`. Not part of the demo run (`make_all`): tests and benchmarks call
`make()`. The file is byte-for-byte deterministic.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

HOST = "www.komorebi-zakka.example.jp"
_NS = uuid.UUID("0b7d2f64-52c1-4e7a-8d0e-6a1c3f9e2b47")
_DATE = "2009-06-{:02d}T10:{:02d}:00Z"

# (product name, price in yen, description): each page's own content
PRODUCTS: list[tuple[str, int, str]] = [
    ("栗の木のバターナイフ", 1890,
     "栗の木を一本ずつ小刀で削り出したバターナイフです。刃先を薄く仕上げてあるので、冷たいバターにもすっと入ります。"
     "仕上げには食用のくるみ油を使っています。"),
    ("山桜の丸盆", 8400,
     "一枚板の山桜をろくろで挽いた直径二十四センチの丸盆です。使い込むうちに赤みが増し、つやが出てきます。"
     "お茶の時間やパンの器としてお使いください。"),
    ("益子焼のそばちょこ", 1575,
     "栃木県益子の窯元で焼かれた、灰釉のそばちょこです。ぽってりとした厚みがあり、手になじみます。湯のみや小鉢としても使えます。"),
    ("藍染めのコースター（五枚組）", 2520,
     "徳島の藍で一枚ずつ染めた木綿のコースターです。染めの濃さが少しずつ違うので、五枚それぞれの表情をお楽しみください。"
     "洗うたびに色がなじんでいきます。"),
    ("和紙のぽち袋", 630,
     "美濃和紙を使ったぽち袋で、季節の草花を木版で刷っています。お年玉やちょっとしたお礼を渡すときに重宝します。一袋に六枚入っています。"),
    ("竹のお箸（夫婦二膳）", 3150,
     "国産の孟宗竹を削り、漆を重ねて仕上げたお箸です。先が細く、豆やごまもつまみやすくなっています。"
     "長さは二十一センチと二十三センチの二膳組です。"),
    ("真鍮のしおり", 1260,
     "真鍮の板を糸のこで切り抜き、小鳥の形に仕上げたしおりです。時間がたつと落ち着いた色合いに変わります。本好きの方への贈り物におすすめです。"),
    ("リネンのふきん", 1050,
     "厚手のリネンを二重に縫い合わせたふきんです。水をよく吸い、乾きも早いので、食器ふきにも台ふきにも使えます。使うほどに柔らかくなります。"),
    ("ブナの木のスプーン", 1365,
     "白神山地のふもとで育ったブナを使った、小さめのスプーンです。口当たりがやさしいので、離乳食やヨーグルトにちょうどよい大きさです。"),
    ("錫のぐい呑み", 5250,
     "大阪の職人が一つずつ鋳込んだ錫のぐい呑みです。錫には水をまろやかにするといわれる性質があり、冷酒がおいしく感じられます。"),
    ("こぎん刺しのがま口", 2940,
     "青森の伝統的な刺し子、こぎん刺しの模様を施したがま口です。手のひらに収まる大きさで、小銭や飴を入れるのに便利です。"),
    ("南部鉄器の鉄瓶（一・二リットル）", 16800,
     "岩手の南部鉄器の鉄瓶です。鉄瓶で沸かしたお湯はまろやかになるといわれています。使い始めの前に、湯を数回沸かしてからお使いください。"),
    ("白磁の豆皿", 945,
     "有田の白磁を型で打ち出した、直径九センチの豆皿です。薬味やお菓子をのせると、食卓が少し華やかになります。電子レンジにも使えます。"),
    ("い草のランチョンマット", 1680,
     "熊本産のい草を織った、四十センチ幅のランチョンマットです。夏は涼しげに、冬は和のしつらえに合います。"
     "汚れたら固くしぼったふきんでふいてください。"),
    ("桐の小箱", 3990,
     "会津の桐を使った、ふた付きの小箱です。湿気を通しにくい桐は、昔から大切なものをしまう箱に使われてきました。指輪や印鑑の保管にどうぞ。"),
    ("手ぬぐい「雀」", 1155,
     "注染という技法で染めた、雀の柄の手ぬぐいです。にじみやぼかしが一枚ごとに異なり、同じものは二つとありません。"
     "切りっぱなしの端は洗ううちに落ち着きます。"),
    ("ガラスの一輪挿し", 2730,
     "吹きガラスの工房で作られた、淡い水色の一輪挿しです。中に小さな気泡が残っているのも手仕事ならではの味わいです。"
     "野の花を一本だけ飾るのにちょうどよい高さです。"),
    ("漆の汁椀", 6300,
     "木地から塗りまで福井の工房で仕上げた汁椀です。軽くて熱が伝わりにくいので、熱い味噌汁も持ちやすく感じます。食器洗い機はお避けください。"),
    ("麻の巾着袋", 1470,
     "近江の麻で作った、ひもで口を閉じる巾着袋です。お弁当箱や旅先の小物をまとめて入れておけます。生成りと藍の二色があります。"),
    ("木のままごとセット", 4200,
     "角を丸く削ったブナの木で作ったままごと用の野菜です。にんじん、だいこん、なすの三つを面ファスナーでつなぎ、包丁で切る遊びができます。"
     "三歳ごろから遊べます。"),
    ("銅のおろし金", 7350,
     "職人が目を一枚ずつ立てた銅のおろし金です。大根おろしがふんわりと仕上がり、水っぽくなりにくいのが特長です。目立て直しのご相談も承ります。"),
    ("陶器の箸置き（五個組）", 1260,
     "小石の形をした陶器の箸置きで、色はすべて少しずつ異なります。ころんとした形は、子どもたちにも人気があります。"),
    ("布ぞうり", 2100,
     "古い浴衣地を裂いて編んだ布ぞうりです。足裏に当たる感触が心地よく、室内ばきとしてお使いいただけます。"
     "サイズは二十三センチと二十五センチがあります。"),
    ("ヒノキのまな板", 5040,
     "木曽のヒノキで作った、厚さ三センチのまな板です。包丁の当たりがやわらかく、刃を傷めにくいのが特長です。使ったあとは立てて乾かしてください。"),
]

# the blocks every page repeats: the sidebar is longer, and reads more like prose, than any description
RANKING = [
    "1位 山桜の丸盆 職人が一枚板から削り出した、当店いちばんの人気商品です。使うほどに色が深まり、長く愛用していただけます。",
    "2位 藍染めのコースター 一枚ずつ手で染めているので、色の濃さがそれぞれ違います。贈り物にもたいへん喜ばれています。",
    "3位 南部鉄器の鉄瓶 岩手の工房から届く鉄瓶です。毎日のお茶の時間が楽しみになったという声をたくさんいただいています。",
    "4位 リネンのふきん 水をよく吸い、すぐに乾くので、台所仕事がはかどります。まとめ買いをされるお客様が多い商品です。",
    "5位 ヒノキのまな板 木の香りがさわやかで、包丁の刃を傷めにくいと好評です。全国どこへでも送料無料でお届けします。",
]
CAMPAIGN = ("ただいま開店五周年の感謝セールを開催中です。五千円以上お買い上げのお客様は送料が無料になります。"
            "この機会にぜひご利用ください。")
CATEGORIES = ["木のうつわ", "焼きもの", "布もの", "和紙・文具", "台所道具", "こどもの道具"]
NAV = ["トップ", "ご利用ガイド", "送料について", "お問い合わせ", "カートを見る"]

_PRODUCT = """<font size="2"><a href="/">トップ</a> &gt; <a href="/item/">商品一覧</a> &gt; {name}</font><br><br>
<img src="/img/item{n:03d}.jpg" width="300" height="225" alt="{name}"><br>
<font size="4"><b>{name}</b></font><br>
<font size="2">商品番号：KM-{n:04d}<br>価格：{price:,}円（税込）</font><br><br>
<font size="2">{description}</font><br><br>
<a href="/cart/add?item={n}"><img src="/img/cart.gif" alt="カートに入れる" border="0"></a>"""
# a category page whose item list a script fills in: in a crawl, nothing but the template
_SCRIPTED_LIST = """<div id="item-list"></div>
<script type="text/javascript">loadItems({n});</script>"""

_PAGE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title} | 手づくり雑貨の店 こもれび</title>
</head>
<body bgcolor="#fffdf5">
<table width="780" border="0" cellpadding="0" cellspacing="0" align="center">
<tr><td colspan="3"><a href="/"><img src="/img/logo.gif" alt="手づくり雑貨の店 こもれび" border="0"></a><br>
<font size="2">{nav}</font></td></tr>
<tr><td colspan="3" bgcolor="#f0e6d2"><font size="2" color="#8b4513">{campaign}</font></td></tr>
<tr>
<td width="150" valign="top"><font size="2"><b>商品カテゴリ</b><br>
{categories}</font></td>
<td width="420" valign="top">
{main}
</td>
<td width="210" valign="top" bgcolor="#faf3e3"><font size="2"><b>人気ランキング</b><br>
{ranking}</font></td>
</tr>
<tr><td colspan="3" align="center"><font size="1"><a href="/law.html">特定商取引法に基づく表記</a> |
<a href="/privacy.html">プライバシーポリシー</a><br>Copyright (C) 2009 手づくり雑貨の店 こもれび All Rights Reserved.</font></td></tr>
</table>
</body>
</html>
"""


def _page(title: str, main: str, charset_label: str) -> str:
    return _PAGE.format(
        charset=charset_label, title=title, main=main, campaign=CAMPAIGN,
        nav=" | ".join(f'<a href="/{i}.html">{label}</a>' for i, label in enumerate(NAV)),
        categories="<br>\n".join(f'<a href="/category/{i}/">{c}</a>' for i, c in enumerate(CATEGORIES)),
        ranking="<br>\n".join(RANKING),
    )


def page_html(n: int, charset_label: str = "EUC-JP") -> str:
    """The HTML of product page `n` (1-based)."""
    name, price, description = PRODUCTS[n - 1]
    return _page(name, _PRODUCT.format(name=name, n=n, price=price, description=description), charset_label)


def template_only_html(charset_label: str = "EUC-JP", category: int = 5) -> str:
    """A category page whose item list is filled in by a script: only the template is text."""
    return _page(CATEGORIES[category], _SCRIPTED_LIST.format(n=category), charset_label)


def url(n: int) -> str:
    return f"http://{HOST}/item/{n:04d}.html"


def template_only_url(category: int = 5) -> str:
    return f"http://{HOST}/category/{category}/"


def make(out_dir: Path, encoding: str = "euc_jp", template_only_page: bool = False) -> list[Path]:
    """Write the site as `shop_<encoding>.warc.gz` (`euc_jp` or `shift_jis`) and return its path.
    With `template_only_page`, a category page with nothing but the template comes last."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    label = {"euc_jp": "EUC-JP", "shift_jis": "Shift_JIS"}[encoding]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"shop_{encoding}.warc.gz"
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    pages = [(url(n), page_html(n, label)) for n in range(1, len(PRODUCTS) + 1)]
    if template_only_page:
        pages.append((template_only_url(), template_only_html(label)))
    for n, (address, page) in enumerate(pages, start=1):
        body = page.encode(encoding)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")
        headers = {"WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(_NS, f'{encoding}:{address}')}>",
                   "WARC-Date": _DATE.format(1 + n // 60, n % 60)}
        writer.write_record(writer.create_warc_record(
            address, "response", payload=io.BytesIO(body), length=len(body), http_headers=http, warc_headers_dict=headers,
        ))
    path.write_bytes(buffer.getvalue())
    return [path]
