"""Article layout on the seed and on small cases: title, slug line, headings and trailing id."""

from __future__ import annotations

from precis.core.layout import analyse_layout


def test_layout_seed_has_title_without_slug_or_trailing_id(seed_bytes: bytes) -> None:
    text = seed_bytes.decode("utf-8")
    layout = analyse_layout(text)
    assert layout.title is not None
    assert text[layout.title.start : layout.title.end].startswith("Les États-Unis défendent sa position")
    noise = [text[start:end] for start, end in layout.noise]
    assert noise == ["Les Etats Unis defendent sa position en Ukraine contre lOTAN Ce", "fr-03"]
    assert all("fr-03" not in text[b.start : b.end] for b in layout.blocks)


def test_layout_seed_headings_are_not_paragraphs(seed_bytes: bytes) -> None:
    text = seed_bytes.decode("utf-8")
    headings = [text[b.start : b.end] for b in analyse_layout(text).blocks if b.kind == "heading"]
    assert headings == ["Rutte, profil", "Réponse alliée"]


def test_layout_keeps_a_second_line_that_is_not_a_slug() -> None:
    text = "Grève à la SNCF\n\nLes syndicats appellent à la grève jeudi.\n"
    kinds = [block.kind for block in analyse_layout(text).blocks]
    assert kinds == ["title", "paragraph"]


def test_layout_single_line_is_prose_not_title() -> None:
    layout = analyse_layout("Une seule ligne sans titre, qui est déjà le texte.")
    assert layout.title is None
    assert [block.kind for block in layout.blocks] == ["paragraph"]


def test_layout_trailing_id_needs_other_text_before_it() -> None:
    assert analyse_layout("fr-03").noise == ()
