"""Write src/precis/core/gazetteer.json, the names Précis knows without its model.

Countries come from pycountry's French ISO 3166-1 names (`iso3166-1` gettext catalogue), with the name a
French newsroom writes where ISO's differs (`Russie, Fédération de` -> `Russie`) and the variants the press
uses (`USA`, `Grande-Bretagne`); international bodies, agencies, media and parties, and the nationality words
that are not entities, are curated below. pycountry is a dev-only dependency: the runtime reads the JSON.
`python -m tools.gazetteer` rewrites the file; `--check` exits 1 when the committed file is stale.
"""

from __future__ import annotations

import argparse
import gettext
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pycountry

from precis.core.identity import fingerprint

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "precis" / "core" / "gazetteer.json"

# The name French news uses where ISO's French short name is formal, inverted or bracketed.
COMMON_NAMES = {
    "AX": "Îles Åland",
    "BN": "Brunei",
    "BO": "Bolivie",
    "BY": "Biélorussie",
    "CC": "Îles Cocos",
    "CX": "Île Christmas",
    "FK": "Îles Malouines",
    "FM": "Micronésie",
    "GL": "Groenland",
    "GQ": "Guinée équatoriale",
    "IR": "Iran",
    "KN": "Saint-Kitts-et-Nevis",
    "KP": "Corée du Nord",
    "KR": "Corée du Sud",
    "LA": "Laos",
    "MD": "Moldavie",
    "MF": "Saint-Martin",
    "MO": "Macao",
    "PS": "Palestine",
    "RE": "La Réunion",
    "RU": "Russie",
    "SB": "Îles Salomon",
    "SX": "Sint Maarten",
    "SY": "Syrie",
    "TW": "Taïwan",
    "TZ": "Tanzanie",
    "VA": "Vatican",
    "VE": "Venezuela",
    "VI": "Îles Vierges des États-Unis",
}
# Other forms the press writes: abbreviations, English names, older or ISO spellings.
COUNTRY_VARIANTS = {
    "BY": ("Bélarus",),
    "CD": ("RDC", "RD Congo", "Congo-Kinshasa"),
    "CG": ("Congo-Brazzaville",),
    "CH": ("Confédération suisse",),
    "CZ": ("République tchèque",),
    "FK": ("Îles Falkland", "Malouines"),
    "GB": ("Grande-Bretagne", "UK", "U.K.", "United Kingdom"),
    "GL": ("Groënland",),
    "IQ": ("Iraq",),
    "MD": ("Moldova",),
    "MM": ("Myanmar",),
    "MO": ("Macau",),
    "MU": ("Île Maurice",),
    "RU": ("Fédération de Russie",),
    "SV": ("El Salvador",),
    "TL": ("Timor-Leste",),
    "US": ("USA", "US", "U.S.", "U.S.A.", "E.-U.", "United States"),
    "VA": ("Saint-Siège", "Cité du Vatican"),
    "VE": ("Vénézuela",),
    "VN": ("Vietnam", "Viet Nam"),
}
# Countries whose name is also a first name or a common word: typed by the gazetteer only when the model
# already calls the span a place, never found by the gazetteer alone.
COUNTRIES_NOT_SCANNED = frozenset({"DM", "GD", "JE", "MU", "NE", "RE", "SV", "TG"})
# International bodies, agencies, media and parties: canonical name (what French news writes most), the
# other forms, and whether the name is safe to find without the model (False: also a common word).
ORGANISATIONS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("OTAN", ("NATO", "Organisation du traité de l'Atlantique nord", "Alliance atlantique"), True),
    ("ONU", ("Nations unies", "Organisation des Nations unies"), True),
    ("Union européenne", ("UE",), True),
    ("Commission européenne", (), True),
    ("Parlement européen", (), True),
    ("Conseil européen", (), True),
    ("Conseil de l'Europe", (), True),
    ("Conseil de sécurité", ("Conseil de sécurité de l'ONU", "Conseil de sécurité des Nations unies"), True),
    ("Banque centrale européenne", ("BCE",), True),
    ("Cour de justice de l'Union européenne", ("CJUE",), True),
    ("Cour européenne des droits de l'homme", ("CEDH",), True),
    ("Cour pénale internationale", ("CPI",), True),
    ("Cour internationale de justice", ("CIJ",), True),
    ("Fonds monétaire international", ("FMI", "IMF"), True),
    ("Banque mondiale", (), True),
    ("Banque des règlements internationaux", ("BRI",), True),
    ("Banque européenne d'investissement", ("BEI",), True),
    ("Organisation mondiale de la santé", ("OMS",), True),
    ("Organisation mondiale du commerce", ("OMC",), True),
    ("OCDE", ("Organisation de coopération et de développement économiques", "OECD"), True),
    ("OPEP", ("Organisation des pays exportateurs de pétrole", "OPEC"), True),
    ("Agence internationale de l'énergie atomique", ("AIEA",), True),
    ("Unesco", ("UNESCO",), True),
    ("Unicef", ("UNICEF",), True),
    ("HCR", ("Haut-Commissariat des Nations unies pour les réfugiés", "UNHCR"), True),
    ("Comité international de la Croix-Rouge", ("CICR",), True),
    ("Croix-Rouge", (), True),
    ("Interpol", (), True),
    ("Union africaine", (), True),
    ("Ligue arabe", (), True),
    ("Asean", ("ASEAN", "Association des nations de l'Asie du Sud-Est"), True),
    ("G7", (), True),
    ("G20", (), True),
    ("Société des Nations", ("SDN",), True),
    ("Communauté économique européenne", ("CEE",), True),
    ("Association européenne de libre-échange", ("AELE",), True),
    ("Comité international olympique", ("CIO",), True),
    ("FIFA", ("Fifa",), True),
    ("UEFA", ("Uefa",), True),
    ("Amnesty International", (), True),
    ("Médecins sans frontières", ("MSF",), True),
    ("Reporters sans frontières", ("RSF",), True),
    ("Human Rights Watch", (), True),
    ("Greenpeace", (), True),
    ("AFP", ("Agence France-Presse",), True),
    ("Reuters", ("Reuter",), True),
    ("Associated Press", (), True),
    ("ATS", ("Agence télégraphique suisse",), True),
    ("Le Monde", ("Monde",), False),
    ("Le Figaro", ("Figaro",), False),
    ("Libération", (), False),
    ("Les Échos", ("Échos",), False),
    ("Le Parisien", (), False),
    ("Mediapart", (), True),
    ("Ouest-France", (), True),
    ("France Télévisions", (), True),
    ("Radio France", (), True),
    ("France Inter", (), True),
    ("France Info", ("franceinfo",), True),
    ("France 24", (), True),
    ("RFI", (), True),
    ("TF1", (), True),
    ("BFMTV", ("BFM TV",), True),
    ("Arte", (), False),
    ("BBC", (), True),
    ("CNN", (), True),
    ("New York Times", (), True),
    ("Washington Post", (), True),
    ("Financial Times", (), True),
    ("Parti socialiste", ("PS",), True),
    ("Les Républicains", ("LR",), True),
    ("Rassemblement national", ("RN",), True),
    ("Front national", ("FN",), True),
    ("La France insoumise", ("LFI", "France insoumise"), True),
    ("Parti communiste français", ("PCF",), True),
    ("Europe Écologie Les Verts", ("EELV",), True),
    ("Parti républicain", (), True),
    ("Parti démocrate", (), True),
)
# Nationality and regional words, masculine singular (`m/f` where the feminine is irregular): a person's
# nationality is not an entity. Their feminine and plural forms are derived below.
DEMONYMS = (
    "afghan algérien allemand américain argentin arménien australien autrichien azerbaïdjanais belge "
    "biélorusse bolivien bosnien brésilien britannique bulgare camerounais canadien chilien chinois "
    "chypriote colombien congolais coréen croate cubain danois égyptien espagnol estonien éthiopien "
    "finlandais français géorgien grec/grecque hongrois indien indonésien irakien iranien irlandais "
    "islandais israélien italien ivoirien japonais jordanien kazakh kényan koweïtien letton libanais "
    "libyen lituanien luxembourgeois macédonien malien maltais marocain mexicain moldave monténégrin "
    "néerlandais néo-zélandais nigérian nigérien nord-coréen norvégien pakistanais palestinien péruvien "
    "philippin polonais portugais qatari roumain russe saoudien sénégalais serbe slovaque slovène "
    "soudanais sud-africain sud-coréen suédois suisse syrien taïwanais tchèque thaïlandais tunisien "
    "turc/turque ukrainien vénézuélien vietnamien yéménite "
    "africain américain arabe asiatique européen latino-américain occidental/occidentale océanien "
    "scandinave anglais écossais flamand wallon basque breton catalan kurde québécois "
    "parisien lyonnais marseillais bruxellois genevois londonien new-yorkais"
).split()


def countries(names: gettext.NullTranslations) -> list[dict[str, Any]]:
    """Every ISO 3166-1 country with its French name, official name and press variants."""
    entries = []
    for country in pycountry.countries:
        code = country.alpha_2
        iso_name = names.gettext(country.name)
        official = getattr(country, "official_name", None)
        variants = [iso_name, *COUNTRY_VARIANTS.get(code, ())]
        if official:
            variants.append(names.gettext(official).removeprefix("L'"))
        canonical = COMMON_NAMES.get(code, iso_name)
        entries.append(_entry(canonical, "LOC", code, variants, code not in COUNTRIES_NOT_SCANNED))
    return entries


def organisations() -> list[dict[str, Any]]:
    """The curated bodies, agencies, media and parties."""
    return [_entry(name, "ORG", None, list(variants), scan) for name, variants, scan in ORGANISATIONS]


def _entry(canonical: str, kind: str, country: str | None, variants: list[str], scan: bool) -> dict[str, Any]:
    """One known name; variants that fold like the canonical name (or are bracketed ISO forms) are dropped."""
    usable = (
        v for v in variants if "(" not in v and ", " not in v and fingerprint(v) != fingerprint(canonical)
    )
    return {
        "name": canonical,
        "type": kind,
        "country": country,
        "variants": sorted(set(usable)),
        "scan": scan,
    }


def demonym_forms(names: set[str]) -> list[str]:
    """Both genders and numbers, folded; a form that is also a place's name (`Suisse`) is left out."""
    forms = set()
    for word in DEMONYMS:
        masculine, _, feminine = word.partition("/")
        feminine = feminine or _feminine(masculine)
        forms |= {masculine, feminine, _plural(masculine), _plural(feminine)}
    return sorted(form for form in map(fingerprint, forms) if form not in names)


def _feminine(masculine: str) -> str:
    """`européen` -> `européenne`, `allemand` -> `allemande`, `belge` -> `belge`."""
    if masculine.endswith("e"):
        return masculine
    if masculine.endswith(("ien", "éen")):
        return masculine + "ne"
    return masculine + "e"


def _plural(word: str) -> str:
    """`allemand` -> `allemands`; `français` stays `français`."""
    return word if word.endswith(("s", "x")) else word + "s"


def build() -> dict[str, Any]:
    """The whole file: its provenance, the known names, and the nationality words."""
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    entries = countries(french) + organisations()
    keys = _check_unique(entries)
    return {
        "source": (
            f"Generated by `python -m tools.gazetteer` (do not edit): countries from pycountry "
            f"{version('pycountry')} French ISO 3166-1 names with the curated common names and variants in "
            "tools/gazetteer.py; organisations and nationality words curated there."
        ),
        "names": entries,
        "demonyms": demonym_forms(keys),
    }


def _check_unique(entries: list[dict[str, Any]]) -> set[str]:
    """Each folded form names one thing: a clash would merge two entities."""
    owners: dict[str, str] = {}
    for entry in entries:
        for form in (entry["name"], *entry["variants"]):
            key = fingerprint(form)
            if owners.setdefault(key, entry["name"]) != entry["name"]:
                raise ValueError(f"{form!r} names both {owners[key]!r} and {entry['name']!r}")
    return set(owners)


def render() -> str:
    """The JSON text exactly as committed."""
    return json.dumps(build(), ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the file, or with --check say whether the committed one is current."""
    parser = argparse.ArgumentParser(prog="python -m tools.gazetteer", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") == text
        print(f"{OUTPUT} is {'current' if current else 'stale: run python -m tools.gazetteer'}")
        return 0 if current else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"written to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
