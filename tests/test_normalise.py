"""Name resolution: every variant of the corpus resolves, and short forms never merge."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.conftest import ROOT

from iscm_extract.rules import Rules, RulesError, load_rules
from iscm_extract.structure.normalise import Resolver, find_definitions, long_form_for, split_name
from iscm_extract.text import name_key


@pytest.fixture
def resolver(rules: Rules) -> Resolver:
    return Resolver(rules.registry, rules.normalise)


@pytest.mark.parametrize(
    ("name", "iscm_id"),
    [
        ("MID-IGAD", "IGAD-RCP"),
        ("IGAD RCP", "IGAD-RCP"),
        ("IGAD-RCP", "IGAD-RCP"),
        ("AU HoAI", "AU-HOAI"),
        ("AU-HoAI", "AU-HOAI"),
        ("AU HOAI", "AU-HOAI"),
        ("PAFOM", "PAFOM"),
        ("PAFoM", "PAFOM"),
        ("GFMPD", "GFMD"),  # a typo of GFMD in a list of the GRCP 9 report
        ("CSM", "SACM"),
        ("Arab Regional Consultative Process on Migration", "ARCP"),
        ("Arab Regional Consultative Process on Migration and Refugee Affairs", "ARCP"),
        ("Migration Dialogue for the Common Market for Eastern and Southern Africa Member States", "MIDCOM"),
        ("5+5 Migration Dialogue", "5+5"),
        ("Almaty Process on Refugee Protection and International Migration", "ALMATY"),
        ("Bali Process on People Smuggling, Trafficking in Persons and Related Transnational Crime", "BALI"),
        ("International Technical Meeting on Human Mobility of Venezuelan Citizens in the Region", "QUITO"),
        ("Pan-African Forum on migration", "PAFOM"),
        ("the Bali Process", "BALI"),
        ("GPCR", "GRCP"),
        ("Söderköping Process", "EAP-PANEL"),
    ],
)
def test_registry_variants(resolver: Resolver, name: str, iscm_id: str) -> None:
    resolution = resolver.resolve(name)
    assert (resolution.iscm_id, resolution.method) == (iscm_id, "registry")


@pytest.mark.parametrize(
    ("name", "iscm_id"),
    [
        ("Arab Regional Consultative Process on Migration and Asylum Affairs", "ARCP"),
        ("Migration Dialogue from the Common Market for Eastern and Southern Africa Member States", "MIDCOM"),
        ("South America Conference on Migration", "SACM"),  # also a listed variant: fuzzy must agree
        ("Inter Governmental Consultations on Migration, Asylum and Refugee", "IGC"),
    ],
)
def test_long_forms_resolve_fuzzily(resolver: Resolver, name: str, iscm_id: str) -> None:
    resolution = resolver.resolve(name)
    assert resolution.iscm_id == iscm_id
    assert resolution.method in {"fuzzy", "registry"}


def test_fuzzy_method_is_reported_for_an_unlisted_variant(resolver: Resolver) -> None:
    resolution = resolver.resolve("Arab Regional Consultative Process on Migration and Asylum Affairs")
    assert resolution.method == "fuzzy" and 88 <= resolution.score < 100


def test_heading_with_alternative_acronyms(resolver: Resolver) -> None:
    heading = (
        "Migration Dialogue for the Intergovernmental Authority on Development Region (MID-IGAD or IGAD RCP)"
    )
    assert split_name(heading)[1] == ["MID-IGAD", "IGAD RCP"]
    resolution = resolver.resolve_heading(heading)
    assert resolution is not None and resolution.iscm_id == "IGAD-RCP"


@pytest.mark.parametrize("word", ["ISEM", "ISMC", "ISEMs", "ISCM", "SCMs"])
def test_typos_of_the_family_word(resolver: Resolver, word: str) -> None:
    assert resolver.family_term(word) == "ISCM"
    assert resolver.resolve(word).iscm_id is None  # the family word is not a body


@pytest.mark.parametrize(
    "name",
    [
        "MIDSAA",
        "MIDW",
        "RCP",
        "MIDCA",
        "MIDCOMS",  # short forms never match fuzzily
        "Colombo Declaration",  # names a declaration, not the Colombo Process
        "Foo Bar Process",
        "Migration Dialogue for North Africa",  # 3 of 4 words of MIDWA's name: a different body
        "Migration Dialogue for Central Asia",
    ],
)
def test_cannot_link(resolver: Resolver, name: str) -> None:
    assert resolver.resolve(name).iscm_id is None


@pytest.mark.parametrize(("a", "b"), [("MIDSA", "MIDWA"), ("RCM", "RIAM"), ("MIDCOM", "MIDCAS")])
def test_similar_acronyms_stay_apart(resolver: Resolver, a: str, b: str) -> None:
    assert resolver.resolve(a).iscm_id == a
    assert resolver.resolve(b).iscm_id == b


def test_long_name_and_acronym_of_different_bodies_is_a_conflict(resolver: Resolver) -> None:
    resolution = resolver.resolve_heading("Migration Dialogue for Southern Africa (MIDWA)")
    assert resolution is not None and resolution.iscm_id is None


def test_name_key_folds_case_punctuation_accents() -> None:
    assert name_key("AU-HoAI") == name_key("au hoai") == name_key("AU  HOAI")
    assert name_key("Söderköping") == "soderkoping"
    assert name_key("5+5 Dialogue") == "5+5 dialogue"


def test_schwartz_hearst_long_form() -> None:
    assert long_form_for("MIDCOM", "the Migration Dialogue for COMESA Member States") == (
        "Migration Dialogue for COMESA Member States"
    )
    assert long_form_for("XYZ", "nothing here matches") is None


def test_definitions_learned_from_the_text(rules: Rules) -> None:
    text = (
        "Migration Dialogue for COMESA Member States (MIDCOM)\n"
        "Intergovernmental Consultations on Migration, Asylum and Refugees (IGCMAR) met.\n"
        "Free Movement of Persons in the Caribbean: Economic and Security Dimensions (CMC)\n"
    )
    learned = {(d.alias, d.iscm_id) for d in find_definitions(text, rules.registry, rules.normalise)}
    assert ("Migration Dialogue for COMESA Member States", "MIDCOM") in learned
    assert ("IGCMAR", "IGC") in learned
    # A publication title ending in "(CMC)" shares too few words with CMC's names to be one.
    assert not any(iscm_id == "CMC" for _, iscm_id in learned)
    resolver = Resolver(
        rules.registry, rules.normalise, find_definitions(text, rules.registry, rules.normalise)
    )
    assert resolver.resolve("IGCMAR").method == "definition"


def test_acronym_list_of_the_report(rules: Rules) -> None:
    text = (ROOT / "raw" / "grcp9-summary-report-2021.txt").read_text()
    from iscm_extract.reading.ingest import clean_text

    learned = {
        (d.alias, d.iscm_id) for d in find_definitions(clean_text(text).text, rules.registry, rules.normalise)
    }
    assert ("Dialogue for Southern Africa", "MIDSA") in learned
    assert ("Migration Dialogue for Intergovernmental Authority on Development Region", "IGAD-RCP") in learned


def test_registry_has_every_spec_id(rules: Rules) -> None:
    spec_ids = {
        "5+5",
        "ADD",
        "ALMATY",
        "APC",
        "ARCP",
        "ASEM",
        "AU-HOAI",
        "BALI",
        "BUDAPEST",
        "CMC",
        "COLOMBO",
        "COMMIT",
        "EAP-PANEL",
        "GFMD",
        "IGAD-RCP",
        "IGC",
        "KHARTOUM",
        "MIDCAS",
        "MIDCOM",
        "MIDEAC",
        "MIDSA",
        "MIDWA",
        "MTM",
        "OACPS-EU",
        "OCAM",
        "PAFOM",
        "PIDC",
        "PRAGUE",
        "QUITO",
        "RABAT",
        "RCM",
        "RIAM",
        "RMFM",
        "SACM",
        "GRCP",
    }
    assert spec_ids <= rules.registry.ids


def _rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


def test_a_name_given_to_two_bodies_is_refused(tmp_path: Path) -> None:
    rules_dir = _rules_copy(tmp_path)
    path = rules_dir / "iscms.yaml"
    path.write_text(path.read_text().replace("acronyms: [MIDWA]", "acronyms: [MIDWA, MIDSA]"))
    with pytest.raises(RulesError, match="MIDSA"):
        load_rules(rules_dir)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("sections.yaml", "kind: stats", "kind: statistics", "statistics"),
        ("sections.yaml", "iscm: GRCP", "iscm: NOPE", "NOPE"),
        ("sections.yaml", "'^main (meetings|events)", "'^main (meetings", "regular expression"),
        ("normalise.yaml", "cutoff: 88", "cutoff: 188", "cutoff"),
        ("iscms.yaml", "  - id: MTM\n", "  - idd: MTM\n", "id"),
    ],
)
def test_invalid_rules_fail_with_the_file_named(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    rules_dir = _rules_copy(tmp_path)
    path = rules_dir / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(RulesError, match=message) as error:
        load_rules(rules_dir)
    assert file in str(error.value)


@pytest.mark.parametrize(
    ("text", "name", "acronyms"),
    [
        ("Abu Dhabi Dialogue (ADD)", "Abu Dhabi Dialogue", ["ADD"]),
        ("Migration Dialogue for West Africa - MIDWA", "Migration Dialogue for West Africa", ["MIDWA"]),
        ("MIDWA: Migration Dialogue for West Africa", "Migration Dialogue for West Africa", ["MIDWA"]),
        ("Long Name (ACR; ACR2)", "Long Name", ["ACR", "ACR2"]),
        ("Budapest Process", "Budapest Process", []),
        # An acronym of two tokens, before or after the name; two capitalised words are a name.
        ("AU HoAI - AU HoA Initiative", "AU HoA Initiative", ["AU HoAI"]),
        ("Intergovernmental Consultations - IGC RCP", "Intergovernmental Consultations", ["IGC RCP"]),
        ("Bali Process - Regional Support Office", "Bali Process - Regional Support Office", []),
        ("Labour migration: ADD, Almaty Process", "Labour migration: ADD, Almaty Process", []),
    ],
)
def test_split_name_styles(text: str, name: str, acronyms: list[str]) -> None:
    assert split_name(text) == (name, acronyms)
