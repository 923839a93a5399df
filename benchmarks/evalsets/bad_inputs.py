"""Builders for the bad-input corpus: each writes one hostile input file.

The files are made by the tests, in a temporary directory, never stored in the repository.
Big inputs are cheap to make: a 100 MB line is written in 1 MiB chunks, and compression
bombs repeat one small compressed member (gzip and bzip2 both allow concatenated
members), so a gigabyte of decompressed data costs milliseconds and a few kB on disk.

Every builder returns the path it wrote. The good records inside (a Japanese page, a wiki
article) are there so a test can check that one bad record does not take its neighbours
down with it.
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
import re
import tarfile
import zipfile
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MB = 1 << 20

JA_PARAGRAPH = (
    "私たちの町の北側には、田んぼと雑木林に囲まれた小さな谷戸があります。春になると、あぜ道にはスミレやタンポポが咲き、"
    "水を張ったばかりの田んぼからはカエルの声が聞こえてきます。地元の自然観察会では、毎月第二土曜日にこの谷戸を歩き、"
    "見つけた植物や昆虫、鳥の名前を記録しています。夏の谷戸は緑が濃くなり、木陰を通る風が心地よく感じられます。"
    "小川ではメダカやヤゴが見られ、夕方にはホタルが飛び始めます。"
)


# -- WARC ---------------------------------------------------------------------------------


def ja_page(title: str = "谷戸の自然観察会", paragraphs: int = 4, charset_meta: str | None = None) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "\n".join(f"<p>{JA_PARAGRAPH}</p>" for _ in range(paragraphs))
    return (f'<!DOCTYPE html>\n<html lang="ja"><head>{meta}<title>{title}</title></head>'
            f"<body><article><h1>{title}</h1>\n{body}\n</article></body></html>\n")


def warc_response(n: int, body: bytes, content_type: str = "text/html; charset=utf-8",
                  extra_http: str = "") -> bytes:
    """One uncompressed WARC/1.0 response record with a fixed id and date (deterministic)."""
    http = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{extra_http}"
            f"Content-Length: {len(body)}\r\n\r\n").encode("ascii") + body
    head = (
        "WARC/1.0\r\n"
        "WARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-{n:012d}>\r\n"
        f"WARC-Date: 2024-05-01T09:00:{n % 60:02d}Z\r\n"
        f"WARC-Target-URI: https://bad-inputs.example.jp/page/{n}\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    ).encode("ascii")
    return head + http + b"\r\n\r\n"


def write_warc_gz(path: Path, records: list[bytes]) -> Path:
    """One gzip member per record, as Common Crawl writes them (mtime 0: deterministic)."""
    with open(path, "wb") as f:
        f.writelines(gzip.compress(record, mtime=0) for record in records)
    return path


def good_records(start: int = 0, count: int = 2) -> list[bytes]:
    return [warc_response(start + i, ja_page(f"谷戸の自然観察会 その{start + i}").encode()) for i in range(count)]


def truncated_warc_gz(path: Path) -> Path:
    """Two good records, then a third cut in the middle of its gzip member."""
    whole = [gzip.compress(r, mtime=0) for r in good_records(0, 3)]
    path.write_bytes(whole[0] + whole[1] + whole[2][: len(whole[2]) // 2])
    return path


def warc_cut_mid_record(path: Path) -> Path:
    """An uncompressed WARC whose second record ends halfway through its payload."""
    first, second = good_records(10, 2)
    path.write_bytes(first + second[: len(second) // 2])
    return path


def zero_byte(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def utf8_claimed_sjis_warc(path: Path) -> Path:
    """A page whose HTTP header and <meta> both say UTF-8 but whose bytes are Shift_JIS."""
    html = ja_page("文字コードの誤った宣言", charset_meta="utf-8").encode("shift_jis")
    return write_warc_gz(path, [warc_response(20, html, "text/html; charset=utf-8")])


def nul_bytes_warc(path: Path) -> Path:
    """Two pages with NUL bytes: one at the very start (a binary sniff sees it), one after
    the first KiB, inside the prose (only the text itself shows it)."""
    early = b"\x00\x00" + ja_page("NUL が先頭にあるページ").encode()
    html = ja_page("NUL が本文にあるページ", paragraphs=6)
    late = (html[:1500] + "\x00" + html[1500:]).encode()
    return write_warc_gz(path, [warc_response(30, early), warc_response(31, late)])


def long_line_warc(path: Path, size: int = 100 * MB) -> Path:
    """One response whose HTML is a single `size`-byte line (no newline), gzip-compressed
    in streaming chunks so the 100 MB never sits in memory."""
    prefix = b'<!DOCTYPE html><html lang="ja"><head><title>\xe4\xb8\x80\xe8\xa1\x8c</title></head><body><p>'
    suffix = b"</p></body></html>"
    unit = "ああいいうう".encode() * 1000
    fill = size - len(prefix) - len(suffix)
    http_head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                 f"Content-Length: {size}\r\n\r\n").encode()
    block = len(http_head) + size
    warc_head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        "WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000040>\r\n"
        "WARC-Date: 2024-05-01T09:00:40Z\r\nWARC-Target-URI: https://bad-inputs.example.jp/long-line\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {block}\r\n\r\n"
    ).encode()
    with open(path, "wb") as raw:
        raw.write(gzip.compress(good_records(41, 1)[0], mtime=0))
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz:
            gz.write(warc_head + http_head + prefix)
            while fill > 0:
                piece = unit[: min(len(unit), fill)]
                gz.write(piece)
                fill -= len(piece)
            gz.write(suffix + b"\r\n\r\n")
    return path


def gzip_bomb(path: Path, decompressed: int = 1 << 30) -> Path:
    """`decompressed` bytes of zeros behind a few kB: one 16 MiB member repeated."""
    member = gzip.compress(b"\0" * (16 * MB), compresslevel=9, mtime=0)
    with open(path, "wb") as f:
        f.writelines(member for _ in range(max(1, decompressed // (16 * MB))))
    return path


def bz2_warc(path: Path) -> Path:
    """A WARC compressed with bzip2 (fastwarc reads gzip, zstd and lz4 only), cut short too."""
    data = bz2.compress(b"".join(good_records(50, 2)))
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


# -- MediaWiki dumps ----------------------------------------------------------------------

WIKI_HEADER = (
    '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="ja">\n'
    "  <siteinfo><sitename>Wikipedia</sitename><dbname>jawiki</dbname>"
    "<base>https://ja.wikipedia.org/wiki/Main</base><generator>MediaWiki 1.42</generator></siteinfo>\n"
)
WIKI_FOOTER = "</mediawiki>\n"


def wiki_page(page_id: int, title: str, text: str, ns: int = 0) -> str:
    return (
        f"  <page>\n    <title>{title}</title>\n    <ns>{ns}</ns>\n    <id>{page_id}</id>\n"
        f"    <revision>\n      <id>{page_id * 10}</id>\n      <timestamp>2024-01-01T00:00:00Z</timestamp>\n"
        f"      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
        f'      <text bytes="{len(text.encode())}" xml:space="preserve">{text}</text>\n'
        f"    </revision>\n  </page>\n"
    )


def good_wiki_pages(start: int, count: int = 2) -> str:
    return "".join(wiki_page(start + i, f"谷戸 {start + i}", f"'''谷戸'''は、{JA_PARAGRAPH}") for i in range(count))


def wiki_dump(pages: str, footer: bool = True) -> bytes:
    return (WIKI_HEADER + pages + (WIKI_FOOTER if footer else "")).encode("utf-8")


def truncated_wiki_bz2(path: Path) -> Path:
    """A bzip2 dump of three articles, cut inside the compressed stream."""
    data = bz2.compress(wiki_dump(good_wiki_pages(100, 3)))
    path.write_bytes(data[: len(data) * 3 // 4])
    return path


def truncated_wiki_gz(path: Path) -> Path:
    """A gzip dump cut in the middle of its third article. Each page is flushed (Z_FULL_FLUSH)
    as it is compressed, so the bytes before the cut hold the first two articles whole."""
    co = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip member
    parts = [co.compress(WIKI_HEADER.encode()) + co.flush(zlib.Z_FULL_FLUSH)]
    for i in range(3):
        parts.append(co.compress(good_wiki_pages(110 + i, 1).encode()) + co.flush(zlib.Z_FULL_FLUSH))
    parts.append(co.compress(WIKI_FOOTER.encode()) + co.flush())
    path.write_bytes(b"".join(parts[:3]) + parts[3][: len(parts[3]) // 2])
    return path


def invalid_xml_wiki(path: Path) -> Path:
    """Between two good articles: an unclosed element, an undefined entity, a NUL byte
    (not allowed anywhere in XML 1.0), and a page never closed before the next one."""
    broken = [
        ("  <page>\n    <title>閉じないタグ</title>\n    <ns>0</ns>\n    <id>121</id>\n"
         "    <revision><id>1210</id><text>本文<b>太字</text></revision>\n  </page>\n"),
        wiki_page(122, "未定義の実体", "本文 &undefinedentity; です"),
        wiki_page(123, "NUL", "本文\x00です"),
        "  <page>\n    <title>閉じないページ</title>\n    <ns>0</ns>\n    <id>124</id>\n",
    ]
    path.write_bytes(wiki_dump(good_wiki_pages(120, 1) + "".join(broken) + good_wiki_pages(125, 1)))
    return path


def non_utf8_wiki(path: Path) -> Path:
    """A dump that (as every dump) is UTF-8 by XML's default, with one page in Shift_JIS."""
    sjis = wiki_page(131, "シフトJIS", f"'''谷戸'''は、{JA_PARAGRAPH}").encode("shift_jis")
    path.write_bytes(WIKI_HEADER.encode() + good_wiki_pages(130, 1).encode() + sjis
                     + good_wiki_pages(132, 1).encode() + WIKI_FOOTER.encode())
    return path


def long_line_wiki(path: Path, size: int = 100 * MB) -> Path:
    """A gzip dump with one article whose text is a single `size`-byte line between two good
    ones, compressed while it is written (a few hundred kB on disk)."""
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(WIKI_HEADER.encode() + good_wiki_pages(140, 1).encode())
        f.write(b"  <page>\n    <title>\xe4\xb8\x80\xe8\xa1\x8c</title>\n    <ns>0</ns>\n    <id>141</id>\n"
                b"    <revision><id>1410</id><text>")
        unit = "谷戸".encode() * (MB // 6)
        left = size
        while left > 0:
            f.write(unit[:left])
            left -= len(unit)
        f.write(b"</text></revision>\n  </page>\n" + good_wiki_pages(142, 1).encode() + WIKI_FOOTER.encode())
    return path


def bz2_bomb(path: Path, decompressed: int = 1 << 30) -> Path:
    """`decompressed` bytes of one repeated character, as concatenated bzip2 streams."""
    stream = bz2.compress(b"a" * (16 * MB), compresslevel=9)
    with open(path, "wb") as f:
        f.writelines(stream for _ in range(max(1, decompressed // (16 * MB))))
    return path


# -- code trees and archives -------------------------------------------------------------

MIT = (
    "MIT License\n\nCopyright (c) 2024 Bad Inputs\n\n"
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated "
    "documentation files (the \"Software\"), to deal in the Software without restriction, including without limitation "
    "the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to "
    "permit persons to whom the Software is furnished to do so, subject to the following conditions:\n\n"
    "The above copyright notice and this permission notice shall be included in all copies or substantial portions of "
    "the Software.\n\n"
    "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO "
    "THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE "
    "AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, "
    "TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE "
    "SOFTWARE.\n"
)
GOOD_PY = '"""かなを数える小さな道具。"""\n\n\ndef count_kana(text: str) -> int:\n    return sum(1 for c in text if "\\u3040" <= c <= "\\u30ff")\n'


def code_tree(root: Path, long_line: int = 100 * MB) -> Path:
    """A repository with an MIT LICENSE, one good file and the bad ones: zero bytes, NUL
    bytes, Latin-1 and Shift_JIS (not UTF-8), and a `long_line`-byte single line."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "LICENSE").write_text(MIT)
    (root / "kana.py").write_text(GOOD_PY, encoding="utf-8")
    (root / "empty.py").write_bytes(b"")
    (root / "nul.py").write_bytes(b"def f():\n    return 1\n\x00\x00\x00\n")
    (root / "latin1.py").write_bytes('# caf\u00e9 na\u00efve \u00fcber\nx = "\u00e9t\u00e9"\n'.encode("latin-1"))
    (root / "sjis.py").write_bytes('# かなを数える\nLABEL = "ひらがな"\n'.encode("shift_jis"))
    with open(root / "one_line.js", "wb") as f:
        unit = b"var a=1;" * (MB // 8)
        left = long_line
        while left > 0:
            f.write(unit[:left])
            left -= len(unit)
    return root


def _tar_bytes(members: list[tuple[tarfile.TarInfo, bytes | None]], mode: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.mtime = 0
    return info, data


def _sdist_members(prefix: str) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    return [_file(f"{prefix}/LICENSE", MIT.encode()), _file(f"{prefix}/kana.py", GOOD_PY.encode()),
            _file(f"{prefix}/more.py", ("x = 1\n" * 20000).encode())]


def truncated_tar(path: Path, mode: str, prefix: str = "pkg-1.0") -> Path:
    """An sdist-like tarball (`w:gz` or `w:bz2`) cut halfway through its compressed bytes."""
    data = _tar_bytes(_sdist_members(prefix), mode)
    path.write_bytes(data[: len(data) // 2])
    return path


def traversal_tar(path: Path, prefix: str = "pkg") -> Path:
    """A tar.gz whose members climb out (`../`), are absolute, or are links to /etc/passwd."""
    link = tarfile.TarInfo(f"{prefix}/passwd_link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    hard = tarfile.TarInfo(f"{prefix}/hard_link")
    hard.type, hard.linkname = tarfile.LNKTYPE, "../../etc/passwd"
    members = [
        _file(f"{prefix}/LICENSE", MIT.encode()), _file(f"{prefix}/kana.py", GOOD_PY.encode()),
        _file(f"{prefix}/../../escaped_by_tar.py", b"print('escaped')\n"),
        _file("/tmp/absolute_by_tar.py", b"print('absolute')\n"),
        (link, None), (hard, None),
    ]
    path.write_bytes(_tar_bytes(members, "w:gz"))
    return path


def traversal_zip(path: Path, prefix: str = "pkg") -> Path:
    """A zip with `../` and absolute member names, a Windows drive path and a symlink."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{prefix}/LICENSE", MIT)
        zf.writestr(f"{prefix}/kana.py", GOOD_PY)
        zf.writestr("../../escaped_by_zip.py", "print('escaped')\n")
        zf.writestr("/tmp/absolute_by_zip.py", "print('absolute')\n")
        zf.writestr("C:\\evil\\drive.py", "print('drive')\n")
        link = zipfile.ZipInfo(f"{prefix}/passwd_link")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    return path


def zip_bomb(path: Path, decompressed: int = 256 * MB) -> Path:
    """One member of `decompressed` zero bytes, deflated to about 1/1000 of that."""
    chunk = b"\0" * (16 * MB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, \
            zf.open("bomb/zeros.py", "w", force_zip64=True) as member:
        for _ in range(decompressed // len(chunk)):
            member.write(chunk)
    return path


def lying_zip(path: Path, declared: int = 100) -> Path:
    """A zip whose member headers declare `declared` bytes but inflate to 8 MiB: a bomb
    that hides from the ratio check. Both the local and the central header are patched."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("liar/LICENSE", MIT)
        zf.writestr("liar/zeros.py", b"\0" * (8 * MB))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("liar/zeros.py")
    local = info.header_offset
    data[local + 22: local + 26] = declared.to_bytes(4, "little")  # local header: uncompressed size
    name = b"liar/zeros.py"
    pos = 0
    while True:
        central = data.find(b"PK\x01\x02", pos)
        if central < 0:
            break
        name_len = int.from_bytes(data[central + 28: central + 30], "little")
        if bytes(data[central + 46: central + 46 + name_len]) == name:
            data[central + 24: central + 28] = declared.to_bytes(4, "little")
            break
        pos = central + 4
    path.write_bytes(bytes(data))
    return path


# -- parquet shards (filter, dedup, tokenize) ---------------------------------------------


def shard(path: Path, docs: list[tuple[str, str]], source: str = "web", licence: str = "CC-BY-4.0") -> Path:
    """A parquet shard of our schema holding (id, text) documents of one source."""
    from datatrove.data import Document

    from corpus.formats.schema import SCHEMA, document_to_row

    rows = [document_to_row(Document(text=text, id=doc_id, metadata={"source": source, "licence": licence,
                                                                        "url": f"https://example.jp/{doc_id}"}))
            for doc_id, text in docs]
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    return path


def truncated_parquet(path: Path) -> Path:
    full = shard(path, [(f"web/trunc{i}", JA_PARAGRAPH * 3) for i in range(20)])
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def foreign_parquet(path: Path) -> Path:
    """A parquet file that is not one of our shards (no text/id/metadata columns)."""
    pq.write_table(pa.table({"a": [1, 2, 3], "b": ["x", "y", "z"]}), path)
    return path


# -- the well-formed inputs hostile runs start from -------------------------------------------

def licensed_tree(root: Path) -> Path:
    """A two-file MIT-licensed source tree, `root/d`."""
    tree = root / "d"
    tree.mkdir(parents=True)
    (tree / "LICENSE").write_text("MIT License\n\nPermission is hereby granted, free of charge\n")
    (tree / "main.py").write_text("def main():\n    return 1\n")
    return tree


def git_repo(root: Path) -> tuple[Path, str]:
    """A one-commit git repository, `root/repo`, and its commit id."""
    import subprocess

    repo = root / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "LICENSE").write_text("MIT License\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                    "commit", "-qm", "init"], check=True)
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    return repo, commit


# -- one folder of bad inputs per stage (the tests and benchmarks/reliability.py use these) --

WIKI_TEXT = "'''谷戸'''は、" + JA_PARAGRAPH


def web_corpus(folder: Path) -> list[Path]:
    """Good WARC records next to every hostile WARC input, one file each."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_warc_gz(folder / "good.warc.gz", good_records(60, 2)),
        truncated_warc_gz(folder / "truncated.warc.gz"),
        warc_cut_mid_record(folder / "cut_mid_record.warc"),
        zero_byte(folder / "zero_bytes.warc.gz"),
        utf8_claimed_sjis_warc(folder / "utf8_claimed_shift_jis.warc.gz"),
        nul_bytes_warc(folder / "nul_bytes.warc.gz"),
        long_line_warc(folder / "one_line_100mb.warc.gz"),
        gzip_bomb(folder / "gzip_bomb_1gb.warc.gz"),
        bz2_warc(folder / "bzip2_truncated.warc.bz2"),
    ]


def wiki_corpus(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    good = folder / "good.xml"
    good.write_bytes(wiki_dump(good_wiki_pages(1, 2)))
    return [
        good,
        truncated_wiki_bz2(folder / "truncated.xml.bz2"),
        truncated_wiki_gz(folder / "truncated.xml.gz"),
        zero_byte(folder / "zero_bytes.xml.bz2"),
        zero_byte(folder / "zero_bytes.xml"),
        invalid_xml_wiki(folder / "invalid.xml"),
        non_utf8_wiki(folder / "shift_jis_page.xml"),
        long_line_wiki(folder / "one_line_100mb.xml.gz"),
        bz2_bomb(folder / "bz2_bomb_1gb.xml.bz2"),
    ]


def code_corpus(folder: Path) -> list[Path]:
    """A source tree with bad files, and hostile archives; each has its own repository name."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        code_tree(folder / "tree"),
        truncated_tar(folder / "truncated.tar.gz", "w:gz", prefix="trunc_gz"),
        truncated_tar(folder / "truncated.tar.bz2", "w:bz2", prefix="trunc_bz2"),
        zero_byte(folder / "zero_bytes.zip"),
        zero_byte(folder / "zero_bytes.tar.gz"),
        traversal_tar(folder / "traversal.tar.gz", prefix="traversal_tar"),
        traversal_zip(folder / "traversal.zip", prefix="traversal_zip"),
        lying_zip(folder / "liar.zip"),
        zip_bomb(folder / "zip_bomb_256mb.zip"),
    ]


def shard_corpus(folder: Path, foreign: bool = True) -> list[Path]:
    """Parquet inputs of filter, dedup and tokenize: good articles, odd texts (NUL bytes,
    control characters, empty), a zero-byte and a truncated file, and (`foreign`) a parquet
    file that is not one of our shards."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [
        shard(folder / "good.parquet", [(f"wiki/good{i}", f"{i}番目の記事。{WIKI_TEXT}") for i in range(3)],
              source="wiki", licence="CC-BY-SA-4.0"),
        shard(folder / "odd.parquet", [
            ("web/nul", (JA_PARAGRAPH + "\x00\n") * 2),
            ("web/empty", ""),
            ("web/control", "\x01\x02\x1b[31m" + JA_PARAGRAPH),
        ]),
        zero_byte(folder / "zero_bytes.parquet"),
        truncated_parquet(folder / "truncated.parquet"),
    ]
    if foreign:
        files.append(foreign_parquet(folder / "foreign.parquet"))
    return files


def sentencepiece_model(folder: Path) -> Path:
    """A tiny SentencePiece model for the tokenize stage (trained in well under a second)."""
    import sentencepiece as spm

    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(JA_PARAGRAPH.split("。")) * 3, encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(folder / "tiny"), vocab_size=200,
                                   hard_vocab_limit=False, character_coverage=1.0, minloglevel=2)
    return folder / "tiny.model"


# -- records that hide other records, names in other encodings, ids that repeat ----------


def warc_records(path: Path) -> list[bytes]:
    """The uncompressed records of a gzip-per-record WARC (a real one, to build variants of)."""
    data, out, pos = path.read_bytes(), [], 0
    while pos < len(data):
        member = zlib.decompressobj(31)
        out.append(member.decompress(data[pos:]))
        pos = len(data) - len(member.unused_data)
    return out


def overstate_content_length(record: bytes, extra: int) -> bytes:
    """`record` with its WARC Content-Length raised by `extra` bytes (the block itself unchanged)."""
    head_end = record.index(b"\r\n\r\n")
    head = record[:head_end]
    start = head.lower().index(b"\r\ncontent-length:") + len(b"\r\ncontent-length:")
    stop = head.index(b"\r\n", start) if b"\r\n" in head[start:] else len(head)
    declared = int(head[start:stop])
    return head[:start] + b" " + str(declared + extra).encode() + head[stop:] + record[head_end:]


def swallowing_warc(path: Path, records: list[bytes], liar: int = 1, gzipped: bool = True) -> Path:
    """A WARC whose record `liar` claims a Content-Length of its block + 4 + the whole next
    record, so a reader that trusts it reads the next record as part of this one's payload."""
    records = list(records)
    records[liar] = overstate_content_length(records[liar], 4 + len(records[liar + 1]))
    if gzipped:
        return write_warc_gz(path, records)
    path.write_bytes(b"".join(records))
    return path


def duplicate_record_id_warc(path: Path) -> Path:
    """Two different pages under one WARC-Record-ID, and a third page after them."""
    first = warc_response(70, ja_page("同じ記録 ID その一").encode())
    second = warc_response(71, ja_page("同じ記録 ID その二").encode()).replace(b"-000000000071>", b"-000000000070>")
    return write_warc_gz(path, [first, second, warc_response(72, ja_page("別の記録").encode())])


def iso2022_claimed_utf8_warc(path: Path, html: bytes | None = None) -> Path:
    """A page in ISO-2022-JP (7-bit, so valid UTF-8 too) whose HTTP header and <meta> say UTF-8."""
    html = html if html is not None else ja_page("文字コードの誤った宣言", charset_meta="utf-8").encode("iso2022_jp")
    return write_warc_gz(path, [warc_response(80, html, "text/html; charset=utf-8")])


def duplicate_page_id_dump(path: Path) -> Path:
    """A dump with two different articles under one <id>, between two good ones."""
    pages = (good_wiki_pages(150, 1) + wiki_page(151, "同じ ID その一", WIKI_TEXT)
             + wiki_page(151, "同じ ID その二", "'''別の記事'''は、" + JA_PARAGRAPH) + good_wiki_pages(152, 1))
    path.write_bytes(wiki_dump(pages))
    return path


def warcs_sharing_record_id(folder: Path, real_warc: Path, files: int = 2) -> list[Path]:
    """`files` WARC files of real pages (the Nikkei, AFPBB, 福娘童話集, Yahoo!ニュース and NHK
    Easy responses of ja_fixture_pages_packed.warc.gz, two a file), the first page of every
    file under the WARC-Record-ID of the first file's first page: one id, different pages."""
    responses = [r for r in warc_records(real_warc) if b"WARC-Type: response" in r[:r.index(b"\r\n\r\n")]]
    pages = [responses[i] for i in (0, 1, 3, 4, 5)]
    shared = re.search(rb"WARC-Record-ID: (<[^>]*>)", pages[0]).group(1)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(files):
        chunk = pages[2 * i:2 * i + 2]
        chunk[0] = re.sub(rb"WARC-Record-ID: <[^>]*>", b"WARC-Record-ID: " + shared, chunk[0], count=1)
        out.append(write_warc_gz(folder / f"crawl-{i}.warc.gz", chunk))
    return out


def dumps_sharing_page_ids(folder: Path, real_dump: Path, pages: int = 3) -> list[Path]:
    """Two dumps of the first `pages` articles of a real jawiki dump, as two dump dates would
    hold them: the same page ids, the later dump's text cut to its first half."""
    text = bz2.open(real_dump).read().decode("utf-8")
    header = text[:text.index("  <page>")]
    articles = [p for p in ("  <page>" + chunk for chunk in text.split("  <page>")[1:])
                if "<ns>0</ns>" in p and "<redirect" not in p][:pages]
    articles = [p[:p.index("</page>") + len("</page>")] + "\n" for p in articles]

    def revised(page: str) -> str:
        start = page.index(">", page.index("<text")) + 1
        end = page.index("</text>")
        body = page[start:end]
        cut = body.rfind("\n", 0, len(body) // 2)
        return page[:start] + body[:cut if cut > 0 else len(body) // 2] + page[end:]

    folder.mkdir(parents=True, exist_ok=True)
    older, later = folder / "jawiki-20220701.xml", folder / "jawiki-20240701.xml"
    older.write_text(header + "".join(articles) + WIKI_FOOTER, encoding="utf-8")
    later.write_text(header + "".join(map(revised, articles)) + WIKI_FOOTER, encoding="utf-8")
    return [older, later]


def jsonl_sharing_ids(folder: Path, real_jsonl: Path, files: int = 2, per_file: int = 4) -> list[Path]:
    """`files` jsonl exports of real lines (kwdlc_web_leads.jsonl), each numbering its records
    from "0", as separate exports do: the same `id` values, different texts."""
    import json

    with open(real_jsonl, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(files * per_file), f)]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(files):
        path = folder / f"export-{i}.jsonl"
        path.write_text("".join(json.dumps({"id": str(j), "text": texts[i * per_file + j]}, ensure_ascii=False) + "\n"
                                for j in range(per_file)), encoding="utf-8")
        out.append(path)
    return out


def unclosed_template_dump(path: Path, repeats: int = 200_000) -> Path:
    """One article of `"{{a|" * repeats` (800 kB at the default) between two good ones:
    mwparserfromhell's time grows about quadratically with unclosed templates."""
    pages = good_wiki_pages(160, 1) + wiki_page(161, "閉じないテンプレート", "{{a|" * repeats) + good_wiki_pages(162, 1)
    path.write_bytes(wiki_dump(pages))
    return path


def _license_and_code(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "LICENSE").write_text(MIT)
    (root / "kana.py").write_text(GOOD_PY, encoding="utf-8")
    return root


OUTSIDE_SECRET = "LEAKED = 'this line lives outside the input tree'\n"


def outside_secret(folder: Path) -> Path:
    """A file outside every input tree that hostile links point at."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "secret.py").write_text(OUTSIDE_SECRET)
    return folder / "secret.py"


def git_escape_checkouts(folder: Path, secret: Path) -> list[Path]:
    """Checkouts whose git metadata reaches outside the tree: HEAD `ref: ../../..` to the
    secret, HEAD a symlink to it, HEAD a symlink to /dev/zero (never ends), HEAD a FIFO
    (blocks an open), refs/ a symlinked folder, and a 10 MB HEAD."""
    made, secret = [], secret.resolve()

    def checkout(name: str) -> Path:
        root = _license_and_code(folder / name)
        (root / ".git").mkdir()
        made.append(root)
        return root / ".git"

    depth = len(folder.parts) + 3
    (checkout("ref_climbs_out") / "HEAD").write_text("ref: " + "../" * depth + str(secret).lstrip("/") + "\n")
    (checkout("head_symlink") / "HEAD").symlink_to(secret)
    (checkout("head_dev_zero") / "HEAD").symlink_to("/dev/zero")
    os.mkfifo(checkout("head_fifo") / "HEAD")
    git = checkout("refs_symlinked")
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs").symlink_to(secret.parent, target_is_directory=True)
    (checkout("head_huge") / "HEAD").write_bytes(b"0" * (10 * MB))
    return made


def linked_tree(root: Path, secret: Path) -> Path:
    """A tree with a hardlink to a file outside it, two hardlinked files inside it, a FIFO
    and a symlink to a folder outside it."""
    secret = secret.resolve()
    _license_and_code(root)
    os.link(secret, root / "hard_outside.py")
    (root / "inside_a.py").write_text("A = 1\n")
    os.link(root / "inside_a.py", root / "inside_b.py")
    os.mkfifo(root / "pipe.py")
    (root / "linked_dir").symlink_to(secret.parent, target_is_directory=True)
    return root


JA_NAME = "日本語.py"


def cp932_named_tar(path: Path, prefix: str = "sjis_names") -> Path:
    """An sdist-like tar (GNU format, as old Windows tools write) whose member names are cp932 bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT, encoding="cp932") as tf:
        for name, data in ((f"{prefix}/LICENSE", MIT.encode()), (f"{prefix}/{JA_NAME}", GOOD_PY.encode())):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tf.addfile(info, io.BytesIO(data))
    path.write_bytes(gzip.compress(buf.getvalue(), mtime=0))
    return path


def cp932_named_zip(path: Path, prefix: str = "sjis_zip") -> Path:
    """A zip whose member name is cp932 bytes without the UTF-8 flag (Windows Explorer's zips)."""
    raw = f"{prefix}/{JA_NAME}".encode("cp932")
    stand_in = f"{prefix}/".encode() + b"X" * (len(raw) - len(prefix) - 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{prefix}/LICENSE", MIT)
        zf.writestr(stand_in.decode("ascii"), GOOD_PY)
    path.write_bytes(path.read_bytes().replace(stand_in, raw))
    return path


def non_utf8_named_tree(root: Path) -> Path:
    """A tree with a file named in cp932 and one whose name is no encoding at all (`bad\\xffname.py`)."""
    _license_and_code(root)
    base = os.fsencode(root)
    with open(os.path.join(base, JA_NAME.encode("cp932")), "wb") as f:
        f.write(GOOD_PY.encode())
    with open(os.path.join(base, b"bad\xffname.py"), "wb") as f:
        f.write(b"X = 1\n")
    return root


LEAKED_AWS_SECRET = "lbqlNh3FW5/3AwnBoWsYIJam9w2Us4ZOH5Un8RyR"  # made up, in gitleaks' sample shape


def leaked_secrets_tree(root: Path) -> Path:
    """An MIT repository whose settings.py sets an AWS secret the three ways that used to
    stay unmasked: an environ item, a setdefault default and a dict entry."""
    _license_and_code(root)
    (root / "settings.py").write_text(
        "import os\n\n"
        f'os.environ["AWS_SECRET_ACCESS_KEY"] = "{LEAKED_AWS_SECRET}"\n'
        f'os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "{LEAKED_AWS_SECRET}")\n'
        f'CREDENTIALS = {{"secret_access_key": "{LEAKED_AWS_SECRET}"}}\n'
    )
    return root
