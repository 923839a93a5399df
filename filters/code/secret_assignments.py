"""Secrets known by the name they are assigned to: `password = "..."`, `api_key: ...`.

One shape covers the syntaxes code and config files use to bind a value to a name (the
list gitleaks 8 tests every rule against, `GenerateSampleSecrets`): `name = "v"`,
`name: v`, `"name": "v"`, `name := "v"`, `$name .= "v"`, `name => "v"`, Makefile's
`::=`, `?=`, `+=`, a call with the value as argument (`os.environ.setdefault("NAME", "v")`,
`getenv("NAME", "v")`), an index (`os.environ["NAME"] = "v"`), and detect-secrets'
`name "v";`. Only the value is masked, never the name.

The name decides the type; the value must look like one: the vendor rules (AWS, IBM,
SoftLayer, Cloudant, from detect-secrets' plugins) know the exact length and alphabet;
the generic keyword and password rules (detect-secrets' KeywordDetector denylist, gitleaks'
generic-api-key keywords) accept any quoted literal, but where the value is not quoted, or
is an argument after `(` or `,`, it must start a line and mix letters and digits (a
quoted literal is a value; `password = get_password()` is code). Names that only talk
about a secret (`secret_name`, `access_token_url`, `credentialsId`) are left alone, as
in gitleaks' allowlist.
"""

from __future__ import annotations

import re

from filters.code.secret_rules import SecretPattern

# after the name: more name characters, an optional `[0]`/`[]`, closing quotes or brackets
_AFTER_NAME = (r"(?P<tail>[\w.-]{0,30}?)(?:\[\d*\])?(?P<close>(?:\\?[\"'`\]]){0,3})"
               r"(?:[ \t]+(?:string|str|bytes|\[\]byte)(?=[ \t]*=))?")  # Go's `var name string = "v"`
# the operator, or whitespace alone (`--flag value`, `name "value";`)
_OPERATOR = r"(?P<op>[ \t]*(?::{1,3}=|[!=]==?|[<>?+.]?=|=>|:|\(|,)[ \t]*|[ \t]*)"
_BEFORE_VALUE = r"(?:[@&]|[rbuf](?=[\"'`]))?"  # Objective-C @"...", C++ &..., Python r"..."
_LINE_START = re.compile(r"[ \t]*(?:export[ \t]+|set[ \t]+|ENV[ \t]+)?[-\"'`]*")
_FILE_NAME = re.compile(r"[\w.-]+\.(?:key|pem|crt|cer|der|pub|p12|pfx|jks|txt|json|ya?ml|toml|ini|cfg|conf|env"
                        r"|properties|xml|csv|html?|js|py|sh)", re.I)
_WORDS_ONLY = re.compile(r"[A-Za-z_.-]+")  # gitleaks: a generic secret has more than letters
_DOTTED_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")  # `google.oauth2.id_token`: code, not a value
_LETTER_AND_DIGIT = re.compile(r"(?=.*[A-Za-z])(?=.*\d)", re.S)
_NAME_CHARS = re.compile(r"[\w.-]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# the last word of a name that is about a secret, not one (gitleaks' generic allowlist, extended)
_NOT_A_SECRET = re.compile(
    r"(?:^|[_.-])(?:names?|len|length|size|ids?|type|kind|version|files?|filename|path|dir|urls?|uri|endpoint|host"
    r"|arn|ref|env|var|field|header|prefix|suffix|pattern|regex|format|label|hint|policy|manager|store|provider"
    r"|holder|placeholder|example|count|index|algorithm|mode|enabled|required|expires?|expiry|ttl|timeout|scopes?"
    r"|location|keyring|keychain|source|input|prompt|message|description|title|field_name|param|outfile|infile"
    r"|output|mgr|handler|class|error|exception|callback|fn|func|function|method|attr|attribute|schema|dict|map)$"
)
# the name of a value given unquoted or as an argument must end in a word for a secret:
# `("AWS_SECRET_ACCESS_KEY", "v")` is one, `("HTTPPasswordMgr", "urllib2")` is not
_SECRET_WORD_END = re.compile(
    r"(?:^|[_.-])(?:[a-z]*key|keys|[a-z]*token|tokens|secret|secrets|[a-z]*passw(?:or)?d|pwd|pass|passphrase"
    r"|credentials?|creds|auth)$"
)
_QUOTED_ANY = r"[^\"'`\s\\]{%d,200}"
_BARE_ANY = r"[A-Za-z0-9_~+/=!@#%%^*.-]{%d,200}"


def assignment_regex(name: str, value: str, bare_value: str | None = None, word_start: bool = False,
                     boundary: str = r"(?![\w~+/=!@#%^*.-])") -> re.Pattern:
    """`name` (case-insensitive) bound to `value` in any of the syntaxes above. The value is
    the group `quoted` (between matching quotes) or `bare` (`bare_value`, default `value`,
    followed by `boundary`)."""
    start = r"(?<![A-Za-z0-9])" if word_start else ""
    bare = bare_value or value
    return re.compile(
        rf"{start}(?P<name>(?i:{name})){_AFTER_NAME}{_OPERATOR}{_BEFORE_VALUE}"
        rf"(?:(?P<q>\\?[\"'`])(?P<quoted>{value})(?P=q)|(?P<bare>{bare}){boundary})"
    )


def _identifier(text: str, match: re.Match) -> tuple[int, str]:
    """(where the whole name starts, the name lower-cased with camelCase split by `_`)."""
    start = match.start("name")
    while start > 0 and start > match.start("name") - 40 and _NAME_CHARS.match(text[start - 1]):
        start -= 1
    while start < match.start("name") and text[start] in "-.":  # `--flag`: the dashes are no part of it
        start += 1
    name = text[start: match.end("tail")]
    return start, _CAMEL.sub("_", name).lower()


def _operator_fits(text: str, match: re.Match, name_start: int) -> bool:
    """A name and a value with no operator between them are a binding only as `name "v";`
    or a command-line flag (`--name v`)."""
    if match.group("op").strip():
        return True
    flag = text[max(0, name_start - 2): name_start] == "--"
    if match.group("quoted") is not None:
        return flag or text[match.end(): match.end() + 1] == ";"
    return flag


_PASSWORD_WORDS = {"password", "passwd", "pwd", "pass", "contraseña", "contrasena"}


def _vendor_accept(text: str, match: re.Match) -> bool:
    start, _ = _identifier(text, match)
    return _operator_fits(text, match, start)


def _literal_accept(text: str, match: re.Match) -> bool:
    """The checks of the generic rules (see the module docstring)."""
    start, name = _identifier(text, match)
    if _NOT_A_SECRET.search(name) or not _operator_fits(text, match, start):
        return False
    if text[max(0, start - 2): start] == "::" or text[max(0, start - 1): start] == "/":
        return False  # a type or a path (`AWS::SecretsManager::Secret`), not a variable
    value = match.group("quoted") if match.group("quoted") is not None else match.group("bare")
    if value.count("/") >= 3 or "://" in value or value.startswith(("./", "../", "~/")) or _FILE_NAME.fullmatch(value):
        return False  # a path, a URL or a file name, not a secret
    if match.group("name").lower() not in _PASSWORD_WORDS and _WORDS_ONLY.fullmatch(value):
        return False
    op = match.group("op").strip()
    if op == "," and not any(q in match.group("close") for q in "\"'`"):
        return False  # `f(name, "v")` passes a variable, `setdefault("NAME", "v")` binds a name
    if match.group("quoted") is None or op in ("(", ","):
        if not _LETTER_AND_DIGIT.match(value) or not _SECRET_WORD_END.search(name):
            return False
    if match.group("name").lower() == "pass" and not name.endswith("pass"):
        return False  # `pass_zero`: only a name that ends in `pass` is a password
    if match.group("quoted") is None:
        if _DOTTED_NAME.fullmatch(value) or text[match.end(): match.end() + 1] in ("(", "["):
            return False  # a reference or a call
        line_start = text.rfind("\n", 0, start) + 1
        return bool(_LINE_START.fullmatch(text, line_start, start))
    return True


def _rule(kind: str, name: str, value: str, roots: tuple[str, ...], source: str, *, bare: str | None = None,
          word_start: bool = False, boundary: str = r"(?![\w~+/=!@#%^*.-])", generic: bool = False,
          back: int = 0) -> SecretPattern:
    """One assignment rule; `roots` are the lower-case literals a name starts with (at most
    `back` characters before them). `generic` rules accept any literal, with the checks of
    `_literal_accept`; every rule's value goes through the placeholder checks."""
    return SecretPattern(kind, regex=assignment_regex(name, value, bare, word_start, boundary), hints=roots,
                         lower=True, group=("quoted", "bare"), source=source,
                         accept=_literal_accept if generic else _vendor_accept, literal=True, roots=roots, back=back)


_IBM_PREFIX = r"(?:ibm[_-]?cloud[_-]?iam|cloud[_-]?iam|ibm[_-]?cloud|ibm[_-]?iam|ibm|iam|cloud)[_-]?(?:api)?[_-]?|api[_-]?"

ASSIGNMENT_PATTERNS: tuple[SecretPattern, ...] = (
    _rule("SECRET_AWS_SECRET_KEY", r"aws[\w.-]{0,20}?(?:secret|key)|secret[_.-]?access[_.-]?key",
          r"[A-Za-z0-9/+]{40}", ("aws", "secret"), "detect-secrets AWSKeyDetector; gitleaks aws-secret-access-key",
          boundary=r"(?![A-Za-z0-9/+=])"),
    _rule("SECRET_IBM_CLOUD_KEY", rf"(?:{_IBM_PREFIX})(?:key|pwd|password|pass|token)", r"[A-Za-z0-9_-]{44}",
          ("ibm", "iam", "cloud", "api"), "detect-secrets IbmCloudIamDetector", word_start=True,
          boundary=r"(?![A-Za-z0-9_-])"),
    _rule("SECRET_IBM_CLOUD_KEY", r"(?:(?:ibm)?[_-]?cos[_-]?(?:hmac)?[_-]?)?secret[_-]?(?:access)?[_-]?key",
          r"[a-f0-9]{48}", ("ibm", "cos", "secret"), "detect-secrets IbmCosHmacDetector", word_start=True,
          boundary=r"(?![a-f0-9])", back=1),
    _rule("SECRET_SOFTLAYER_KEY", r"(?:softlayer|sl)[_-]?(?:api)?[_-]?(?:key|pwd|password|pass|token)",
          r"[A-Za-z0-9]{64}", ("softlayer", "sl"), "detect-secrets SoftlayerDetector", word_start=True,
          boundary=r"(?![A-Za-z0-9])"),
    _rule("SECRET_CLOUDANT_KEY", r"(?:cloudant|clou|cl)[_-]?(?:api)?[_-]?(?:key|pwd|pw|password|pass|token)",
          r"[0-9a-fA-F]{64}|[a-zA-Z]{24}", ("cl",), "detect-secrets CloudantDetector", word_start=True,
          boundary=r"(?![A-Za-z0-9])"),
    _rule("SECRET_PASSWORD", r"passw(?:or)?d|pwd|(?<![A-Za-z])pass(?![a-z])|contrase(?:ñ|n)a",
          _QUOTED_ANY % 4, ("pass", "pwd", "contrase"), "detect-secrets KeywordDetector (password)",
          bare=_BARE_ANY % 8, generic=True),
    _rule("SECRET_KEYWORD",
          r"secret|api[_.-]?key|(?:auth|service|account|db|database|priv|private|client)[_.-]?key"
          r"|(?:access|auth|api|bearer|refresh|private|session)[_.-]?token|credentials?|creds",
          _QUOTED_ANY % 8, ("secret", "key", "token", "cred"), "detect-secrets KeywordDetector; gitleaks generic-api-key",
          bare=_BARE_ANY % 10, generic=True, back=9),
)
