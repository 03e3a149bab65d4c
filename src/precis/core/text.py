"""Bytes to text: decoding legacy and modern encodings, refusing binaries, and offset-preserving cleanup."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from html.parser import HTMLParser

from precis.core.errors import ArticleError

_MAGIC_NUMBERS = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive (or an Office document)",
    b"\x1f\x8b": "a gzip archive",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# One character in, one character out: offsets into the cleaned text are offsets into the decoded text.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u00b4": "'",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2007": " ",
        "\u200b": " ",
        "\ufeff": " ",
    }
)
_CONTROL_SHARE_LIMIT = 0.02
# spaCy's own limit (`nlp.max_length`): longer texts need more memory than a worker has, so both the
# function and `precis summarise` refuse them with this one rule.
MAX_TEXT_CHARS = 1_000_000


@dataclass(frozen=True)
class DecodedText:
    """The article as text, with the encoding it was read with (reported, because cp1252 is a guess)."""

    text: str
    encoding: str


@dataclass(frozen=True)
class ArticleText:
    """The text every offset of an article's document points into, and how it was read."""

    text: str
    encoding: str
    source_format: str


def article_text(data: bytes) -> ArticleText:
    """An article's bytes as the summariser reads them: decoded, and a page's readable blocks if HTML."""
    decoded = decode(data)
    if looks_like_html(decoded.text):
        return ArticleText(html_to_text(decoded.text), decoded.encoding, "html")
    return ArticleText(decoded.text, decoded.encoding, "text")


def decode(data: bytes) -> DecodedText:
    """Read UTF-8 (BOM or not), UTF-16 with a BOM, else cp1252/latin-1; refuse binaries and empty files."""
    if not data.strip():
        raise ArticleError("the file is empty or contains only whitespace")
    _refuse_known_binaries(data)
    text, encoding = _decode_text(data)
    if not text.strip():
        raise ArticleError("the file is empty or contains only whitespace")
    if _control_share(text) > _CONTROL_SHARE_LIMIT:
        raise ArticleError("the file looks binary, not text (too many control characters)")
    return DecodedText(text=text, encoding=encoding)


def check_length(text: str) -> None:
    """Refuse text longer than the pipeline can take, saying by how much, before any model sees it."""
    if len(text) > MAX_TEXT_CHARS:
        raise ArticleError(
            f"the article is {len(text):,} characters long, over the {MAX_TEXT_CHARS:,}-character limit"
        )


def _refuse_known_binaries(data: bytes) -> None:
    """Name the format of common binaries so the error tells the user what they uploaded."""
    for magic, name in _MAGIC_NUMBERS.items():
        if data.startswith(magic):
            raise ArticleError(f"the file is {name}, not a text article")


def _decode_text(data: bytes) -> tuple[str, str]:
    """Try the encodings a French newsroom file may be in, most specific first."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff"), encoding
            except UnicodeDecodeError as error:
                raise ArticleError(
                    f"the file starts with a {encoding} byte order mark but is not valid {encoding}"
                ) from error
    if b"\x00" in data:
        raise ArticleError("the file looks binary, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _control_share(text: str) -> float:
    """Share of C0 control characters other than whitespace: text files have none."""
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f\v")
    return controls / len(text)


def clean_typography(text: str) -> str:
    """Straighten apostrophes and unify spaces (spaCy's French elisions expect "'"), keeping every offset."""
    return text.translate(_TYPOGRAPHY)


def looks_like_html(text: str) -> bool:
    """An HTML page rather than plain text: it opens with a doctype or an <html>/<head>/<body> tag."""
    start = text.lstrip()[:200].lower()
    return start.startswith(("<!doctype html", "<html", "<head", "<body"))


class _ArticleTextParser(HTMLParser):
    """Collects the readable blocks of a page (title, headings, paragraphs), skipping scripts and chrome."""

    _BLOCKS = frozenset({"title", "h1", "h2", "h3", "h4", "p", "li", "blockquote"})
    _SKIPPED = frozenset({"script", "style", "nav", "footer", "header", "aside", "noscript", "form"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] | None = None
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skip_depth += 1
        elif tag in self._BLOCKS and not self._skip_depth:
            self._flush()
            self._current = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in self._BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._current is not None and not self._skip_depth:
            self._current.append(data)

    def _flush(self) -> None:
        if self._current is not None:
            block = " ".join("".join(self._current).split())
            if block and block not in self.blocks[-1:]:
                self.blocks.append(block)
        self._current = None


def html_to_text(html: str) -> str:
    """The page's readable text, one block per paragraph; offsets then refer to this extracted text."""
    parser = _ArticleTextParser()
    parser.feed(html)
    parser.close()
    text = "\n\n".join(parser.blocks)
    if not text.strip():
        raise ArticleError("the HTML page has no readable paragraphs")
    return text
