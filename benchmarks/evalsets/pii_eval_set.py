"""The PII evaluation set, built at test time from ../shared/data, and its scorer.

Gold spans come from real values where real values exist: e-mail addresses found in the
fixture WARC's pages, the 7,190 geolonia addresses (real Japanese addresses in half- and
full-width writing; in a person's frame they are gold, in a facility's frame or without a
lot number they are negatives), person names from the stockmark Wikipedia NER sentences.
The frames are our own templates, so this set checks the rules against their own
specification: the independent measure is the real-text set (benchmarks/evalsets/pii_real_set.py). Numbers
nobody may publish (My Number, card, account, phone numbers) are synthetic but valid:
right check digits, Luhn, issuer ranges, and phone numbers that libphonenumber accepts,
written in the ways Japanese pages write them. Negatives are the look-alikes that must
stay: dates, times, prices, ISBN/JAN codes, version numbers, order and serial numbers.
Every stockmark sentence also serves as natural text where nothing but names may be found.

Nothing is copied into the repository: `build(shared_data)` reads the files each time.
A span matches gold when the types agree and intersection/union >= 0.5 (one to one).
"""

from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

EMAIL, URL_CREDENTIALS, PHONE, MY_NUMBER = "EMAIL", "URL_CREDENTIALS", "PHONE", "MY_NUMBER"
CREDIT_CARD, BANK_ACCOUNT, POSTAL_CODE, ADDRESS, IP_ADDRESS, PERSON = (
    "CREDIT_CARD", "BANK_ACCOUNT", "POSTAL_CODE", "ADDRESS", "IP_ADDRESS", "PERSON",
)
MIN_IOU = 0.5
_LOT_DIGIT = re.compile(r"[0-9０-９一二三四五六七八九十]")
_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


@dataclass
class Example:
    text: str
    gold: list[tuple[int, int, str]] = field(default_factory=list)
    kind: str = ""  # what the example tests: an entity type, `negative:<what>` or `carrier`
    split: str = ""  # real-text set only: `dev` (tuning) or `test` (pii_real_set.py)


def _fill(template: str, **values: tuple[str, str]) -> Example:
    """Template with `{name}` slots; each value is (text, entity or '') -> Example with gold."""
    text, gold, pos = "", [], 0
    for m in re.finditer(r"\{(\w+)\}", template):
        text += template[pos:m.start()]
        value, entity = values[m.group(1)]
        if entity:
            gold.append((len(text), len(text) + len(value), entity))
        text += value
        pos = m.end()
    text += template[pos:]
    return Example(text, gold)


# ---------------------------------------------------------------- real values

def warc_emails(shared_data: Path) -> list[str]:
    """Distinct e-mail addresses in the fixture WARC's pages (decoded with each record's charset)."""
    from warcio.archiveiterator import ArchiveIterator

    pattern = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
    found: dict[str, None] = {}
    with open(shared_data / "web" / "ja_fixture_pages_packed.warc.gz", "rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            charset = record.rec_headers.get_header("WARC-X-Expected-Charset") or "utf-8"
            body = record.content_stream().read()
            try:
                text = body.decode(charset, errors="replace")
            except LookupError:
                text = body.decode("utf-8", errors="replace")
            for address in pattern.findall(text):
                found.setdefault(address)
    return list(found)


def geolonia_addresses(shared_data: Path) -> list[tuple[str, bool]]:
    """(address, has a lot number) for each geolonia row. The lot test reads geolonia's own
    parse (columns 番地号 and その他), not our recognizer: an address whose parse ends at the
    town or 丁目 (`石川県輪島市町野桶戸`, `埼玉県新座市新堀２丁目`) names an area, not a home."""
    with open(shared_data / "pii" / "geolonia_addresses_gold.csv", encoding="utf-8") as f:
        return [(row["住所"], bool(_LOT_DIGIT.search(row["番地号"] + row["その他"])))
                for row in csv.DictReader(f) if row["住所"].strip()]


def stockmark_sentences(shared_data: Path) -> list[dict]:
    return json.loads((shared_data / "pii" / "stockmark_ner-wikipedia-ja.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- synthetic valid numbers

_PHONE_PREFIXES = ["03", "06", "011", "022", "045", "052", "075", "078", "082", "092", "0166", "0172",
                   "0258", "0476", "0544", "0739", "0980", "090", "080", "070", "050", "0120", "0570"]


def valid_phone(rng: random.Random) -> str:
    """A number libphonenumber accepts as Japanese, in its official national grouping."""
    import phonenumbers

    while True:
        prefix = rng.choice(_PHONE_PREFIXES)
        length = 11 if prefix in ("090", "080", "070", "050") else 10
        digits = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
        number = phonenumbers.parse(digits, "JP")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_writings(national: str, rng: random.Random) -> str:
    groups = national.split("-")
    style = rng.randrange(9)
    if style == 0:
        return national
    if style == 1:
        return national.translate(_FULL_WIDTH)
    if style == 2:
        return "ー".join(g.translate(_FULL_WIDTH) for g in groups)
    if style == 3:
        return f"({groups[0]}){'-'.join(groups[1:])}"
    if style == 4:
        return f"{groups[0]}({groups[1]}){''.join(groups[2:])}"
    if style == 5:
        return "+81-" + "-".join([groups[0][1:]] + groups[1:])
    if style == 6:
        return "+81 " + " ".join([groups[0][1:]] + groups[1:])
    if style == 7:
        return " ".join(groups) if rng.random() < 0.5 else ".".join(groups)
    return "".join(groups)


def my_number(rng: random.Random) -> str:
    """11 random digits and the check digit, computed here independently of filters.pii:
    weights 6,5,4,3,2,7,6,5,4,3,2 from the left, 11 - (sum mod 11), 0 for remainders 0 and 1."""
    body = _digits(rng, 11)
    remainder = sum(int(d) * w for d, w in zip(body, (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2))) % 11
    return body + str(0 if remainder <= 1 else 11 - remainder)


def _luhn_complete(partial: str) -> str:
    for d in "0123456789":
        candidate = partial + d
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            v = int(ch)
            if i % 2 == 1:
                v = v * 2 - 9 if v > 4 else v * 2
            total += v
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


_CARD_PREFIXES = [("4", 16), ("51", 16), ("53", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15),
                  ("3528", 16), ("3566", 16), ("3589", 16), ("36", 14), ("6011", 16), ("65", 16), ("62", 16)]


def card_number(rng: random.Random) -> str:
    prefix, length = rng.choice(_CARD_PREFIXES)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    digits = _luhn_complete(body)
    style = rng.randrange(4)
    if length == 15 and style < 2:
        return f"{digits[:4]}{'-' if style == 0 else ' '}{digits[4:10]}{'-' if style == 0 else ' '}{digits[10:]}"
    if length == 16 and style < 3:
        sep = "-" if style == 0 else " "
        grouped = sep.join(digits[i:i + 4] for i in range(0, 16, 4))
        return grouped.translate(_FULL_WIDTH) if style == 2 else grouped
    return digits


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


# ---------------------------------------------------------------- the set

EMAIL_TEMPLATES = ["お問い合わせは{v}までお願いします。", "メール：{v}", "連絡先 {v}（担当：営業部）",
                   "ご意見・ご感想は{v}へ", "E-mail: {v}", "不具合の報告を{v}宛てに送ってください。",
                   "<a href=\"mailto:{v}\">メールはこちら</a>", "管理人（{v}）"]
PHONE_TEMPLATES = ["電話番号：{v}", "TEL {v}（受付 9:00～18:00）", "お問い合わせは{v}まで", "携帯{v}にご連絡ください。",
                   "FAX：{v}", "ご予約・お問い合わせ {v}", "代表電話 {v} 内線123", "☎{v}", "TEL:{v}",
                   "tel/fax {v}", "（{v}）", "{v}\n営業時間 10時～19時", "フリーダイヤル {v}",
                   "株式会社サンプル 東京支社 {v}"]
MY_NUMBER_TEMPLATES = ["マイナンバー：{v}", "個人番号（マイナンバー）は{v}です。", "マイナンバーカードの番号 {v} を入力",
                       "個人番号 {v}", "通知カードに記載された番号{v}を確認"]
CARD_TEMPLATES = ["カード番号：{v}", "クレジットカード {v} 有効期限 12/27", "お支払いカード（{v}）", "VISA {v}",
                  "ご登録のカード番号は{v}です。"]
POSTAL_TEMPLATES = ["〒{v}", "〒 {v} 住所不明", "郵便番号：{v}", "郵便番号は{v}です。", "送付先 〒{v}"]
# a person's address is masked; a facility's or a company's is not (docs/pii.md, "What personal
# information means here"), so the same real addresses appear in both kinds of frame
PERSON_ADDRESS_TEMPLATES = ["{v}にお住まいの方", "住所は{v}です。", "〒{p} {v}", "自宅：{v}", "お届け先 {v} 様",
                            "現住所 {v}"]
FACILITY_ADDRESS_TEMPLATES = ["本社所在地：{v}", "会場：{v}（最寄り駅から徒歩5分）", "店舗住所 {v}",
                              "当院は{v}にあります。", "{v}に所在する公立小学校"]
BUILDINGS = ["サンプルハイツ203号室", "メゾン桜5F", "グランコート101", "第2サンプルビル 3階"]
BANK_TEMPLATES = ["振込先：{bank}銀行 {branch}支店 普通 {v}", "口座番号：{v}", "{bank}銀行 {branch}支店 (普){v}",
                  "当座預金 {v}", "口座番号は{v}です。"]
IP_TEMPLATES = ["接続元IP：{v}", "サーバー（{v}）に接続できません", "アクセス元 {v} からの不正ログイン", "IPアドレスは{v}です。"]
URL_TEMPLATES = ["接続文字列 postgres://{v}/app", "リポジトリ https://{v}/repo.git をクローン", "ftp://{v}/pub/ からダウンロード"]
BANKS = ["三菱UFJ", "三井住友", "みずほ", "りそな", "横浜", "千葉", "静岡", "福岡"]
BRANCHES = ["渋谷", "新宿", "梅田", "本店営業部", "横浜駅前", "天神"]

NEGATIVE_TEMPLATES = [
    ("date", lambda r: f"{r.randint(1990, 2030)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}に公開されました。"),
    ("date", lambda r: f"{r.randint(1990, 2030)}/{r.randint(1, 12):02d}/{r.randint(1, 28):02d} 更新"),
    ("date", lambda r: f"{r.randint(1990, 2030)}年{r.randint(1, 12)}月{r.randint(1, 28)}日に開催"),
    ("date", lambda r: f"{r.randint(1990, 2030)}.{r.randint(1, 12)}.{r.randint(1, 28)} のお知らせ"),
    ("time", lambda r: f"営業時間 {r.randint(7, 11)}:00-{r.randint(17, 22)}:30（定休日：水曜）"),
    ("price", lambda r: f"販売価格 {r.randint(1, 999)},{r.randint(0, 999):03d}円（税込）"),
    ("price", lambda r: f"¥{r.randint(1, 99)},{r.randint(0, 999):03d},{r.randint(0, 999):03d}の損失"),
    ("isbn", lambda r: f"ISBN978-4-{r.randint(10, 99)}-{r.randint(100000, 999999)}-{r.randint(0, 9)}"),
    ("jan", lambda r: f"JANコード：49{_digits(r, 11)}"),
    ("product_code", lambda r: f"型番：{r.choice(['KJ', 'ABC', 'TX', 'NW'])}-{r.randint(1000, 9999)}-{r.randint(1000, 9999)}"),
    ("year", lambda r: f"西暦{r.randint(1600, 2100)}年、昭和{r.randint(1, 64)}年の記録"),
    ("version", lambda r: f"バージョン{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 30)}にアップデート"),
    ("version", lambda r: f"ver.{r.randint(1, 9)}.{r.randint(0, 9)}.{r.randint(0, 9)}.{r.randint(0, 9)} リリース"),
    ("serial", lambda r: f"シリアル番号：{r.randint(1, 9)}{_digits(r, 3)}-{_digits(r, 4)}-{_digits(r, 4)}"),
    ("serial", lambda r: f"注文番号 {r.randint(2015, 2025)}-{_digits(r, 4)}-{_digits(r, 4)}"),
    ("serial", lambda r: f"製造番号 {_digits(r, 12)}"),
    # a valid My Number check digit without a My Number context: one serial in ten looks so
    ("serial", lambda r: f"製造番号 {my_number(r)}"),
    ("serial", lambda r: f"お問い合わせ番号：{my_number(r)}"),
    ("serial", lambda r: f"追跡番号 {_digits(r, 4)}-{_digits(r, 4)}-{_digits(r, 4)}"),
    ("serial", lambda r: f"会員番号：{r.randint(1, 9)}{_digits(r, 7)}"),
    ("serial", lambda r: f"伝票番号 {r.randint(1, 9)}{_digits(r, 3)}-{_digits(r, 4)}-{_digits(r, 4)}-{_digits(r, 4)}"),
    ("count", lambda r: f"人口は{r.randint(1, 9)},{_digits(r, 3)},{_digits(r, 3)}人（{r.randint(2000, 2024)}年）"),
    ("score", lambda r: f"試合は{r.randint(0, 9)}-{r.randint(0, 9)}で終わり、観客{r.randint(10000, 99999)}人"),
]


def build(shared_data: Path, seed: int = 7, addresses: int | None = 600, negatives: int = 400,
          per_type: int = 150) -> list[Example]:
    """The evaluation examples. `addresses=None` takes all 7,190 geolonia addresses."""
    rng = random.Random(seed)
    out: list[Example] = []

    def add(kind: str, template: str, **values: tuple[str, str]) -> None:
        ex = _fill(template, **values)
        ex.kind = kind
        out.append(ex)

    for address in warc_emails(shared_data):
        for template in EMAIL_TEMPLATES:
            add(EMAIL, template, v=(address, EMAIL))
        local, domain = address.split("@", 1)
        add(EMAIL, "お問い合わせ：{v}（★を@に変えてください）", v=(f"{local}★{domain}", EMAIL))
        add(EMAIL, "メールアドレス {v}", v=(address.translate(_FULL_WIDTH), EMAIL))
    for _ in range(per_type):
        add(PHONE, rng.choice(PHONE_TEMPLATES), v=(phone_writings(valid_phone(rng), rng), PHONE))
        number = my_number(rng)
        sep = rng.choice(["", " ", "-"])
        written = sep.join([number[:4], number[4:8], number[8:]])
        add(MY_NUMBER, rng.choice(MY_NUMBER_TEMPLATES),
            v=(written.translate(_FULL_WIDTH) if rng.random() < 0.2 else written, MY_NUMBER))
        add(CREDIT_CARD, rng.choice(CARD_TEMPLATES), v=(card_number(rng), CREDIT_CARD))
        code = f"{_digits(rng, 3)}-{_digits(rng, 4)}" if rng.random() < 0.8 else _digits(rng, 7)
        add(POSTAL_CODE, rng.choice(POSTAL_TEMPLATES), v=(code.translate(_FULL_WIDTH) if rng.random() < 0.2 else code,
                                                          POSTAL_CODE))
        add(BANK_ACCOUNT, rng.choice(BANK_TEMPLATES), v=(_digits(rng, 7), BANK_ACCOUNT),
            bank=(rng.choice(BANKS), ""), branch=(rng.choice(BRANCHES), ""))
    for _ in range(per_type // 3):
        add(BANK_ACCOUNT, "ゆうちょ銀行 記号{v}", v=(f"1{_digits(rng, 4)} 番号{_digits(rng, 7)}1", BANK_ACCOUNT))
        ipv4 = ".".join(str(rng.randint(1, 223)) for _ in range(4))
        add(IP_ADDRESS, rng.choice(IP_TEMPLATES), v=(ipv4, IP_ADDRESS))
        ipv6 = "2001:db8:" + ":".join(f"{rng.randrange(65536):x}" for _ in range(3)) + "::" + f"{rng.randrange(1, 65536):x}"
        add(IP_ADDRESS, rng.choice(IP_TEMPLATES), v=(ipv6, IP_ADDRESS))
        user = rng.choice(["admin", "app", "deploy", "taro"])
        secret = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(12))
        host = rng.choice(["db.example.co.jp", "git.example.com", "10.0.0.5:5432", "files.example.jp"])
        add(URL_CREDENTIALS, rng.choice(URL_TEMPLATES), v=(f"{user}:{secret}@{host}", URL_CREDENTIALS))

    pool = geolonia_addresses(shared_data)
    chosen = pool if addresses is None else rng.sample(pool, min(addresses, len(pool)))
    for address, has_lot in chosen:
        postal = (f"{_digits(rng, 3)}-{_digits(rng, 4)}", POSTAL_CODE)
        if not has_lot:
            template = rng.choice([t for t in PERSON_ADDRESS_TEMPLATES if "{p}" not in t])
            add("negative:address_without_lot", template, v=(address, ""))
        elif rng.random() < 0.25:
            add("negative:facility_address", rng.choice(FACILITY_ADDRESS_TEMPLATES), v=(address, ""), p=postal)
        else:
            if rng.random() < 0.2:
                address = f"{address} {rng.choice(BUILDINGS)}"  # the building and floor belong to the span
            add(ADDRESS, rng.choice(PERSON_ADDRESS_TEMPLATES), v=(address, ADDRESS), p=postal)

    for i in range(negatives):
        what, make = NEGATIVE_TEMPLATES[i % len(NEGATIVE_TEMPLATES)]
        add(f"negative:{what}", make(rng))

    for sentence in stockmark_sentences(shared_data):
        gold = [(e["span"][0], e["span"][1], PERSON) for e in sentence["entities"] if e["type"] == "人名"]
        out.append(Example(sentence["text"], gold, "carrier"))
    return out


# ---------------------------------------------------------------- scoring

def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def score(examples: list[Example], predict, entities: list[str]) -> dict[str, dict]:
    """Per entity type: tp, fp, fn, precision, recall, and char_recall (gold characters
    covered by any masked span, whatever its type: what a reader of the corpus would see)."""
    stats = {e: {"tp": 0, "fp": 0, "fn": 0, "gold_chars": 0, "covered_chars": 0} for e in entities}
    wanted = set(entities)
    for ex in examples:
        gold = [g for g in ex.gold if g[2] in wanted]
        predicted = [(s.start, s.end, s.entity) for s in predict(ex.text) if s.entity in wanted]
        used = set()
        for g in gold:
            s = stats[g[2]]
            s["gold_chars"] += g[1] - g[0]
            s["covered_chars"] += sum(1 for i in range(g[0], g[1]) if any(p[0] <= i < p[1] for p in predicted))
            match = next((k for k, p in enumerate(predicted)
                          if k not in used and p[2] == g[2] and _iou(p[:2], g[:2]) >= MIN_IOU), None)
            if match is None:
                s["fn"] += 1
            else:
                used.add(match)
                s["tp"] += 1
        for k, p in enumerate(predicted):
            if k not in used:
                stats[p[2]]["fp"] += 1
    for s in stats.values():
        s["precision"] = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
        s["recall"] = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 1.0
        s["char_recall"] = s["covered_chars"] / s["gold_chars"] if s["gold_chars"] else 1.0
    return stats


def misses(examples: list[Example], predict, entity: str, limit: int = 20) -> list[str]:
    """Texts where `entity` gold was missed or wrongly predicted: for reading, not for scoring."""
    out = []
    for ex in examples:
        predicted = [(s.start, s.end, s.entity) for s in predict(ex.text)]
        gold = [g for g in ex.gold if g[2] == entity]
        pred = [p for p in predicted if p[2] == entity]
        ok = len(gold) == len(pred) and all(any(_iou(p[:2], g[:2]) >= MIN_IOU for p in pred) for g in gold)
        if not ok:
            out.append(f"{ex.kind}: {ex.text!r} gold={[ex.text[a:b] for a, b, _ in gold]} "
                       f"pred={[ex.text[a:b] + '/' + t for a, b, t in predicted]}")
        if len(out) >= limit:
            break
    return out
