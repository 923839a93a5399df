"""The demo's tiny Japanese Wikipedia dump, written by this project (original text).

`make(out_dir)` writes a multistream pages-articles dump in the export-0.10 schema,
`jawiki-demo-pages-articles-multistream.xml.bz2` (two pages per bzip2 stream), and its
index `...-multistream-index.txt.bz2`, laid out as Wikimedia lays out the real ones, so
the demo runs the same reader path as a full jawiki dump split across tasks.

Seven pages: three articles with infobox, references, links, categories, a table and
furigana; one stub; one redirect; one Template: page; one disambiguation page. The
articles' wikitext was written for this project and describes common knowledge in our
own words; nothing is copied from Wikipedia. Output is byte-identical on every run.
"""

from __future__ import annotations

import bz2
import hashlib
import pathlib
from xml.sax.saxutils import escape, quoteattr

DUMP_NAME = "jawiki-demo-pages-articles-multistream.xml.bz2"
INDEX_NAME = "jawiki-demo-pages-articles-multistream-index.txt.bz2"
PAGES_PER_STREAM = 2

HEADER = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.10/ http://www.mediawiki.org/xml/export-0.10.xsd" version="0.10" xml:lang="ja">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <dbname>jawiki</dbname>
    <base>https://ja.wikipedia.org/wiki/%E3%83%A1%E3%82%A4%E3%83%B3%E3%83%9A%E3%83%BC%E3%82%B8</base>
    <generator>MediaWiki 1.42.0-wmf.1</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="0" case="first-letter" />
      <namespace key="4" case="first-letter">Wikipedia</namespace>
      <namespace key="10" case="first-letter">Template</namespace>
      <namespace key="14" case="first-letter">Category</namespace>
    </namespaces>
  </siteinfo>
"""
FOOTER = "</mediawiki>\n"

FUROSHIKI = """{{Infobox 工芸品
| 名称 = 風呂敷
| 画像 = [[ファイル:Furoshiki demo.jpg|220px]]
| 素材 = 綿、絹、化学繊維
| 用途 = 物を包む、運ぶ、敷く
}}
'''{{読み仮名|風呂敷|ふろしき}}'''は、物を包んで持ち運ぶために使う正方形に近い一枚の布である。[[日本]]では衣類や書物、贈り物などを包む道具として長く親しまれてきた。形や大きさの違う品物を同じ一枚で包み分けられることが、袋やかばんにはない特徴とされる<ref name="nuno">{{Cite book|和書|author=青木みどり|title=包む布の文化誌|publisher=くらし書房|year=2011|page=12}}</ref>。

== 名称 ==
名称の由来として広く知られているのは、[[江戸時代]]の[[銭湯]]で客が脱いだ着物を布に包み、その布を床に敷いて身支度をしたことから「風呂で敷く布」と呼ばれるようになったという説である<ref>青木（2011）、14頁。</ref>。それより前には「平包（ひらづつみ）」などの呼び名が使われていたとされる{{要出典|date=2024年3月}}。

== 歴史 ==
布で物を包んで運ぶ習慣そのものは古く、風呂敷という呼び名が広まる前から、身の回りの品を布に包む方法は各地で工夫されていた。江戸時代に[[木綿]]が庶民の間に行き渡ると、丈夫で洗える布として風呂敷は日常の道具になった。商人は品物を大きな風呂敷に包んで背負い、得意先を回ったとされる。[[明治]]以降も、学生が教科書を包んで通ったり、婚礼の道具を運んだりと、さまざまな場面で使われ続けた。一方で、紙袋やかばんが普及した[[昭和]]の後半には、日常の持ち物として使われる機会が減っていった。

== 特徴 ==
大きさはおおむね45センチメートル四方から2メートル四方を超えるものまで幅がある。素材には[[木綿|綿]]や[[絹]]が使われてきたが、近年は水をはじく[[ポリエステル]]製のものも多い。使わないときは小さく畳めるので、かばんの中でも場所を取らない。

包み方には「お使い包み」「瓶包み」「平包み」などがあり、結び目の位置と数を変えることで箱、瓶、丸い果物のように形の違う物にも合わせられる。結び目をほどけば元の一枚の布に戻るため、何度でも使える道具として見直されている。

=== 主な包み方 ===
{| class="wikitable"
! 名称 !! 向いている品物 !! 結び目の数
|-
| お使い包み || 箱 || 1
|-
| 瓶包み || 瓶 || 2
|-
| 平包み || 改まった贈り物 || 0
|}

== 現代の利用 ==
[[レジ袋]]を減らそうという動きや[[環境保護]]への関心の高まりとともに、買い物袋の代わりに風呂敷を持ち歩く人が増えた。柄や色を工夫した製品が売られるようになり、海外の雑貨店で見かけることも珍しくなくなった<ref name="nuno" />。また、災害の際には頭を覆う布や簡易の三角巾として使えることから、防災用品の一つとして備えておく家庭もある。

== 脚注 ==
{{Reflist}}

== 関連項目 ==
* [[袱紗]]
* [[手ぬぐい]]

{{DEFAULTSORT:ふろしき}}
[[Category:日本の生活用品]]
[[Category:布]]
[[en:Furoshiki]]
"""

MISOSHIRU = """{{Infobox 料理
| 名称 = 味噌汁
| 種類 = [[汁物]]
| 発祥地 = [[日本]]
| 主な材料 = [[味噌]]、[[出汁]]、具材
}}
'''味噌汁'''（みそしる）は、{{読み仮名|出汁|だし}}に[[味噌]]を溶き入れ、野菜や[[豆腐]]、[[海藻]]などの具を加えた[[汁物]]である。[[日本料理]]の献立では[[ご飯]]と組み合わせる基本の一品とされ、家庭の朝食にもよく並ぶ<ref>{{Cite web|url=https://example.invalid/miso|title=味噌汁の基本|publisher=架空料理協会|accessdate=2024-05-01}}</ref>。

== 歴史 ==
味噌を湯に溶いて飲む食べ方は、味噌が調味料として広く使われるようになった[[中世]]に定着したと考えられている。ご飯と汁物と漬物を基本とする[[一汁一菜]]の献立の中で、味噌汁は欠かせない位置を占めるようになった。江戸時代には町の人々の毎日の食事にも取り入れられ、朝に味噌汁を作る習慣が各地に根付いた。

== 作り方 ==
一般的な作り方では、まず[[昆布]]や[[鰹節]]、[[煮干し]]などから出汁を取る。火の通りにくい根菜を先に煮て、豆腐や[[ワカメ]]のようにすぐ火が通る具は後から入れる。味噌は香りが飛ばないよう火を弱めてから溶き入れ、煮立たせないのがよいとされる<!-- 要出典にするか検討 -->。

代表的な具には、豆腐、ワカメ、[[ネギ]]、[[ダイコン|大根]]、[[油揚げ]]、[[なめこ]]などがある。具の組み合わせには決まりがなく、季節の野菜や[[貝]]を使うことで一年を通して違う味を楽しめる。[[シジミ]]や[[アサリ]]を使ったものは、貝から出るうまみが出汁の代わりになる。

== 地域による違い ==
味噌の種類は地域によって大きく異なり、それが味噌汁の味の違いにもつながっている。

{| class="wikitable"
|+ 地域と主な味噌
! 地域 !! 主な味噌 !! 特徴
|-
| [[東海地方]] || [[豆味噌]] || 色が濃く、渋みがある
|-
| [[近畿地方]] || [[白味噌]] || 甘みが強い
|-
| [[九州]] || [[麦味噌]] || 麦の香りがする
|}

[[愛知県]]を中心とする地域では豆味噌を使った赤い味噌汁がよく飲まれ、[[京都]]では正月の[[雑煮]]に白味噌を使う家庭が多い。九州の一部では麦味噌のやわらかな甘さが好まれる{{efn|同じ県の中でも家庭ごとの差が大きい。}}。

== 食べ方 ==
味噌汁は汁椀に盛り、箸で具を押さえながら椀に直接口を付けて飲むのが一般的である。前の晩に作ったものを温め直して朝に出す家庭もあるが、味噌の香りは温め直すと弱まりやすい。近年は湯を注ぐだけで作れる[[インスタント食品|即席]]の味噌汁も広く売られており、一人暮らしの食卓や職場でも手軽に飲まれている。

== 栄養 ==
味噌は[[大豆]]を発酵させて作るため、[[たんぱく質]]を含む。一方で[[塩分]]も多く含まれるので、具を多くして汁の量を控えるなど、食べ方を工夫するよう勧められることがある<ref>{{Cite journal|和書|author=石川一郎|title=汁物と塩分|journal=架空栄養学雑誌|volume=3|year=2019|pages=21-30}}</ref>。

== 脚注 ==
=== 注釈 ===
{{Notelist}}
=== 出典 ===
{{Reflist}}

[[Category:日本の汁物]]
[[Category:味噌料理]]
"""

HAIKU = """{{Infobox 文学形式
| 名称 = 俳句
| 言語 = [[日本語]]
| 音数 = 17
}}
'''俳句'''（はいく、{{Lang-en-short|haiku}}）は、五・七・五の三句、<math>5+7+5=17</math>音からなる[[日本]]の定型詩である。原則として季節を表す{{ruby|季語|きご}}を一つ詠み込み、句の途中や末尾で「や」「かな」「けり」などの{{ruby|切字|きれじ}}を用いて意味の切れ目を作る。世界で最も短い詩の形の一つとされ、[[英語]]をはじめ多くの言語でも作られている<ref name="kigo">{{Cite book|和書|author=森本静|title=季語のはなし|publisher=ことのは社|year=2015|pages=8-9}}</ref>。

== 歴史 ==
俳句の源は、[[連歌]]や[[俳諧]]の連句の最初の句である[[発句]]にある。[[江戸時代]]には[[松尾芭蕉]]が発句に深い味わいを与え、「古池や蛙飛びこむ水の音」はその代表作としてよく引かれる。芭蕉の弟子たちはそれぞれの土地で俳諧を広め、その後[[与謝蕪村]]は絵のような情景を描いた句を、[[小林一茶]]は身近な生き物や暮らしを親しみやすい言葉で詠んだ句を多く残した。[[明治]]時代になると[[正岡子規]]が発句を連句から独立した文学として捉え直し、「俳句」という呼び名を広めた<ref name="kigo" />。

その後、季語や定型にこだわらない{{仮リンク|自由律俳句|en|Free-form haiku}}や、季語を用いない無季俳句も試みられ、俳句の表現はさらに広がった。

== 季語 ==
季語は[[春]]・[[夏]]・[[秋]]・[[冬]]と新年に分けられ、それらを集めて解説した本を[[歳時記]]という。同じ言葉でも季節が違えば別の意味を帯びるため、作り手は歳時記を手がかりに言葉を選ぶ。

{| class="wikitable"
! 季節 !! 季語の例
|-
| 春 || 桜、蛙、春雨
|-
| 夏 || 蛍、夕立、風鈴
|-
| 秋 || 月、紅葉、虫の声
|-
| 冬 || 雪、木枯らし、炬燵
|}

== 作り方の約束 ==
音の数え方では、「っ」のような促音や「ー」の長音も一音と数える。ただし字余りや字足らずが許される場合もあり、決まりを破ることで印象を強める句もある。句会では参加者が互いの句を読み合って選び、評を述べ合うことで表現を磨いていく。

== 海外の俳句 ==
20世紀に入ると、俳句は翻訳を通じて[[ヨーロッパ]]や[[アメリカ合衆国|アメリカ]]に紹介され、{{lang|en|haiku}}の名で英語や[[フランス語]]でも句が作られるようになった。日本語の音の数をそのまま当てはめることは難しいため、多くの言語では三行の短い詩として書かれ、季語の代わりに自然や季節の情景を描くことが重んじられる。学校の授業に俳句作りを取り入れる国もある。

== 脚注 ==
{{Reflist}}

== 外部リンク ==
* [https://example.invalid/haiku 俳句の会（架空）]

[[Category:俳句|*]]
[[Category:日本の詩]]
"""

SENTO = """'''銭湯'''は、料金を払って入る公衆浴場である。{{Stub}}

[[Category:公衆浴場]]
"""

REDIRECT = "#転送 [[風呂敷]]\n"

TEMPLATE = """<includeonly>{| class="infobox"
! colspan="2" | {{{名称|{{PAGENAME}}}}}
|-
| 種類 || {{{種類|}}}
|}</includeonly><noinclude>料理の記事に使う基礎情報テンプレートです。[[Category:基礎情報テンプレート]]</noinclude>
"""

DISAMBIGUATION = """'''はいく'''

* [[俳句]] - 五・七・五の定型詩。
* [[徘徊]] - あてもなく歩き回ること。

{{aimai}}
"""

# (title, ns, page id, revision id, timestamp, wikitext, redirect target)
PAGES = [
    ("風呂敷", 0, 1001, 50001, "2024-03-02T09:15:00Z", FUROSHIKI, None),
    ("味噌汁", 0, 1002, 50002, "2024-04-11T22:40:12Z", MISOSHIRU, None),
    ("俳句", 0, 1003, 50003, "2023-12-24T03:05:47Z", HAIKU, None),
    ("銭湯", 0, 1004, 50004, "2022-08-19T11:00:00Z", SENTO, None),
    ("ふろしき", 0, 1005, 50005, "2021-01-05T06:30:00Z", REDIRECT, "風呂敷"),
    ("Template:Infobox 料理", 10, 1006, 50006, "2020-07-07T07:07:07Z", TEMPLATE, None),
    ("はいく", 0, 1007, 50007, "2023-02-14T14:00:00Z", DISAMBIGUATION, None),
]


def mediawiki_sha1(text: str) -> str:
    """The <sha1> MediaWiki writes: SHA-1 of the text in base 36, 31 digits."""
    value = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rem = divmod(value, 36)
        out = digits[rem] + out
    return out.rjust(31, "0")


def page_xml(title: str, ns: int, page_id: int, rev_id: int, timestamp: str, text: str,
             redirect: str | None = None) -> str:
    """One <page> element as MediaWiki's dumpBackup writes it (export-0.10)."""
    redirect_line = f"    <redirect title={quoteattr(redirect)} />\n" if redirect is not None else ""
    return (
        "  <page>\n"
        f"    <title>{escape(title)}</title>\n"
        f"    <ns>{ns}</ns>\n"
        f"    <id>{page_id}</id>\n"
        f"{redirect_line}"
        "    <revision>\n"
        f"      <id>{rev_id}</id>\n"
        f"      <timestamp>{timestamp}</timestamp>\n"
        "      <contributor>\n        <username>DemoEditor</username>\n        <id>1</id>\n      </contributor>\n"
        "      <model>wikitext</model>\n"
        "      <format>text/x-wiki</format>\n"
        f'      <text bytes="{len(text.encode("utf-8"))}" xml:space="preserve">{escape(text)}</text>\n'
        f"      <sha1>{mediawiki_sha1(text)}</sha1>\n"
        "    </revision>\n"
        "  </page>\n"
    )


def write_multistream(pages: list[tuple], dump_path: pathlib.Path, index_path: pathlib.Path,
                      pages_per_stream: int = PAGES_PER_STREAM, header: str = HEADER, footer: str = FOOTER) -> None:
    """A multistream dump and its index: a header stream, one bzip2 stream per
    `pages_per_stream` pages, a footer stream; index lines `offset:page_id:title`."""
    compressed = [bz2.compress(header.encode("utf-8"), 9)]
    offset = len(compressed[0])
    index_lines = []
    for i in range(0, len(pages), pages_per_stream):
        group = pages[i:i + pages_per_stream]
        block = bz2.compress("".join(page_xml(*p) for p in group).encode("utf-8"), 9)
        index_lines += [f"{offset}:{p[2]}:{p[0]}" for p in group]
        compressed.append(block)
        offset += len(block)
    compressed.append(bz2.compress(footer.encode("utf-8"), 9))
    dump_path.write_bytes(b"".join(compressed))
    index_path.write_bytes(bz2.compress(("\n".join(index_lines) + "\n").encode("utf-8"), 9))


def make(out_dir: pathlib.Path) -> list[pathlib.Path]:
    """Write the demo dump and its index into `out_dir`; returns both paths."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dump, index = out_dir / DUMP_NAME, out_dir / INDEX_NAME
    write_multistream(PAGES, dump, index)
    return [dump, index]
