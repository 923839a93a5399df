"""PIIOptions: defaults, validation, the person-names switch."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from filters.pii.options import ALL_ENTITIES, DEFAULT_ENTITIES, PERSON, PIIOptions


def test_defaults_mask_every_type_but_person_names():
    options = PIIOptions()
    assert options.enabled and options.max_density is None and not options.person_names
    assert options.entities == DEFAULT_ENTITIES and PERSON not in options.entities
    assert set(ALL_ENTITIES) - set(options.entities) == {PERSON}
    assert options.mask_for("EMAIL") == "<|EMAIL|>"


def test_person_names_switch_and_entity_list_agree():
    assert PERSON in PIIOptions(person_names=True).entities
    assert PIIOptions(entities=["EMAIL", "PERSON"]).person_names


@pytest.mark.parametrize("bad", [
    {"entities": ["EMIAL"]}, {"placeholder": "<{kind}>"}, {"max_density": 1.5}, {"nlp_engine": "ginza"},
    {"entites": ["EMAIL"]},
])
def test_invalid_options_fail_at_construction(bad):
    with pytest.raises(ValidationError):
        PIIOptions(**bad)


def test_constant_placeholder_is_allowed():
    assert PIIOptions(placeholder="[個人情報]").mask_for("PHONE") == "[個人情報]"
