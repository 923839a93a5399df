"""Gigabytes of WARC input for the end-to-end benchmark, from the real fixtures in ../shared/data/web.

Both real WARCs (69 Japanese pages and feeds in five charsets; a Common Crawl slice of zh, ru,
de and nl pages) are written again and again, each copy on its own hosts (`m<k>.<host>`) with
its own record ids, so that every page is a page of another site. The Japanese HTML pages of
each copy are perturbed, seeded, so that every later stage has real work:

- 20% stay exact copies of the original page (a mirror: dedup's exact pass removes them);
- 20% get one sentence more (a near copy: the MinHash pass removes them);
- 60% get about 1,500 characters of real Japanese text (sentences drawn from the KWDLC web
  leads and three Aozora novels), so they are new pages for the filter to judge, the PII
  masker to scan and dedup to keep.

Most of the Japanese fixtures are blog feeds (RSS/Atom); each of their items is treated the
same way, so the benchmark runs ingest with `extract_feeds: true`.

Text is inserted in the page's own charset (Shift_JIS, EUC-JP, ISO-2022-JP pages stay what they
were; characters it lacks become HTML character references), HTTP and WARC lengths are
rewritten and the digests of changed records dropped. One gzip member per record, as Common
Crawl writes them. Deterministic for a seed.

    python benchmarks/e2e_input.py /tmp/jacorpus_e2e/input --gb 1
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
FIXTURES = ("ja_fixture_pages_packed.warc.gz", "cc-main-2020-34_sample_non-ja.warc.gz")
FILE_BYTES = 64 << 20  # one output WARC: a task
SHARES = (0.2, 0.2)  # exact copies, near copies; the rest get new text
NEW_TEXT_CHARS = 1500
_NS = uuid.UUID("6f1c3a52-7d1e-4f0a-9a57-1d2c3b4a5e6f")


@dataclass
class Record:
    headers: list[tuple[str, str]]
    block: bytes

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def to_bytes(self) -> bytes:
        drop = {"content-length", "warc-block-digest", "warc-payload-digest"}
        lines = [f"{k}: {v}" for k, v in self.headers if k.lower() not in drop]
        lines.append(f"Content-Length: {len(self.block)}")
        return ("WARC/1.0\r\n" + "\r\n".join(lines) + "\r\n\r\n").encode() + self.block + b"\r\n\r\n"


def read_records(path: Path) -> list[Record]:
    data, records, pos = path.read_bytes(), [], 0
    while pos < len(data):
        member = zlib.decompressobj(31)
        raw = member.decompress(data[pos:])
        pos = len(data) - len(member.unused_data)
        head, _, rest = raw.partition(b"\r\n\r\n")
        headers = [tuple(line.split(": ", 1)) for line in head.decode("utf-8", "replace").split("\r\n")[1:] if ": " in line]
        length = int(next(v for k, v in headers if k.lower() == "content-length"))
        records.append(Record(headers, rest[:length]))
    return records


def sentences(data: Path = DATA, longer_than: int = 8) -> list[str]:
    """Every sentence of the real Japanese text in `data`/text (web leads, three Aozora novels)
    longer than `longer_than` characters."""
    texts = [json.loads(line)["text"] for line in
             (data / "text" / "kwdlc_web_leads.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += [(data / "text" / name).read_text(encoding="utf-8") for name in
              ("aozora_56656_tsumi-to-batsu_yonekawa.utf8.txt", "aozora_bocchan_natsume-soseki.txt",
               "aozora_lemon_kajii-motojiro.txt")]
    return [s.strip() for text in texts for s in re.split(r"(?<=[。！？])", text) if len(s.strip()) > longer_than]


def _remap_id(value: str, copy: int) -> str:
    return f"<urn:uuid:{uuid.uuid5(_NS, f'{copy}/{value}')}>"


def _rehost(uri: str, copy: int) -> str:
    return re.sub(r"^(https?://)", rf"\1m{copy}.", uri, count=1)


def _insert(html: bytes, charset: str, text: str) -> bytes | None:
    """`text` as paragraphs before </body>, in the page's charset; None if the page does not decode."""
    try:
        page = html.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None
    paragraphs = "".join(f"<p>{p}</p>\n" for p in text.split("\n") if p)
    block = f'\n<div class="article-body">\n{paragraphs}</div>\n'
    at = page.lower().rfind("</body>")
    page = page[:at] + block + page[at:] if at >= 0 else page + block
    return page.encode(charset, errors="xmlcharrefreplace")


_FEED_TEXT = re.compile(r"(<(?:description|content|summary)\b[^>]*>(?:<!\[CDATA\[)?)", re.I)


def _new_text(rng: random.Random, pool: list[str], roll: float) -> str | None:
    """None for an exact copy, one sentence for a near copy, or ~NEW_TEXT_CHARS of new text."""
    if roll < SHARES[0]:
        return None
    if roll < SHARES[0] + SHARES[1]:
        return rng.choice(pool)
    parts, size = [], 0
    while size < NEW_TEXT_CHARS:
        para = "".join(rng.choice(pool) for _ in range(4))
        parts.append(para)
        size += len(para)
    return "\n".join(parts)


def _insert_items(feed: bytes, charset: str, rng: random.Random, pool: list[str]) -> bytes | None:
    """Each item of an RSS/Atom feed (its description, content or summary) as an exact copy, a
    near copy or a new text, like the pages; None if the feed does not decode."""
    try:
        text = feed.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None

    def one(match: re.Match) -> str:
        added = _new_text(rng, pool, rng.random())
        return match.group(1) + (added.replace("\n", " ") + " " if added else "")

    return _FEED_TEXT.sub(one, text).encode(charset, errors="xmlcharrefreplace")


def perturb(record: Record, copy: int, rng: random.Random, pool: list[str]) -> Record:
    """This record as copy `copy` writes it: other host and ids; Japanese HTML maybe changed."""
    headers = []
    for key, value in record.headers:
        if key.lower() in ("warc-record-id", "warc-concurrent-to", "warc-warcinfo-id", "warc-refers-to"):
            value = _remap_id(value, copy)
        elif key.lower() == "warc-target-uri":
            value = _rehost(value, copy)
        headers.append((key, value))
    block = record.block
    charset = record.get("WARC-X-Expected-Charset")
    if record.get("WARC-Type") == "response" and charset:
        http, sep, payload = block.partition(b"\r\n\r\n")
        changed = None
        if b"content-encoding" in http.lower():
            pass  # compressed payloads stay as they are
        elif b"<html" in payload[:4096].lower():
            text = _new_text(rng, pool, rng.random())
            changed = _insert(payload, charset, text) if text else None
        elif _FEED_TEXT.search(payload[:65536].decode("latin-1")):
            changed = _insert_items(payload, charset, rng, pool)
        if changed is not None:
            http = re.sub(rb"(?im)^content-length:.*$", b"Content-Length: %d" % len(changed), http)
            block = http + sep + changed
    return Record(headers, block)


def make_input(folder: Path, total_bytes: int, seed: int = 0) -> list[Path]:
    """WARC files of FILE_BYTES each (gzip) under `folder`, at least `total_bytes` in all; reused
    when a previous call with the same size and seed wrote them."""
    folder.mkdir(parents=True, exist_ok=True)
    done = folder.parent / f"{folder.name}.json"  # beside the folder: only WARCs inside it
    wanted = {"total_bytes": total_bytes, "seed": seed, "file_bytes": FILE_BYTES}
    if done.is_file() and json.loads(done.read_text()).get("request") == wanted:
        return sorted(folder.glob("*.warc.gz"))
    for old in folder.glob("*.warc.gz"):
        old.unlink()
    fixtures = [read_records(DATA / "web" / name) for name in FIXTURES]
    pool, rng = sentences(), random.Random(seed)
    files, written, copy = [], 0, 0
    while written < total_bytes:
        path = folder / f"e2e-{len(files):05d}.warc.gz"
        size = 0
        with open(path, "wb") as f:
            while size < min(FILE_BYTES, total_bytes - written):
                for records in fixtures:
                    for record in records:
                        if record.get("WARC-Type") == "warcinfo" and size:
                            continue  # one warcinfo per file, as Common Crawl writes them
                        member = gzip.compress(perturb(record, copy, rng, pool).to_bytes(), compresslevel=6, mtime=0)
                        f.write(member)
                        size += len(member)
                copy += 1
        files.append(path)
        written += size
    done.write_text(json.dumps({"request": wanted, "bytes": written, "files": len(files), "copies": copy}))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--gb", type=float, default=1.0, help="total size of the gzip WARCs (10^9 bytes)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    files = make_input(args.folder, int(args.gb * 1e9), args.seed)
    print(f"{len(files)} files, {sum(f.stat().st_size for f in files) / 1e9:.2f} GB in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
