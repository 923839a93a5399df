"""ingest_code: licence matching accuracy and speed, secret scanning speed, stage throughput.

Baselines, run in the same process on the same inputs:
- licence texts: askalono (`pip install pyaskalono`), the Rust matcher cargo-deny and
  ClearlyDefined use, against our licenseclassifier-based detector;
- secrets: detect-secrets' own plugins (`pip install detect-secrets`; every plugin but the
  two high-entropy ones, which we leave out too), line by line as `detect-secrets scan` runs
  them, against our one-regex-per-type masker.

Inputs are real: the five PyPI sdists in ../shared/data/code (labels from its README),
and the licence files of the packages installed in this Python whose metadata declares a
single SPDX id (PEP 639 `License-Expression`), as a larger labelled set.

    python benchmarks/ingest_code.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import email
import glob
import os
import sys
import sysconfig
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness.timing import median_seconds  # noqa: E402
from filters.code.licence_detection import detect_licence, is_evidence_file, match_licence_text  # noqa: E402
from filters.code.secrets import find_secrets  # noqa: E402
from filters.licence.spdx import normalize  # noqa: E402

DATA = Path(os.environ.get("JACORPUS_SHARED_DATA", ROOT.parent / "shared" / "data"))
EXPECTED = {"jaconv-0.5.0": "MIT", "six-1.17.0": "MIT", "idna-3.20": "BSD-3-Clause",
            "packaging-26.3": "Apache-2.0 OR BSD-2-Clause", "Unidecode-1.4.0": "GPL-2.0-or-later"}


def median_time(fn, repeats: int) -> float:
    return median_seconds(fn, repeats, time.perf_counter)


def sdist_members(archive: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(evidence files, every text member) of one sdist, paths relative to its root."""
    evidence, texts = {}, {}
    with tarfile.open(archive) as tf:
        for m in tf:
            if not m.isfile():
                continue
            rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
            data = tf.extractfile(m).read()
            if b"\0" in data[:8000]:
                continue
            text = data.decode("utf-8", "replace")
            texts[rel] = text
            if is_evidence_file(rel):
                evidence[rel] = text
    return evidence, texts


def installed_licence_texts() -> list[tuple[str, str, str]]:
    """(package, declared SPDX id, licence text) for installed dists with one licence file."""
    out = []
    for dist in sorted(glob.glob(os.path.join(sysconfig.get_paths()["purelib"], "*.dist-info"))):
        try:
            meta = email.message_from_string(Path(dist, "METADATA").read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        declared = normalize((meta.get("License-Expression") or "").strip())
        if not declared or " " in declared:
            continue
        candidates = glob.glob(f"{dist}/licenses/*") + glob.glob(f"{dist}/LICEN[CS]E*") + glob.glob(f"{dist}/COPYING*")
        files = [f for f in candidates
                 if os.path.isfile(f) and "NOTICE" not in f.upper() and "AUTHORS" not in f.upper()]
        if len(files) == 1:
            out.append((os.path.basename(dist), declared, Path(files[0]).read_text(encoding="utf-8", errors="replace")))
    return out


def askalono_ids(text: str) -> list[str]:
    import askalono

    match = askalono.identify(text)
    return [normalize(match.name, allow_unknown_keys=True) or match.name] if match and match.score >= 0.8 else []


def bench_licences(repeats: int) -> None:
    print("== licence texts -> SPDX ids")
    try:
        import askalono  # noqa: F401
        have_askalono = True
    except ImportError:
        have_askalono = False
        print("   (askalono baseline skipped: pip install pyaskalono)")
    labelled = installed_licence_texts()
    print(f"   labelled set: {len(labelled)} licence files of installed packages with one declared SPDX id")

    def score(matcher) -> tuple[int, int, list[str]]:
        """(exact: the one declared id and nothing else, found: the declared id among the
        matches, misses). Files that bundle third-party licences can only be `found`."""
        right = found = 0
        wrong = []
        for name, declared, text in labelled:
            ids = matcher(text)
            right += ids == [declared]
            found += declared in ids
            if ids != [declared]:
                wrong.append(f"{name}: declared {declared}, got {ids}")
        return right, found, wrong

    ours = lambda text: list(match_licence_text(text).ids)  # noqa: E731
    n = max(len(labelled), 1)
    right, found, wrong = score(ours)
    t_ours = median_time(lambda: [ours(t) for _, _, t in labelled], repeats)
    print(f"   licenseclassifier: exact {right}/{len(labelled)} ({100 * right / n:.1f}%), declared id found "
          f"{found}/{len(labelled)} ({100 * found / n:.1f}%), {1000 * t_ours / n:.2f} ms/file")
    for line in wrong:
        print(f"      miss: {line}")
    if have_askalono:
        right_a, found_a, wrong_a = score(askalono_ids)
        t_a = median_time(lambda: [askalono_ids(t) for _, _, t in labelled], repeats)
        print(f"   askalono:          exact {right_a}/{len(labelled)} ({100 * right_a / n:.1f}%), declared id found "
              f"{found_a}/{len(labelled)} ({100 * found_a / n:.1f}%), {1000 * t_a / n:.2f} ms/file; "
              f"ours is {t_a / max(t_ours, 1e-9):.1f}x faster")
        for line in wrong_a:
            print(f"      miss: {line}")


def bench_sdists(repeats: int) -> dict[str, dict[str, str]]:
    print("== repository licence on the real sdists (../shared/data/code)")
    members = {}
    for name, expected in EXPECTED.items():
        evidence, texts = sdist_members(DATA / "code" / f"{name}.tar.gz")
        members[name] = texts
        result = detect_licence(evidence)
        line = f"   {name:18s} expected {expected:28s} ours {result.licence:28s} ({result.confidence:.2f})"
        try:
            import askalono  # noqa: F401

            licence_files = {k: v for k, v in evidence.items() if k.upper().startswith(("LICEN", "COPYING"))}
            found = sorted({i for v in licence_files.values() for i in askalono_ids(v)})
            line += f"  askalono on LICENSE* files: {found}"
        except ImportError:
            pass
        print(line + ("" if result.licence == expected else "  <-- MISMATCH"))
    return members


def bench_secrets(members: dict[str, dict[str, str]], repeats: int) -> None:
    print("== secret scanning on every text file of the sdists")
    texts = [t for files in members.values() for t in files.values()]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    t_ours = median_time(lambda: [find_secrets(t) for t in texts], repeats)
    found = sum(len(find_secrets(t)) for t in texts)
    print(f"   ours:           {mb / t_ours:8.2f} MB/s per core ({mb:.2f} MB, {found} secrets)")
    try:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    except ImportError:
        print("   (detect-secrets baseline skipped: pip install detect-secrets)")
        return
    plugins = [cls() for cls in get_mapping_from_secret_type_to_class().values() if "Entropy" not in cls.__name__]

    def detect_secrets_scan() -> int:
        n = 0
        for text in texts:
            for i, line in enumerate(text.splitlines(), 1):
                for plugin in plugins:
                    n += len(plugin.analyze_line(filename="x.py", line=line, line_number=i))
        return n

    t_ds = median_time(detect_secrets_scan, max(1, repeats // 2))
    print(f"   detect-secrets: {mb / t_ds:8.2f} MB/s per core ({detect_secrets_scan()} findings, "
          f"{len(plugins)} plugins); ours is {t_ds / t_ours:.1f}x faster")


def bench_stage(repeats: int) -> None:
    print("== whole stage (1 task, 1 core) on the five sdists")
    from corpus.sources.manifest import Source
    from corpus.run.stage import StageContext, run_stage
    from pipelines.ingest_code import STAGE, Options

    archives = sorted(str(p) for p in (DATA / "code").glob("*.tar.gz"))
    raw_mb = 0.0
    for a in archives:
        with tarfile.open(a) as tf:
            raw_mb += sum(m.size for m in tf if m.isfile()) / 1e6
    source = Source(name="pypi_sdists", kind="code", paths=archives)

    def once() -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            ctx = StageContext(name="ingest_code", stage_dir=Path(tmp) / "out", inputs=archives, options=Options(),
                               sources=[(source, archives)], quiet=True)
            return run_stage(STAGE, ctx)

    report = once()
    elapsed = median_time(once, repeats)
    d = report["documents"]
    print(f"   {raw_mb:.2f} MB uncompressed in {elapsed:.2f} s: {raw_mb / elapsed:.2f} MB/s per core "
          f"(in={d['in']} kept={d['kept']} excluded={d['excluded']}; includes datatrove start-up and parquet I/O)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not (DATA / "code").is_dir():
        sys.exit(f"real data not found at {DATA / 'code'}")
    import logging

    from loguru import logger

    logger.remove()
    logging.disable(logging.INFO)
    bench_licences(args.repeats)
    members = bench_sdists(args.repeats)
    bench_secrets(members, args.repeats)
    bench_stage(args.repeats)


if __name__ == "__main__":
    main()
