"""Options of the PII masking step: which entity types, how they are masked, what is dropped.

One Strict model shared by the detector, the masker and the density filter, so that a
typo in the pipeline YAML (`entites:`) fails before any document is read.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from corpus.config import Strict

# Entity types, as they appear in placeholders (`<|EMAIL|>`) and in `metadata["pii"]`.
EMAIL = "EMAIL"
URL_CREDENTIALS = "URL_CREDENTIALS"
PHONE = "PHONE"
MY_NUMBER = "MY_NUMBER"
CREDIT_CARD = "CREDIT_CARD"
BANK_ACCOUNT = "BANK_ACCOUNT"
POSTAL_CODE = "POSTAL_CODE"
ADDRESS = "ADDRESS"
IP_ADDRESS = "IP_ADDRESS"
PERSON = "PERSON"

ALL_ENTITIES = (
    EMAIL, URL_CREDENTIALS, PHONE, MY_NUMBER, CREDIT_CARD, BANK_ACCOUNT, POSTAL_CODE, ADDRESS, IP_ADDRESS, PERSON,
)
# PERSON is opt-in (`person_names: true`): dictionary name matching costs a MeCab pass per
# document and its precision on encyclopaedic text is far below the number recognizers'
# (docs/pii.md has the measurements).
DEFAULT_ENTITIES = [e for e in ALL_ENTITIES if e != PERSON]


class PIIOptions(Strict):
    """What the PII step finds, how it masks it, and which documents it drops."""

    enabled: bool = Field(True, description="mask PII in every document of every source")
    entities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ENTITIES),
        description=f"entity types to mask; known: {', '.join(ALL_ENTITIES)}",
    )
    placeholder: str = Field(
        "<|{entity}|>",
        description="replacement for a span; `{entity}` becomes the type, e.g. <|EMAIL|> "
        "(the `<|...|>` form follows the special-token style of tiktoken/Llama 3 so a "
        "tokenizer can keep it whole)",
    )
    max_density: float | None = Field(
        None, ge=0.0, le=1.0,
        description="drop a document whose masked characters / total characters exceed this "
        "(null keeps every document); e.g. 0.1 drops contact lists and leaked tables",
    )
    person_names: bool = Field(
        False, description="also mask person names (UniDic 人名 dictionary via fugashi; slower, "
        "lower precision; see docs/pii.md)",
    )
    nlp_engine: Literal["light", "noop", "spacy_blank"] = Field(
        "light",
        description="presidio NLP engine: `light` = script-run tokens so context words work at "
        "regex speed; `noop` = no tokens (context words ignored); `spacy_blank` = "
        "spacy.blank('ja') with SudachiPy (needs sudachipy + sudachidict_core; ~40x slower)",
    )
    precheck: bool = Field(
        True,
        description="run presidio only on windows around cheap triggers (digits with "
        "separators, @, 丁目...); off analyses every whole document (same spans, slower)",
    )
    score_threshold: float = Field(
        0.5, ge=0.0, le=1.0,
        description="minimum presidio score for a span to be masked (presidio's own default "
        "recognizers use 0.5-ish bases; context words add 0.35)",
    )
    allow_list: list[str] = Field(
        default_factory=list, description="exact strings never masked (e.g. a public support address)",
    )
    mask_excluded: bool = Field(
        True,
        description="also mask the documents this stage excludes (excluded/*.parquet is read and shared "
        "too); false keeps them as they came, and the stage report says so (`pii.excluded`)",
    )

    @field_validator("entities")
    @classmethod
    def _known_entities(cls, value: list[str]) -> list[str]:
        unknown = [e for e in value if e not in ALL_ENTITIES]
        if unknown:
            raise ValueError(f"unknown entity type(s) {unknown}; known: {list(ALL_ENTITIES)}")
        return list(dict.fromkeys(value))

    @field_validator("placeholder")
    @classmethod
    def _placeholder_formats(cls, value: str) -> str:
        try:
            value.format(entity="EMAIL")
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"placeholder must be a format string using only {{entity}}: {err}") from None
        return value

    @model_validator(mode="after")
    def _person_names_switch(self) -> PIIOptions:
        """`person_names: true` and PERSON in `entities` mean the same; keep both in step."""
        if self.person_names and PERSON not in self.entities:
            self.entities = [*self.entities, PERSON]
        elif PERSON in self.entities:
            self.person_names = True
        return self

    def mask_for(self, entity: str) -> str:
        return self.placeholder.format(entity=entity)
