"""The course texts themselves (issue #8): correct Kazakh letters, both languages everywhere, the
glossary's terms, and an import with no problem.

Kazakh is written in Cyrillic with nine letters of its own — ә ғ қ ң ө ұ ү һ і (U+04D9 U+0493 U+049B
U+04A3 U+04E9 U+04B1 U+04AF U+04BB U+0456 and their capitals). Texts typed on a Russian or Latin
keyboard often carry look-alikes instead: Latin ``i`` for ``і``, ``h`` for ``һ``, ``ə`` (U+0259) for
``ә``, Latin ``a e o p c x y k`` inside a Cyrillic word, or letters of other Cyrillic alphabets
(Ukrainian ``ї``, Bashkir ``ҡ``, Tatar ``ӊ``…). They look right on screen but break search, sorting,
spell-checking and screen readers. The scan below reads every Kazakh text — lessons, quiz texts, the
kk fields of course.yaml, Kazakh Markdown in notebooks — and names the file and line of each such word.
Russian texts get the mixed-script check too.

Run ``python -m tests.curriculum.test_course_texts`` to print the counts per course (lessons, quiz
questions, graded notebook cells, words per language).
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from lms.courses.loader import find_course_folders, load_course

ROOT = Path(__file__).resolve().parents[2]
COURSES = ROOT / "courses"
NOTEBOOKS = ROOT / "notebooks"
GLOSSARY = ROOT / "docs" / "glossary.md"

RUSSIAN_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
KAZAKH_OWN = "әғқңөұүһі"
KAZAKH_LETTERS = set(RUSSIAN_LETTERS + KAZAKH_OWN + (RUSSIAN_LETTERS + KAZAKH_OWN).upper())
# Latin letters that look like Cyrillic ones: a word made only of them amid Cyrillic words was
# probably meant to be Cyrillic ("apa" for "ара").
LATIN_LOOKALIKES = set("aceopxyihkABCEHIKMOPTXY")
# Latin letters that imitate Kazakh ones and have no business in a Kazakh text at all.
FORBIDDEN_IN_KAZAKH = {"\u0259": "ә", "\u018f": "Ә", "\u0275": "ө", "\u019f": "Ө", "\u0127": "һ"}

WORD = re.compile(r"[^\W\d_]+")
CODE_BLOCK = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
URL = re.compile(r"(?:https?|mailto):[^\s)>\]]+|\]\([^)]*\)")


def _script(char: str) -> str:
    code = ord(char)
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if char.isascii() or 0x00C0 <= code <= 0x024F or 0x0250 <= code <= 0x02AF:
        return "latin"
    return "other"


def _describe(char: str) -> str:
    return f"{char!r} (U+{ord(char):04X} {unicodedata.name(char, '?')})"


def _blank_code(text: str) -> str:
    """Markdown code, links' targets and URLs are not prose: blank them, keeping line numbers."""
    def blank(match):
        return re.sub(r"[^\n]", " ", match.group(0))
    return URL.sub(blank, INLINE_CODE.sub(blank, CODE_BLOCK.sub(blank, text)))


def letter_problems(text: str, kazakh: bool) -> list[tuple[int, str]]:
    """(line, message) for every wrongly typed word. ``kazakh``: the text is Kazakh (the stricter
    alphabet check applies); otherwise only words that mix scripts are reported."""
    found = []
    for number, line in enumerate(_blank_code(text).splitlines(), start=1):
        words = list(WORD.finditer(line))
        for index, match in enumerate(words):
            word = match.group(0)
            scripts = {_script(char) for char in word}
            if "cyrillic" in scripts and len(scripts) > 1:
                odd = next(char for char in word if _script(char) != "cyrillic")
                found.append((number, f"{word!r} mixes Cyrillic with {_describe(odd)}"))
                continue
            if kazakh:
                bad = [char for char in word if char in FORBIDDEN_IN_KAZAKH]
                if bad:
                    found.append((number, f"{word!r}: {_describe(bad[0])} instead of Kazakh "
                                          f"{FORBIDDEN_IN_KAZAKH[bad[0]]!r}"))
                    continue
                if scripts == {"cyrillic"}:
                    foreign = [char for char in word if char not in KAZAKH_LETTERS]
                    if foreign:
                        found.append((number, f"{word!r}: {_describe(foreign[0])} is not a Kazakh letter"))
                        continue
            if scripts == {"latin"} and set(word) <= LATIN_LOOKALIKES and not word.isupper():
                neighbours = [words[i].group(0) for i in (index - 1, index + 1) if 0 <= i < len(words)]
                if neighbours and all(_script(n[0]) == "cyrillic" for n in neighbours):
                    found.append((number, f"{word!r} is written in Latin look-alikes amid Cyrillic words"))
    return found


def _has_kazakh_letter(text: str) -> bool:
    return any(char in KAZAKH_OWN or char in KAZAKH_OWN.upper() for char in text)


# --------------------------------------------------------------------------- collecting the texts

def course_folders() -> list[Path]:
    return find_course_folders(COURSES)


def _yaml_texts(path: Path):
    """(language, line, text) for every scalar under a ``kk:`` or ``ru:`` key of a YAML file."""
    def walk(node, language):
        if isinstance(node, yaml.ScalarNode):
            if language and isinstance(node.value, str):
                yield language, node.start_mark.line + 1, node.value
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                yield from walk(child, language)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                yield from walk(value, key.value if key.value in ("kk", "ru") else language)
    yield from walk(yaml.compose(path.read_text(encoding="utf-8")), None)


def _lesson_files(folder: Path) -> list[tuple[str, Path]]:
    data = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))
    found = []
    for module in data["modules"]:
        for item in module["items"]:
            if "lesson" in item:
                files = item.get("files") or {}
                for language in ("kk", "ru"):
                    found.append((language, folder / files.get(language, f"lessons/{item['lesson']}.{language}.md")))
    return found


def _notebooks() -> list[Path]:
    return sorted(set(COURSES.glob("**/*.ipynb")) | set(NOTEBOOKS.glob("**/*.ipynb")))


def _notebook_markdown(path: Path):
    """(cell number, text) of each Markdown cell."""
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            yield number, "".join(source) if isinstance(source, list) else source


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def text_problems() -> list[str]:
    """Every wrongly typed word in every course text, as ``file:line: message``."""
    problems = []
    for folder in course_folders():
        for language, path in _lesson_files(folder):
            for line, message in letter_problems(path.read_text(encoding="utf-8"), kazakh=language == "kk"):
                problems.append(f"{_relative(path)}:{line}: {message}")
        for path in [folder / "course.yaml", *sorted(folder.glob("quizzes/*.yaml"))]:
            for language, start, text in _yaml_texts(path):
                for line, message in letter_problems(text, kazakh=language == "kk"):
                    problems.append(f"{_relative(path)}:{start + line - 1}: {message}")
    for path in _notebooks():
        for cell, text in _notebook_markdown(path):
            for number, line in enumerate(text.splitlines(), start=1):
                for _line, message in letter_problems(line, kazakh=_has_kazakh_letter(line)):
                    problems.append(f"{_relative(path)}: cell {cell}, line {number}: {message}")
    return problems


# --------------------------------------------------------------------------- the scan

@pytest.mark.parametrize("text, expected", [
    ("Деректер сапасы", []),
    ("ЖИ (ағылшынша EU AI Act) және eGov, ChatGPT-ге", []),
    ("бiлiм беру", ["'бiлiм' mixes Cyrillic with 'i' (U+0069 LATIN SMALL LETTER I)"]),
    ("қазақ тiлi", ["'тiлi' mixes Cyrillic with 'i' (U+0069 LATIN SMALL LETTER I)"]),
    ("жаhандану", ["'жаhандану' mixes Cyrillic with 'h' (U+0068 LATIN SMALL LETTER H)"]),
    ("\u0259деп", ["'\u0259деп' mixes Cyrillic with '\u0259' (U+0259 LATIN SMALL LETTER SCHWA)"]),
    ("мен \u0259", ["'\u0259': '\u0259' (U+0259 LATIN SMALL LETTER SCHWA) instead of Kazakh 'ә'"]),
    ("бұл їжа", ["'їжа': 'ї' (U+0457 CYRILLIC SMALL LETTER YI) is not a Kazakh letter"]),
    ("башҡа", ["'башҡа': 'ҡ' (U+04A1 CYRILLIC SMALL LETTER BASHKIR KA) is not a Kazakh letter"]),
    ("екі apa бар", ["'apa' is written in Latin look-alikes amid Cyrillic words"]),
    ("айнымалы `x` және\n```python\nкод bі\n```", []),
])
def test_the_scan_finds_look_alikes_in_kazakh(text, expected):
    assert [message for _line, message in letter_problems(text, kazakh=True)] == expected


def test_the_scan_reports_the_line():
    assert letter_problems("Бірінші жол\n\nүшінші жолда қатe бар", kazakh=True) == \
        [(3, "'қатe' mixes Cyrillic with 'e' (U+0065 LATIN SMALL LETTER E)")]


def test_russian_text_may_hold_kazakh_names_but_no_mixed_words():
    assert letter_problems("Система «Әділет»", kazakh=False) == []
    assert letter_problems("Систeма", kazakh=False) == \
        [(1, "'Систeма' mixes Cyrillic with 'e' (U+0065 LATIN SMALL LETTER E)")]


def test_every_course_text_uses_proper_kazakh_letters():
    problems = text_problems()
    assert problems == [], "\n".join(problems)


# --------------------------------------------------------------------------- both languages

def _words(text: str) -> int:
    return len(WORD.findall(_blank_code(text)))


def test_every_lesson_and_quiz_is_in_kazakh_and_russian():
    folders = course_folders()
    assert {folder.name for folder in folders} >= {"ai-basics", "responsible-ai"}
    for folder in folders:
        spec, problems = load_course(folder)
        assert problems == [], [str(problem) for problem in problems]
        assert spec.languages == ["kk", "ru"], folder.name
        for module in spec.modules:
            assert set(module.title) == {"kk", "ru"}, (folder.name, module.key)
            for item in module.items:
                where = f"{folder.name}/{item.key}"
                assert set(item.title) == {"kk", "ru"}, where
                if item.kind == "lesson":
                    kk, ru = item.body.get("kk", ""), item.body.get("ru", "")
                    assert kk.strip() and ru.strip(), where
                    # A translation that stops halfway shows in its length: Kazakh runs to about
                    # 0.8–0.9 of the Russian word count (it is agglutinative).
                    ratio = _words(kk) / max(_words(ru), 1)
                    assert 0.6 <= ratio <= 1.25, f"{where}: kk/ru word ratio {ratio:.2f}"
                    headings = [len(re.findall(r"^#{1,6} ", body, re.M)) for body in (kk, ru)]
                    assert headings[0] == headings[1], f"{where}: kk and ru have {headings} headings"
                elif item.kind == "quiz":
                    for question in item.content["questions"]:
                        qwhere = f"{where}/{question['id']}"
                        assert set(question["text"]) == {"kk", "ru"}, qwhere
                        assert question["explanation"] == {} or set(question["explanation"]) == {"kk", "ru"}, qwhere
                        for option in question.get("options", []):
                            assert set(option["text"]) == {"kk", "ru"}, f"{qwhere}/{option['id']}"
                        if question["type"] == "text":
                            assert question["answers"].get("kk") and question["answers"].get("ru"), qwhere


@pytest.mark.integration  # slow: imports every course of the curriculum (~5 s)
def test_import_courses_imports_every_course_without_a_problem(app, caplog):
    result = app.test_cli_runner().invoke(args=["lms", "import-courses"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sorted(lines) == sorted(f"{folder.name}: created" for folder in course_folders()), result.output
    assert not [record for record in caplog.records if record.levelname in ("WARNING", "ERROR")]
    again = app.test_cli_runner().invoke(args=["lms", "import-courses"])
    assert again.exit_code == 0 and "created" not in again.output and "updated" not in again.output, again.output


# --------------------------------------------------------------------------- the glossary

def glossary_rows() -> list[dict[str, str]]:
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].isdigit():
            rows.append({"kk": cells[1], "ru": cells[2], "en": cells[3],
                         "avoid": [v.strip() for v in cells[4].split(";") if v.strip()]})
    return rows


def test_the_glossary_has_at_least_thirty_terms_in_three_languages():
    rows = glossary_rows()
    assert len(rows) >= 30
    assert all(row["kk"] and row["ru"] and row["en"] for row in rows)
    assert len({row["kk"] for row in rows}) == len(rows), "a Kazakh term is listed twice"
    terms = {row["kk"]: row["ru"] for row in rows}
    assert terms["жасанды интеллект (ЖИ)"] == "искусственный интеллект (ИИ)"
    assert terms["машиналық оқыту"] == "машинное обучение"


def test_the_glossary_kazakh_terms_use_only_kazakh_cyrillic_letters():
    for row in glossary_rows():
        letters = [char for char in row["kk"] if char.isalpha()]
        foreign = [char for char in letters if char not in KAZAKH_LETTERS]
        assert not foreign, f"{row['kk']!r}: {', '.join(_describe(char) for char in foreign)}"
        assert not [char for char in row["ru"] if char.isalpha() and _script(char) != "cyrillic"], row["ru"]


def test_course_texts_avoid_the_variants_the_glossary_rules_out():
    variants = [variant for row in glossary_rows() for variant in row["avoid"]]
    assert "жасанды зерде" in variants
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, variants)) + r")", re.I)
    found = []
    for folder in course_folders():
        for _language, path in _lesson_files(folder):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                found += [f"{_relative(path)}:{number}: {m.group(1)!r}" for m in pattern.finditer(line)]
        for path in [folder / "course.yaml", *sorted(folder.glob("quizzes/*.yaml"))]:
            for _language, line, text in _yaml_texts(path):
                found += [f"{_relative(path)}:{line}: {m.group(1)!r}" for m in pattern.finditer(text)]
    assert found == [], "\n".join(found)


# --------------------------------------------------------------------------- counts for the notes

def course_counts() -> list[dict]:
    """Per course: lessons, quizzes, quiz questions, graded notebook cells, words per language."""
    counts = []
    for folder in course_folders():
        spec, _problems = load_course(folder)
        row = {"course": spec.slug, "hours": spec.hours, "lessons": 0, "quizzes": 0, "questions": 0,
               "notebooks": 0, "graded_cells": 0, "words_kk": 0, "words_ru": 0}
        for item in (item for module in spec.modules for item in module.items):
            row["words_kk"] += _words(item.title.get("kk", "")) + _words(item.body.get("kk", ""))
            row["words_ru"] += _words(item.title.get("ru", "")) + _words(item.body.get("ru", ""))
            if item.kind == "lesson":
                row["lessons"] += 1
            elif item.kind == "quiz":
                row["quizzes"] += 1
                row["questions"] += len(item.content["questions"])
                for question in item.content["questions"]:
                    for part in [question, *question.get("options", [])]:
                        for key in ("text", "explanation"):
                            row["words_kk"] += _words(part.get(key, {}).get("kk", ""))
                            row["words_ru"] += _words(part.get(key, {}).get("ru", ""))
            else:
                row["notebooks"] += 1
        for path in sorted((NOTEBOOKS / spec.slug).glob("*/*.ipynb")):
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            row["graded_cells"] += sum(1 for cell in cells if cell.get("metadata", {}).get("nbgrader", {}).get("grade"))
        counts.append(row)
    return counts


def test_the_counts_cover_every_course():
    counts = {row["course"]: row for row in course_counts()}
    assert counts["ai-basics"]["lessons"] >= 10 and counts["ai-basics"]["questions"] >= 25
    assert counts["responsible-ai"]["lessons"] >= 10 and counts["responsible-ai"]["questions"] >= 25


if __name__ == "__main__":
    total = {"words_kk": 0, "words_ru": 0}
    print(f"{'course':<16}{'hours':>6}{'lessons':>8}{'quizzes':>8}{'questions':>10}{'notebooks':>10}"
          f"{'graded':>8}{'words kk':>10}{'words ru':>10}")
    for row in course_counts():
        total["words_kk"] += row["words_kk"]
        total["words_ru"] += row["words_ru"]
        print(f"{row['course']:<16}{row['hours']:>6}{row['lessons']:>8}{row['quizzes']:>8}{row['questions']:>10}"
              f"{row['notebooks']:>10}{row['graded_cells']:>8}{row['words_kk']:>10}{row['words_ru']:>10}")
    print(f"{'total':<16}{'':>50}{total['words_kk']:>10}{total['words_ru']:>10}")
