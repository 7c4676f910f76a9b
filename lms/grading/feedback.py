"""The learner's feedback: nbgrader's generate_feedback HTML, made safe to show.

The sandbox exports each autograded notebook with Oqu's feedback template (no words of its own,
hidden-test regions cut, tracebacks down to their exception line). That HTML came out of a process
that ran the learner's code, so here it is treated as untrusted:

* :func:`clean_feedback` keeps a small set of tags and attributes (nh3; no script, style, event
  handler or foreign URL) and refuses the whole export when a line of a hidden test — taken from
  the instructor's source, never from the sandbox — shows up in its text anyway;
* :func:`render_feedback` fills the template's empty labels in the reader's language.
"""
from __future__ import annotations

import html
import logging
import re

from markupsafe import Markup, escape

log = logging.getLogger(__name__)

TAGS = {"div", "span", "p", "pre", "code", "br", "hr", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
        "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "em", "strong", "b", "i", "blockquote", "sub",
        "sup", "a", "img", "section"}
ATTRIBUTES = {"*": {"class"}, "span": {"class", "data-label"}, "p": {"class", "id"}, "a": {"href"},
              "img": {"src", "alt", "width", "height"}, "td": {"class", "colspan"}, "th": {"class", "colspan"}}
LABEL = re.compile(r'<span class="feedback-label" data-label="(answer|task|test|score)"></span>')
HIDDEN_REGION = re.compile(r"^\s*#+\s*BEGIN HIDDEN TESTS\s*$(.*?)^\s*#+\s*END HIDDEN TESTS\s*$",
                           re.MULTILINE | re.DOTALL)


def hidden_lines(source_nb: dict) -> set[str]:
    """Distinctive lines of the instructor's hidden tests (a call, a comparison or an assert, not
    ``else:`` or ``pass``, which a learner's own code shows too) that appear nowhere outside a hidden
    region."""
    hidden, public = set(), set()
    for cell in source_nb.get("cells", []):
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        for region in HIDDEN_REGION.findall(text):
            hidden.update(line.strip() for line in region.splitlines())
        public.update(line.strip() for line in HIDDEN_REGION.sub("", text).splitlines())
    return {line for line in hidden - public if len(line) >= 10 and not line.startswith("#")
            and ("(" in line or "==" in line or line.startswith("assert"))}


def clean_feedback(raw: str, secret: set[str]) -> str:
    """The sanitised feedback; empty when it would show a hidden test's code."""
    import nh3

    cleaned = nh3.clean(raw, tags=TAGS, attributes=ATTRIBUTES, clean_content_tags={"script", "style", "head", "title"},
                        url_schemes={"http", "https", "data"}, strip_comments=True)
    text = html.unescape(re.sub(r"<[^>]+>", "", cleaned))
    leaked = [line for line in secret if line in text]
    if leaked:
        log.warning("feedback withheld: it shows %d line(s) of hidden tests", len(leaked))
        return ""
    return cleaned.strip()


def label_texts() -> dict[str, str]:
    from flask_babel import gettext as _

    return {"answer": _("Your answer"), "task": _("Task"), "test": _("Test"), "score": _("Points:")}


def render_feedback(stored: str | None) -> Markup:
    """Stored (sanitised) feedback with its labels in the reader's language."""
    if not stored:
        return Markup("")
    labels = label_texts()
    return Markup(LABEL.sub(lambda m: f'<span class="feedback-label">{escape(labels[m.group(1)])}</span>', stored))


def combine(notebooks: dict[str, str]) -> str:
    """One stored fragment for all of a submission's notebooks (already cleaned), by file name."""
    return "".join(f'<section class="feedback-file"><h3>{escape(name)}</h3>{body}</section>'
                   for name, body in sorted(notebooks.items()) if body)
