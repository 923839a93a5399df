"""The demo WARC: ten small pages written for this project, one of each kind the web
stage has to handle, plus a warcinfo and a request record.

- four good pages of Japanese prose (nature notes under CC BY 4.0, a library notice with an
  e-mail address and a phone number for the PII step, a bread recipe, how weather forecasts
  are made), each inside a realistic page template with menus and a footer;
- the weather article again, republished on a news portal: another header, menu and
  footer, and one sentence reworded, so the dedup stage has a near-duplicate to remove
  (character 5-gram Jaccard of the extracted texts about 0.9, above its 0.7);
- three Japanese pages of bad quality for the filter stage: repeated boilerplate lines,
  "…" teaser spam, and a katakana-only product list;
- one page in Shift_JIS that declares no charset anywhere (detection must find it);
- one English page on a site whose template says `lang="ja"` (language ID drops it).

All text is original. The file is byte-for-byte deterministic: fixed record ids and dates,
and warcio writes gzip members without a timestamp.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

_DATE = "2024-05-01T09:00:{:02d}Z"
_NS = uuid.UUID("6f1c3a52-7a0e-4f43-9a4e-2f6d0c1b9e10")

_TEMPLATE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
{meta}<title>{title}</title>
{head_extra}</head>
<body>
<header><a href="/">{site}</a>
<nav><ul>{nav}</ul></nav>
</header>
<main><article>
<h1>{title}</h1>
{body}
</article></main>
<footer><p>{footer}</p></footer>
</body>
</html>
"""

_SATOYAMA = [
    ("私たちの町の北側には、田んぼと雑木林に囲まれた小さな谷戸があります。春になると、あぜ道にはスミレやタンポポが咲き、"
     "水を張ったばかりの田んぼからはカエルの声が聞こえてきます。地元の自然観察会では、毎月第二土曜日にこの谷戸を歩き、"
     "見つけた植物や昆虫、鳥の名前を記録しています。"),
    ("夏の谷戸は緑が濃くなり、木陰を通る風が心地よく感じられます。小川ではメダカやヤゴが見られ、夕方にはホタルが飛び始めます。"
     "ホタルの数は年によって大きく変わるため、観察会では同じ場所、同じ時刻に数えるように決めています。"
     "こうした地道な記録を十年以上続けることで、水辺の環境の変化が少しずつ見えてきました。"),
    ("秋には稲刈りが終わった田んぼにサギやカモが集まり、雑木林ではコナラやクヌギのどんぐりが落ちます。"
     "冬は葉が落ちて見通しがよくなるので、野鳥の観察に向いた季節です。寒い朝に霜の降りた草の上を歩くと、さくさくと音がします。"),
    ("里山の風景は、人が木を切り、草を刈り、水路を手入れすることで保たれてきました。手入れをやめると林は暗くなり、"
     "田んぼは草に覆われてしまいます。観察会の記録は、地域の方々と里山の将来を話し合うための大切な資料になっています。"),
    ("観察会には、小学生から八十代の方まで、毎回二十人ほどが参加します。初めての方には、ベテランの会員が双眼鏡の使い方や"
     "図鑑の調べ方を教えています。名前が分からない生き物を見つけたときは、写真に撮って、その場でみんなで相談します。"),
]

_LIBRARY = [
    ("市立図書館では、今年の春から新しいサービスを始めました。これまでの貸し出しや返却に加えて、地域の歴史に関する資料の電子化を進めています。"
     "古い写真や町内会の記録、学校の文集など、家庭に眠っている資料をお持ちの方は、ぜひ図書館にご相談ください。"
     "資料は職員が丁寧にスキャンし、原本はすぐにお返しします。"),
    ("また、子ども向けの読み聞かせ会を毎週水曜日の午後に開いています。絵本を読むだけでなく、季節の工作や紙芝居も取り入れ、"
     "小さな子どもでも楽しめるように工夫しています。参加は無料で、事前の申し込みは必要ありません。"),
    ("中学生や高校生が放課後に勉強できるように、二階の学習室を夜七時まで開けることにしました。学習室には、静かに自習できる席のほかに、"
     "友だちと話し合いながら課題に取り組める席も用意しています。"),
    "館内の展示コーナーでは、毎月テーマを決めて本を紹介しています。今月のテーマは「まちの川と橋」で、古い地図や写真もあわせて展示しています。",
    ("図書館まで来ることが難しい方のために、本の宅配サービスも始めました。電話で読みたい本を伝えていただければ、"
     "ボランティアの方がご自宅までお届けします。返却も同じようにご自宅で受け取ります。"),
    ("サービスについてのご質問は、図書館サービス係までお寄せください。電話番号は 03-1234-5678、"
     "電子メールは info@library.example.jp です。受付時間は平日の午前九時から午後五時までです。"
     "皆さまのご利用を職員一同お待ちしております。"),
]

_BREAD = [
    ("パン作りは難しそうに見えますが、基本の材料は強力粉、水、塩、砂糖、イーストだけです。最初は丸パンのような簡単な形から始めると、"
     "生地の変化を観察しながら楽しく作ることができます。ここでは、家庭のオーブンで焼ける丸パンの作り方を紹介します。"),
    ("まず、ボウルに強力粉と砂糖、塩を入れて軽く混ぜます。ぬるま湯にイーストを溶かしてから粉に加え、ひとまとまりになるまでよくこねます。"
     "生地の表面がなめらかになり、薄く伸ばしても破れにくくなったら、こね上がりの目安です。"),
    ("次に、生地を丸めてボウルに戻し、ラップをかけて暖かい場所に置きます。一時間ほどで生地が二倍くらいにふくらんだら、一次発酵は終わりです。"
     "指に粉をつけて生地に差し込み、穴がそのまま残れば十分に発酵しています。"),
    ("生地を八つに分けて丸め直し、天板に並べて二十分ほど休ませます。最後に、百九十度に温めたオーブンで十五分ほど焼けば完成です。"
     "慣れてきたら、レーズンやくるみを混ぜたり、形を変えたりして、自分だけのパンを工夫してみてください。"),
    ("うまく焼けなかったときは、原因を一つずつ確かめてみましょう。生地がふくらまない場合は、イーストが古くなっていたり、"
     "お湯が熱すぎたりしたことが考えられます。焼き色が薄いときは、オーブンの温度を少し上げるか、焼く時間を数分のばしてみてください。"),
    "焼いたパンは、冷めてから袋に入れて保存します。すぐに食べきれない分は冷凍しておき、食べる前に軽く温め直すと、焼きたてに近い味を楽しめます。",
]

_WEATHER = [
    ("毎朝のニュースで何気なく見ている天気予報は、多くの観測と計算によって支えられています。全国各地の観測所では、"
     "気温や湿度、風向き、降水量などが自動的に測られ、そのデータは数分ごとに集められています。"
     "さらに、気象衛星や気象レーダー、上空の様子を調べる観測気球からも、大量の情報が届きます。"),
    ("集められたデータは、大きな計算機を使った数値予報に利用されます。数値予報では、大気の動きを物理の法則にもとづいて計算し、"
     "数時間後や数日後の空の状態を予想します。予報官は過去の事例や地形の特徴をふまえて計算結果を確かめ、最終的な予報を組み立てます。"),
    ("夏の夕立のように、狭い範囲で急に発達する雲を正確に予想するのは今でも難しい課題です。そのため、降水確率という数字を使って、"
     "雨が降る可能性の大きさを伝えています。降水確率が三十パーセントなら、同じような予報が出た日のうち、およそ三日に一日は雨が降るという意味です。"),
    ("天気予報の精度は、観測網の充実と計算機の進歩によって少しずつ上がってきました。明日の最高気温の予想は、数十年前に比べて誤差が小さくなっています。"
     "一方で、一週間先の天気は今でも変わりやすく、予報には幅を持たせて発表されています。"),
    "山や海に出かけるときは、天気だけでなく、風の強さや波の高さ、雷の可能性についての情報もあわせて確認しておくと安心です。",
    "天気予報を上手に使うためには、朝だけでなく、出かける前にも最新の情報を確かめることが大切です。",
]

_ONSEN = [
    ("日本には数多くの温泉地があり、古くから湯治の場として人々に親しまれてきました。江戸時代には、農作業の合間に数週間ほど温泉に滞在し、"
     "体を休める習慣が各地に広まりました。当時の湯治客は自炊をしながら長く宿に泊まり、湯に入っては休むという穏やかな日々を過ごしていたといわれています。"),
    ("明治時代になると鉄道が整備され、遠くの町からも気軽に温泉を訪れることができるようになりました。駅の近くには旅館や土産物店が立ち並び、"
     "温泉街はにぎやかな観光地へと姿を変えていきます。団体旅行が盛んになった時代には、大きな宴会場を備えた宿が次々に建てられました。"),
    ("近年では、家族や友人と静かに過ごしたいという旅行者が増え、小さな宿や日帰り入浴の施設が見直されています。"
     "古い建物を生かした宿や、地元の食材を使った料理を出す店など、それぞれの温泉地が工夫を重ねています。"),
    ("温泉の成分は土地によってさまざまで、硫黄のにおいがする湯、鉄分を含んで赤茶色ににごる湯、肌がなめらかになると言われる湯などがあります。"
     "それぞれの温泉地では、湯の特徴を案内板で紹介し、入浴の作法を伝えています。"),
    "湯船に入る前にはかけ湯をして体を流し、長い髪はまとめておくのが一般的な作法です。湯上がりには水分をとって、しばらく休むようにしましょう。",
    ("温泉街を歩くと、共同浴場や足湯、湯けむりの立ちのぼる川沿いの道など、その土地ならではの風景に出会えます。"
     "時代とともに形を変えながらも、温泉は今も人々の心と体を休める場所であり続けています。"),
]

_ENGLISH = [
    ("Our company was founded in a small workshop and has grown into a team that designs tools for gardeners. "
     "We believe that good tools should last for many years and be easy to repair."),
    ("Every product is tested in our own garden before it goes on sale. We listen to feedback from customers "
     "and publish repair guides for all of our tools, so that a broken handle never means a new purchase."),
    "This page is available in English for our partners abroad. Please contact our sales office for catalogues.",
]


def _paragraphs(paras: list[str]) -> str:
    return "\n".join(f"<p>{p}</p>" for p in paras)


_NAV = [("/", "ホーム"), ("/news/", "お知らせ"), ("/about/", "このサイトについて")]


def _page(title: str, body: str, lang: str = "ja", site: str = "まちの記録", meta: str = '<meta charset="utf-8">\n',
          head_extra: str = "", footer: str = "© まちの記録 編集部", nav: list[tuple[str, str]] = _NAV) -> str:
    links = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in nav)
    return _TEMPLATE.format(lang=lang, meta=meta, title=title, head_extra=head_extra, site=site, nav=links, body=body,
                            footer=footer)


def _republished_weather() -> list[str]:
    """The weather article as a portal republishes it: one sentence reworded (30% -> 50%)."""
    paras = list(_WEATHER)
    old = "降水確率が三十パーセントなら、同じような予報が出た日のうち、およそ三日に一日は雨が降るという意味です。"
    assert old in paras[2]
    paras[2] = paras[2].replace(old, "たとえば降水確率が五十パーセントなら、同じような予報が出た日のうち、二日に一日ほどは雨が降るということです。")
    return paras


def _pages() -> list[tuple[str, str, bytes, str]]:
    """(url, Content-Type header, body bytes, what it is) for each response."""
    cc = (
        '<p><a rel="license" href="https://creativecommons.org/licenses/by/4.0/deed.ja">'
        "この記事はクリエイティブ・コモンズ 表示 4.0 国際 ライセンスの下に提供されています。</a></p>"
    )
    boilerplate = "\n".join(
        ["<p>ホーム | 商品一覧 | 会社概要 | お問い合わせ</p>", "<p>新着情報はありません。</p>", "<p>ただいまセール準備中です。</p>"] * 12
    )
    teasers = "\n".join(
        f"<p>{t}…</p>" for t in [
            "今話題のあの商品を実際に使ってみたところ", "専門家も驚いた意外な結果とは", "知らないと損をする三つのポイント",
            "続きはこちらから", "衝撃の真相が明らかに", "みんなが気になるあの話題の続き", "まだ間に合う最新情報",
            "ここだけの話ですが", "これを見ればすべてが分かる", "続きは次のページで",
        ] * 3
    )
    products = "\n".join(
        f'<div class="item">{p}</div>' for p in [
            "スマートフォンケース ブラック", "ワイヤレスイヤホン ホワイト", "モバイルバッテリー シルバー", "ノートパソコンスタンド",
            "ステンレスボトル ネイビー", "キャンバストートバッグ", "レザーキーケース ブラウン", "デジタルウォッチ グレー",
            "ポータブルスピーカー レッド", "フェイスタオルセット", "アロマディフューザー", "クッションカバー ベージュ",
        ] * 3
    )
    shift_jis = _page(
        "温泉街の移り変わり", _paragraphs(_ONSEN), meta="", site="旅のノート", footer="旅のノート",
    ).encode("shift_jis")
    html_utf8 = "text/html; charset=utf-8"
    return [
        ("https://satoyama.example.jp/notes/yato-shiki.html", html_utf8,
         _page("里山の四季を歩く ― 小さな谷戸の観察記録", _paragraphs(_SATOYAMA) + "\n" + cc).encode(), "good, CC BY 4.0"),
        ("https://library.example.jp/news/2024/new-services.html", html_utf8,
         _page("市立図書館の新しいサービスについて", _paragraphs(_LIBRARY), site="市立図書館").encode(), "good, PII"),
        ("https://kitchen.example.jp/recipes/basic-bread.html", html_utf8,
         _page("はじめての手作りパン ― 基本の丸パン", _paragraphs(_BREAD), site="台所だより").encode(), "good"),
        ("https://sora.example.jp/column/forecast.html", html_utf8,
         _page("天気予報ができるまで", _paragraphs(_WEATHER), site="そらの教室").encode(), "good"),
        ("http://tabi.example.jp/onsen/history.html", "text/html", shift_jis, "good, Shift_JIS, no charset declared"),
        ("https://portal.example.jp/life/weather-forecast-20240501.html", html_utf8,
         _page("【転載】天気予報ができるまで", _paragraphs(_republished_weather()), site="くらしのポータル",
               nav=[("/", "トップ"), ("/life/", "くらし"), ("/ranking/", "ランキング"), ("/login/", "ログイン")],
               footer="記事提供: そらの教室 | 無断転載を禁じます | © くらしのポータル").encode(),
         "near-duplicate of the weather page: other template, one sentence changed"),
        ("https://shop.example.jp/news/", html_utf8,
         _page("新着情報 | サンプル商店", boilerplate, site="サンプル商店").encode(), "bad: repeated boilerplate"),
        ("https://matome.example.jp/topics/", html_utf8,
         _page("話題のまとめ記事一覧", teasers, site="まとめ速報").encode(), "bad: ellipsis teasers"),
        ("https://shop.example.jp/ranking/", html_utf8,
         _page("人気アイテムランキング", products, site="サンプル商店").encode(), "bad: katakana list"),
        ("https://garden-tools.example.jp/en/about.html", html_utf8,
         _page("Company overview", _paragraphs(_ENGLISH), site="Garden Tools", footer="Garden Tools Inc.").encode(),
         "English page, Japanese template (lang=ja)"),
    ]


def make(out_dir: Path) -> list[Path]:
    """Write demo.warc.gz into `out_dir` and return its path."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "demo.warc.gz"
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)

    def ids(name: str, n: int) -> dict[str, str]:
        return {"WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(_NS, name)}>", "WARC-Date": _DATE.format(n)}

    info = writer.create_warcinfo_record(
        "demo.warc.gz", {"software": "jacorpus demo", "description": "original demo pages written for jacorpus"},
    )
    info.rec_headers.replace_header("WARC-Record-ID", ids("warcinfo", 0)["WARC-Record-ID"])
    info.rec_headers.replace_header("WARC-Date", _DATE.format(0))
    writer.write_record(info)
    for n, (url, content_type, body, _what) in enumerate(_pages(), start=1):
        if n == 1:
            request = StatusAndHeaders(
                "GET /notes/yato-shiki.html HTTP/1.1",
                [("Host", "satoyama.example.jp"), ("User-Agent", "jacorpus-demo")], is_http_request=True,
            )
            writer.write_record(writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""), length=0, http_headers=request,
                warc_headers_dict=ids(f"request:{url}", n),
            ))
        http = StatusAndHeaders("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict=ids(url, n),
        ))
    path.write_bytes(buffer.getvalue())
    return [path]
