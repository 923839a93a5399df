"""Templates that show a value (number, date, age, coordinate, country name, ISBN) rendered
offline, and those whose value cannot be known here, which render as `HOLE`.

MediaWiki computes these from the template's own arguments, from the page's revision date
(`{{CURRENTYEAR}}` showed the year the revision was saved), or from data kept elsewhere on
the wiki (`{{自治体人口/秋田県|秋田市}}` reads a data page; `{{#invoke:}}` runs Lua). The first
two we can do; the third we cannot, and `filters.wiki.holes` then drops the clause or
sentence that needed it. Output follows jawiki's rendering of each template
(https://ja.wikipedia.org/wiki/Template:<name>), without links, icons or styling.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re

from filters.wiki.holes import HOLE

_NUMBER = re.compile(r"^\s*([-+]?)(\d+)(\.\d+)?\s*$")
_DIGITS = re.compile(r"^\d+$")

# parser functions whose output depends on data outside the page (Lua modules, Wikidata)
UNKNOWABLE_FUNCTIONS = frozenset({"#invoke", "#property", "#statements", "#expr", "#time", "#timel"})
# magic words counted over the whole wiki: not knowable from one page
UNKNOWABLE_VARIABLES = frozenset({
    "numberofarticles", "numberofpages", "numberoffiles", "numberofedits", "numberofusers",
    "numberofactiveusers", "numberofadmins", "pagesincategory", "pagesize", "revisionid",
})


def formatnum(arg: str) -> str:
    """`{{formatnum:1234567.5}}` -> 1,234,567.5; text that is not a number passes unchanged."""
    if HOLE in arg:
        return HOLE
    m = _NUMBER.match(arg)
    if not m:
        return arg.strip()
    sign, whole, frac = m.groups()
    return f"{sign}{int(whole):,}{frac or ''}"


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def expr(arg: str) -> str:
    """`{{#expr: 1 + 2 * 3}}` over literal numbers; anything else (a data template inside,
    `round`, `mod`) is a value we do not compute here."""
    if HOLE in arg or not re.fullmatch(r"[\d\s.+\-*/()]+", arg):
        return HOLE
    try:
        value = _evaluate(ast.parse(arg.strip(), mode="eval").body)
    except (SyntaxError, ZeroDivisionError, ValueError, RecursionError):
        return HOLE
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def _evaluate(node) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    raise ValueError("not arithmetic")


def parser_function(function: str, arg: str, positional: list[str]) -> str:
    """`{{function: arg | positional...}}` with `arg` and `positional` already rendered."""
    if function == "formatnum":
        return formatnum(arg)
    if function == "#expr":
        return expr(arg)
    if function == "#if":
        return _pick(positional, 0 if arg.strip() else 1)
    if function == "#ifeq":
        return _pick(positional, 1 if arg.strip() == _pick(positional, 0).strip() else 2)
    if function in ("lc", "uc", "lcfirst", "ucfirst"):
        return {"lc": arg.lower(), "uc": arg.upper(), "lcfirst": arg[:1].lower() + arg[1:],
                "ucfirst": arg[:1].upper() + arg[1:]}[function]
    if function in UNKNOWABLE_FUNCTIONS:
        return HOLE
    return ""  # #tag:ref (a footnote), DEFAULTSORT, DISPLAYTITLE, #related...: nothing in the text


def _pick(values: list[str], index: int) -> str:
    return values[index] if len(values) > index else ""


def magic_variable(name: str, revision_date: str | None) -> str | None:
    """`{{CURRENTYEAR}}` and friends as they read when the revision was saved; None if `name`
    is not one. Without a revision date the value is unknown."""
    if name in UNKNOWABLE_VARIABLES:
        return HOLE
    if not name.startswith(("current", "local")) or name.endswith(("timestamp", "version")):
        return None
    date = _revision_date(revision_date)
    if date is None:
        return HOLE
    field = name.removeprefix("current").removeprefix("local")
    values = {"year": str(date.year), "month": f"{date.month:02d}", "month1": str(date.month),
              "monthname": f"{date.month}月", "day": str(date.day), "day2": f"{date.day:02d}"}
    return values.get(field)


def _revision_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


# dates and ages ---------------------------------------------------------------------------
def _ymd(values: list[str]) -> tuple[int, int, int] | None:
    parts = [v.strip() for v in values[:3]]
    if len(parts) < 3 or not all(_DIGITS.match(p) for p in parts):
        return None
    y, m, d = (int(p) for p in parts)
    return (y, m, d) if 1 <= m <= 12 and 1 <= d <= 31 else None


def _age(born: tuple[int, int, int], at: tuple[int, int, int]) -> int:
    return at[0] - born[0] - ((at[1], at[2]) < (born[1], born[2]))


def date_template(name: str, positional: list[str]) -> str | None:
    """生年月日と年齢, 没年齢, 死亡年月日と没年齢; None when `name` is not one of them."""
    if name == "生年月日と年齢":  # the age is "now", which moves: the date alone reads whole
        born = _ymd(positional)
        return "" if born is None else "{}年{}月{}日".format(*born)
    if name in ("没年齢", "死亡年月日と没年齢"):
        born, died = _ymd(positional), _ymd(positional[3:])
        if born is None or died is None:
            return HOLE
        age = f"（{_age(born, died)}歳没）"
        return age if name == "没年齢" else "{}年{}月{}日".format(*died) + age
    return None


# coordinates -------------------------------------------------------------------------------
_HEMISPHERES = {"N": "北緯", "S": "南緯", "E": "東経", "W": "西経"}


def coordinates(name: str, positional: list[str], named: dict[str, str]) -> str | None:
    """{{Coord}}, {{ウィキ座標度分秒}}, {{ウィキ座標2段度分秒}} -> 北緯33度17分3秒 東経44度15分22秒.
    `display=title` puts them beside the page title, not in the text: nothing."""
    if name not in ("coord", "ウィキ座標度分秒", "ウィキ座標2段度分秒"):
        return None
    display = named.get("display", "inline")
    if "inline" not in display:
        return ""
    values = [p.strip() for p in positional]
    ns = next((i for i, v in enumerate(values) if v in ("N", "S")), None)
    if ns is None:  # {{coord|35.68|139.76}}: decimal degrees
        if len(values) >= 2 and all(_is_number(v) for v in values[:2]):
            lat, lon = float(values[0]), float(values[1])
            return f"{'北緯' if lat >= 0 else '南緯'}{abs(lat):g}度 {'東経' if lon >= 0 else '西経'}{abs(lon):g}度"
        return HOLE
    ew = next((i for i in range(ns + 1, len(values)) if values[i] in ("E", "W")), None)
    if ew is None:
        return HOLE
    return f"{_dms(values[:ns], values[ns])} {_dms(values[ns + 1:ew], values[ew])}"


def _dms(parts: list[str], hemisphere: str) -> str:
    units = ("度", "分", "秒")
    shown = [f"{_trim(p)}{u}" for p, u in zip(parts, units) if p.strip()]
    return _HEMISPHERES[hemisphere] + "".join(shown)


def _trim(number: str) -> str:
    number = number.strip()
    if _DIGITS.match(number):
        return str(int(number))
    return number


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# units, books, countries ---------------------------------------------------------------------
_RANGE_WORDS = frozenset({"-", "–", "to", "and", "~", "〜", "x", "×", "or"})


def convert(positional: list[str]) -> str:
    """{{convert|100|km|mi}} -> 100 km: the value as written and its unit (the converted
    figure jawiki adds in brackets is left out)."""
    values = [p.strip() for p in positional]
    if len(values) >= 4 and values[1] in _RANGE_WORDS:
        return f"{values[0]}{'–' if values[1] in ('-', '–', 'to') else values[1]}{values[2]} {values[3]}"
    if len(values) >= 2:
        return f"{values[0]} {values[1]}"
    return HOLE


# jawiki's country flag templates ({{JPN}}) show a flag and the country's short name
# (Template:Country alias <code>); ISO 3166-1 alpha-3 plus the IOC/FIFA codes jawiki also uses
COUNTRY_NAMES = {
    "JPN": "日本", "USA": "アメリカ合衆国", "GBR": "イギリス", "UK": "イギリス", "FRA": "フランス",
    "DEU": "ドイツ", "GER": "ドイツ", "ITA": "イタリア", "ESP": "スペイン", "PRT": "ポルトガル", "POR": "ポルトガル",
    "NLD": "オランダ", "NED": "オランダ", "BEL": "ベルギー", "LUX": "ルクセンブルク", "CHE": "スイス", "SUI": "スイス",
    "AUT": "オーストリア", "IRL": "アイルランド", "ISL": "アイスランド", "DNK": "デンマーク", "NOR": "ノルウェー",
    "SWE": "スウェーデン", "FIN": "フィンランド", "POL": "ポーランド", "CZE": "チェコ", "SVK": "スロバキア",
    "HUN": "ハンガリー", "ROU": "ルーマニア", "BGR": "ブルガリア", "GRC": "ギリシャ", "TUR": "トルコ",
    "RUS": "ロシア", "UKR": "ウクライナ", "BLR": "ベラルーシ", "EST": "エストニア", "LVA": "ラトビア",
    "LTU": "リトアニア", "HRV": "クロアチア", "CRO": "クロアチア", "SVN": "スロベニア", "SRB": "セルビア",
    "BIH": "ボスニア・ヘルツェゴビナ", "MNE": "モンテネグロ", "MKD": "北マケドニア", "ALB": "アルバニア",
    "MLT": "マルタ", "CYP": "キプロス", "MCO": "モナコ", "SMR": "サンマリノ", "VAT": "バチカン",
    "AND": "アンドラ", "LIE": "リヒテンシュタイン", "MDA": "モルドバ", "GEO": "ジョージア", "ARM": "アルメニア",
    "AZE": "アゼルバイジャン", "KAZ": "カザフスタン", "UZB": "ウズベキスタン", "KGZ": "キルギス",
    "TJK": "タジキスタン", "TKM": "トルクメニスタン", "CHN": "中国", "PRC": "中華人民共和国", "TWN": "台湾",
    "ROC": "中華民国", "HKG": "香港", "MAC": "マカオ", "KOR": "韓国", "PRK": "北朝鮮", "MNG": "モンゴル",
    "IND": "インド", "PAK": "パキスタン", "BGD": "バングラデシュ", "BAN": "バングラデシュ", "LKA": "スリランカ",
    "NPL": "ネパール", "BTN": "ブータン", "MDV": "モルディブ", "AFG": "アフガニスタン", "IRN": "イラン",
    "IRQ": "イラク", "SYR": "シリア", "LBN": "レバノン", "ISR": "イスラエル", "JOR": "ヨルダン",
    "SAU": "サウジアラビア", "KSA": "サウジアラビア", "YEM": "イエメン", "OMN": "オマーン",
    "ARE": "アラブ首長国連邦", "UAE": "アラブ首長国連邦", "QAT": "カタール", "BHR": "バーレーン",
    "KWT": "クウェート", "THA": "タイ", "VNM": "ベトナム", "LAO": "ラオス", "KHM": "カンボジア",
    "MMR": "ミャンマー", "MYS": "マレーシア", "SGP": "シンガポール", "SIN": "シンガポール", "IDN": "インドネシア",
    "PHL": "フィリピン", "BRN": "ブルネイ", "TLS": "東ティモール", "AUS": "オーストラリア",
    "NZL": "ニュージーランド", "PNG": "パプアニューギニア", "FJI": "フィジー", "PLW": "パラオ",
    "FSM": "ミクロネシア連邦", "MHL": "マーシャル諸島", "KIR": "キリバス", "NRU": "ナウル", "TUV": "ツバル",
    "WSM": "サモア", "TON": "トンガ", "VUT": "バヌアツ", "SLB": "ソロモン諸島", "CAN": "カナダ",
    "MEX": "メキシコ", "GTM": "グアテマラ", "BLZ": "ベリーズ", "HND": "ホンジュラス", "SLV": "エルサルバドル",
    "NIC": "ニカラグア", "CRI": "コスタリカ", "PAN": "パナマ", "CUB": "キューバ", "JAM": "ジャマイカ",
    "HTI": "ハイチ", "DOM": "ドミニカ共和国", "DMA": "ドミニカ国", "BHS": "バハマ", "BRB": "バルバドス",
    "TTO": "トリニダード・トバゴ", "GRD": "グレナダ", "LCA": "セントルシア",
    "VCT": "セントビンセント・グレナディーン", "KNA": "セントクリストファー・ネイビス",
    "ATG": "アンティグア・バーブーダ", "PRI": "プエルトリコ", "COL": "コロンビア", "VEN": "ベネズエラ",
    "GUY": "ガイアナ", "SUR": "スリナム", "ECU": "エクアドル", "PER": "ペルー", "BOL": "ボリビア",
    "BRA": "ブラジル", "PRY": "パラグアイ", "URY": "ウルグアイ", "ARG": "アルゼンチン", "CHL": "チリ",
    "EGY": "エジプト", "LBY": "リビア", "TUN": "チュニジア", "DZA": "アルジェリア", "MAR": "モロッコ",
    "SDN": "スーダン", "SSD": "南スーダン", "ETH": "エチオピア", "ERI": "エリトリア", "DJI": "ジブチ",
    "SOM": "ソマリア", "KEN": "ケニア", "UGA": "ウガンダ", "TZA": "タンザニア", "RWA": "ルワンダ",
    "BDI": "ブルンジ", "COD": "コンゴ民主共和国", "COG": "コンゴ共和国", "GAB": "ガボン",
    "GNQ": "赤道ギニア", "CMR": "カメルーン", "CAF": "中央アフリカ共和国", "TCD": "チャド", "NGA": "ナイジェリア",
    "NER": "ニジェール", "MLI": "マリ", "BFA": "ブルキナファソ", "SEN": "セネガル", "GMB": "ガンビア",
    "GIN": "ギニア", "GNB": "ギニアビサウ", "SLE": "シエラレオネ", "LBR": "リベリア", "CIV": "コートジボワール",
    "GHA": "ガーナ", "TGO": "トーゴ", "BEN": "ベナン", "MRT": "モーリタニア", "CPV": "カーボベルデ",
    "STP": "サントメ・プリンシペ", "AGO": "アンゴラ", "ZMB": "ザンビア", "ZWE": "ジンバブエ", "MWI": "マラウイ",
    "MOZ": "モザンビーク", "MDG": "マダガスカル", "MUS": "モーリシャス", "SYC": "セーシェル", "COM": "コモロ",
    "NAM": "ナミビア", "BWA": "ボツワナ", "ZAF": "南アフリカ共和国", "RSA": "南アフリカ共和国", "LSO": "レソト",
    "SWZ": "エスワティニ",
}


def country(name: str, positional: list[str]) -> str | None:
    """{{JPN}} -> 日本; None when `name` is not a country code."""
    return COUNTRY_NAMES.get(name.upper()) if not positional else None
