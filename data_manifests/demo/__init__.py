"""Demo inputs the project writes itself: a WARC, a tiny MediaWiki dump and a code tree.

Everything here is original text written for this project, so the demo needs no download
and no third-party data.
"""

from __future__ import annotations

from pathlib import Path


def make_all(out_dir: Path) -> list[Path]:
    from data_manifests.demo import code, web, wiki

    out_dir = Path(out_dir)
    made: list[Path] = []
    for kind, module in (("web", web), ("wiki", wiki), ("code", code)):
        (out_dir / kind).mkdir(parents=True, exist_ok=True)
        made.extend(module.make(out_dir / kind))
    return made
