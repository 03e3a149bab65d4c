"""Decoding and typography: every encoding a French newsroom file may come in, and what is not text."""

from __future__ import annotations

import codecs

import pytest

from precis.core.errors import ArticleError
from precis.core.text import clean_typography, decode, html_to_text, looks_like_html

FRENCH = "L’été à Besançon : « Ça coûte cher », dit Hélène.\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (FRENCH.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + FRENCH.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be"), "utf-16"),
        (FRENCH.encode("cp1252"), "cp1252"),
    ],
)
def test_text_decode_reads_french_in_every_encoding(data: bytes, encoding: str) -> None:
    decoded = decode(data)
    assert decoded.text == FRENCH
    assert decoded.encoding == encoding


def test_text_decode_falls_back_to_latin1_for_bytes_cp1252_leaves_undefined() -> None:
    assert decode(b"caf\xe9 \x81 ouvert").encoding == "latin-1"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b" \n\t \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3", "PDF document"),
        (b"PK\x03\x04\x14\x00", "zip archive"),
        (b"abc\x00def", "NUL bytes"),
        (bytes(range(1, 32)) * 4 + b"text", "control characters"),
    ],
)
def test_text_decode_refuses_what_is_not_text_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ArticleError, match=reason):
        decode(data)


def test_text_clean_typography_keeps_every_offset() -> None:
    cleaned = clean_typography(FRENCH)
    assert len(cleaned) == len(FRENCH)
    assert cleaned.startswith("L'été")
    assert "\u2019" not in cleaned


def test_text_html_is_reduced_to_its_readable_blocks() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Titre</title><script>var x = 1;</script></head>"
        "<body><nav>Menu</nav><h1>Titre</h1><p>Premier  paragraphe.</p>"
        "<p>Second &amp; dernier.</p></body></html>"
    )
    assert looks_like_html(page)
    assert html_to_text(page) == "Titre\n\nPremier paragraphe.\n\nSecond & dernier."


def test_text_html_without_paragraphs_is_refused() -> None:
    with pytest.raises(ArticleError, match="no readable paragraphs"):
        html_to_text("<html><body><script>x()</script></body></html>")
