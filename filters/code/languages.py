"""File name -> language, the way The Stack assigned languages: by extension.

The table follows GitHub Linguist's `languages.yml` (the mapping The Stack v1 used, see
bigcode-dataset `language_selection/`), cut down to languages one meets in practice.
Categories decide what the file filter does with a file by default: `programming` and
`markup` are kept, `data` files (JSON, YAML, CSV...) are dropped as `data_file`, `prose`
(plain text) is dropped as `language_not_allowed`. Files whose name Linguist knows
without an extension (Makefile, Dockerfile) are matched by name.
"""

from __future__ import annotations

import posixpath

PROGRAMMING = "programming"
MARKUP = "markup"
DATA = "data"
PROSE = "prose"

_BY_EXTENSION: dict[str, tuple[str, str]] = {}
_BY_NAME: dict[str, tuple[str, str]] = {}


def _add(language: str, category: str, *exts: str, names: tuple[str, ...] = ()) -> None:
    for ext in exts:
        _BY_EXTENSION[ext] = (language, category)
    for name in names:
        _BY_NAME[name.lower()] = (language, category)


_add("Python", PROGRAMMING, ".py", ".pyi", ".pyw")
_add("Cython", PROGRAMMING, ".pyx", ".pxd", ".pxi")
_add("JavaScript", PROGRAMMING, ".js", ".mjs", ".cjs", ".jsx")
_add("TypeScript", PROGRAMMING, ".ts", ".tsx", ".mts", ".cts")
_add("Java", PROGRAMMING, ".java")
_add("Kotlin", PROGRAMMING, ".kt", ".kts")
_add("Scala", PROGRAMMING, ".scala", ".sc")
_add("Groovy", PROGRAMMING, ".groovy", ".gradle")
_add("C", PROGRAMMING, ".c", ".h")
_add("C++", PROGRAMMING, ".cc", ".cpp", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tpp")
_add("C#", PROGRAMMING, ".cs")
_add("Objective-C", PROGRAMMING, ".m", ".mm")
_add("Go", PROGRAMMING, ".go")
_add("Rust", PROGRAMMING, ".rs")
_add("Swift", PROGRAMMING, ".swift")
_add("Ruby", PROGRAMMING, ".rb", ".rake", ".gemspec", names=("Rakefile", "Gemfile"))
_add("PHP", PROGRAMMING, ".php")
_add("Perl", PROGRAMMING, ".pl", ".pm", ".t")
_add("Lua", PROGRAMMING, ".lua")
_add("R", PROGRAMMING, ".r", ".R")
_add("Julia", PROGRAMMING, ".jl")
_add("Haskell", PROGRAMMING, ".hs", ".lhs")
_add("OCaml", PROGRAMMING, ".ml", ".mli")
_add("F#", PROGRAMMING, ".fs", ".fsi", ".fsx")
_add("Elixir", PROGRAMMING, ".ex", ".exs")
_add("Erlang", PROGRAMMING, ".erl", ".hrl")
_add("Clojure", PROGRAMMING, ".clj", ".cljs", ".cljc", ".edn")
_add("Dart", PROGRAMMING, ".dart")
_add("Zig", PROGRAMMING, ".zig")
_add("Nim", PROGRAMMING, ".nim")
_add("Fortran", PROGRAMMING, ".f", ".f90", ".f95", ".f03", ".for")
_add("Visual Basic .NET", PROGRAMMING, ".vb")
_add("Shell", PROGRAMMING, ".sh", ".bash", ".zsh", ".ksh")
_add("PowerShell", PROGRAMMING, ".ps1", ".psm1")
_add("Batchfile", PROGRAMMING, ".bat", ".cmd")
_add("SQL", PROGRAMMING, ".sql")
_add("Vue", PROGRAMMING, ".vue")
_add("Svelte", PROGRAMMING, ".svelte")
_add("CMake", PROGRAMMING, ".cmake", names=("CMakeLists.txt",))
_add("Makefile", PROGRAMMING, ".mk", ".mak", names=("Makefile", "GNUmakefile", "makefile"))
_add("Dockerfile", PROGRAMMING, ".dockerfile", names=("Dockerfile", "Containerfile"))
_add("Emacs Lisp", PROGRAMMING, ".el")
_add("Vim Script", PROGRAMMING, ".vim")
_add("Assembly", PROGRAMMING, ".asm", ".s", ".S")
_add("CUDA", PROGRAMMING, ".cu", ".cuh")
_add("Protocol Buffer", PROGRAMMING, ".proto")
_add("HTML", MARKUP, ".html", ".htm", ".xhtml")
_add("CSS", MARKUP, ".css")
_add("SCSS", MARKUP, ".scss", ".sass", ".less")
_add("Markdown", MARKUP, ".md", ".markdown")
_add("reStructuredText", MARKUP, ".rst")
_add("TeX", MARKUP, ".tex", ".sty", ".cls")
_add("JSON", DATA, ".json", ".jsonl", ".geojson", ".ipynb")
_add("YAML", DATA, ".yaml", ".yml")
_add("TOML", DATA, ".toml")
_add("XML", DATA, ".xml", ".xsd", ".xsl", ".plist", ".svg")
_add("INI", DATA, ".ini", ".cfg", ".conf", ".properties")
_add("CSV", DATA, ".csv", ".tsv")
_add("Text", PROSE, ".txt")

LANGUAGES: dict[str, str] = {lang: cat for lang, cat in (*_BY_EXTENSION.values(), *_BY_NAME.values())}
"""Every language the table knows, with its category."""

DEFAULT_LANGUAGES: tuple[str, ...] = tuple(
    sorted(lang for lang, cat in LANGUAGES.items() if cat in (PROGRAMMING, MARKUP))
)


def language_of(path: str) -> tuple[str | None, str | None]:
    """(language, category) of a file path, or (None, None) when the table does not know it."""
    name = posixpath.basename(path)
    hit = _BY_NAME.get(name.lower())
    if hit:
        return hit
    _, ext = posixpath.splitext(name)
    if not ext:
        return None, None
    return _BY_EXTENSION.get(ext) or _BY_EXTENSION.get(ext.lower()) or (None, None)
