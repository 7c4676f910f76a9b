"""Lesson Markdown → safe HTML.

markdown-it-py parses (CommonMark plus tables and strikethrough), Pygments highlights fenced code
with CSS classes (no inline styles: the Content-Security-Policy forbids them), relative images are
pointed at the course's stored files, and nh3 (Ammonia) sanitises the result: ``<script>``,
event handlers, ``style`` attributes and ``javascript:`` links are removed whatever the author wrote.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}
ASSET_URL = "/courses/{slug}/assets/{path}"
CODE_CSS_SCOPE = ".lesson pre"

_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"span", "pre", "code", "figure", "figcaption"}
_ALLOWED_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag in ("span", "code", "pre", "div"):
    _ALLOWED_ATTRIBUTES.setdefault(_tag, set()).add("class")
_ALLOWED_ATTRIBUTES.setdefault("img", set()).update({"src", "alt", "title"})
_ALLOWED_ATTRIBUTES.setdefault("th", set()).add("scope")
_URL_SCHEMES = {"http", "https", "mailto"}


@dataclass
class Rendered:
    html: str
    images: list[str] = field(default_factory=list)  # course-relative paths of the images used
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def _highlight(code: str, language: str, _attrs) -> str:
    if not language:
        return ""
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return ""
    return highlight(code, lexer, HtmlFormatter(nowrap=True))


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "highlight": _highlight}).enable(["table", "strikethrough"])


def render_lesson(text: str, *, slug: str, lesson_dir: str = "") -> Rendered:
    """Render one lesson file. ``lesson_dir`` is the file's folder relative to the course folder,
    against which relative image paths are resolved."""
    parser = _parser()
    result = Rendered(html="")
    tokens = parser.parse(text)
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        line = (token.map[0] + 1) if token.map else 1
        for child in token.children:
            if child.type == "image":
                _point_image(child, line, slug, lesson_dir, result)
    html = parser.renderer.render(tokens, parser.options, {})
    result.html = sanitise(html)
    return result


def _point_image(token, line: int, slug: str, lesson_dir: str, result: Rendered) -> None:
    src = str(token.attrs.get("src", ""))
    if not src or "://" in src or src.startswith(("/", "data:", "//")) or ":" in src.split("/")[0]:
        result.problems.append((line, f"image {src!r} must be a file in the course folder"))
        return
    path = posixpath.normpath(posixpath.join(lesson_dir, src))
    if path.startswith("../") or path == "..":
        result.problems.append((line, f"image {src!r} lies outside the course folder"))
        return
    if posixpath.splitext(path)[1].lower() not in IMAGE_TYPES:
        result.problems.append((line, f"image {src!r}: use one of {', '.join(sorted(IMAGE_TYPES))}"))
        return
    result.images.append(path)
    token.attrs["src"] = ASSET_URL.format(slug=slug, path=path)


def sanitise(html: str) -> str:
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES, url_schemes=_URL_SCHEMES,
                     link_rel="noopener noreferrer", strip_comments=True)


def code_css() -> str:
    """The stylesheet for highlighted code (served as /courses/code.css)."""
    return HtmlFormatter().get_style_defs(CODE_CSS_SCOPE)
