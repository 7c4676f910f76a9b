"""The law course teaches Kazakhstan's Law No. 230-VIII ZRK «Об искусственном интеллекте» as in force
(issue #19), so that it cannot slide back to the draft.

The facts below come from the reference checked against the official Russian text
(../shared/reference/kz-ai-law.md): signed 17 November 2025, first published 18 November 2025, in
force since 18 January 2026 (Art. 31: sixty calendar days), 6 chapters and 31 articles, portal code
Z2500000230, fines in Art. 641-1 of the Code of Administrative Offences. What the reference marks
UNCERTAIN is not checked here because the lessons do not state it.

Run ``python -m tests.curriculum.test_law_course`` to print each lesson with the articles it cites
and its words per language (the issue's closing note).
"""
from __future__ import annotations

import pytest

import re
import shutil
from pathlib import Path

import yaml
from sqlalchemy import select

from lms.courses import services
from lms.courses.loader import load_course
from lms.courses.models import Item
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import ItemProgress, QuizAttempt
from lms.security import SYSTEM

from .test_course_texts import COURSES, _lesson_files, _relative, _words, course_folders

COURSE = COURSES / "responsible-ai"
LAW_MODULE = "kazakhstan"
QUIZ = "law-230-check"
HISTORY = "law-230-draft-history"
# Lessons outside module 2 that apply the law; with module 2 they are "the Kazakhstan lessons".
APPLYING_THE_LAW = ["eu-gpai-and-comparison", "personal-data-in-ai", "case-chatbot", "case-automated-decision",
                    "case-benefits-scoring", "workshop-risk-passport"]
# Draft-era items: retired when the course moved to the adopted law; their ids are never reused.
RETIRED = {"kz-ai-law", "kz-classification-labelling", "kz-law-check"}
PORTAL_CODE = "Z2500000230"
ARTICLES = range(1, 32)
COAO_ARTICLE = "641-1"

DATED = {"ru": "**По состоянию на декабрь 2026 г.**", "kk": "**2026 жылғы желтоқсандағы жағдай бойынша.**"}
IDENTITY = {  # the law's number and its three dates, as each language writes them
    "ru": ["№ 230-VIII ЗРК", "17 ноября 2025", "18 ноября 2025", "18 января 2026"],
    "kk": ["№ 230-VIII ҚРЗ", "2025 жылғы 17 қараша", "2025 жылғы 18 қараша", "2026 жылғы 18 қаңтар"],
}
# Describing the law as a bill: allowed only as history, i.e. on a line that names 2025.
DRAFT = {"ru": re.compile(r"законопроект|проект\w*\s+закон", re.I), "kk": re.compile(r"заң\s+жоба", re.I)}
# Wrong facts that secondary sources repeat (reference §2, §10), and the old "November 2026" framing.
WRONG = re.compile(r"230-VII(?!I)|16 январ|16 қаңтар|18 января 2025|2025 жылғы 18 қаңтар|7 глав|7 тарау|"
                   r"28 стат|ноябр\w* 2026|2026 жылғы қараша", re.I)

NUMBER = r"\d+(?:-1)?(?:\(\d+\))*"
SEPARATOR = r"[^\S\n]*(?:–|,|и|және)[^\S\n]*"
REFERENCE = {
    "ru": re.compile(rf"(?<!\w)(?:ст\.|стать[а-я]*)[^\S\n]*((?:{NUMBER}{SEPARATOR})*{NUMBER})", re.I),
    "kk": re.compile(rf"((?:{NUMBER}{SEPARATOR})*{NUMBER})-ба[пб]"),
}

# Each topic the issue names: the article that governs it, and words each language's lesson must use.
TOPICS = {
    "status and entry into force": (31, {"ru": ["вступил в силу", "шестидесяти календарных дней"],
                                         "kk": ["күшіне енді", "күнтізбелік алпыс күн"]}),
    "authorised body": (13, {"ru": ["Министерство искусственного интеллекта и цифрового развития"],
                             "kk": ["Жасанды интеллект және цифрлық даму министрлігі"]}),
    "who classifies": (17, {"ru": ["собственник и (или) владелец", "самоклассификация"],
                            "kk": ["меншік иесі және (немесе) иеленушісі", "өзін-өзі жіктеу"]}),
    "risk levels": (17, {"ru": ["минимальная", "средняя", "высокая", "степень риска"],
                         "kk": ["ең аз", "орташа", "жоғары", "тәуекел дәрежесі"]}),
    "autonomy levels": (17, {"ru": ["низкая", "средняя", "высокая", "не запрещены"],
                             "kk": ["төмен", "орташа", "жоғары", "тыйым салынбаған"]}),
    "prohibitions": (17, {"ru": ["социальный скоринг", "эмоций", "биометрическим данным", "манипулятивные"],
                          "kk": ["әлеуметтік скоринг", "эмоцияларын", "биометриялық деректері", "манипуляциялық"]}),
    "labelling": (21, {"ru": ["машиночитаемой форме", "предупреждение", "собственниках и владельцах"],
                       "kk": ["машинамен оқылатын нысанда", "ескерту", "меншік иелері мен иеленушілеріне"]}),
    "owners' duties": (15, {"ru": ["документацию", "пользовательским соглашением", "не реже одного раза в год"],
                            "kk": ["құжаттама", "пайдаланушы келісімімен", "жылына кемінде бір рет"]}),
    "users' rights": (16, {"ru": ["объяснение", "сведения о данных", "отказаться от взаимодействия"],
                           "kk": ["түсіндірмесін", "мәлімет сұрау", "бас тарту"]}),
    "copyright and training": (23, {"ru": ["творческий вклад человека", "не запретил"],
                                    "kk": ["шығармашылық үлесі", "тыйым салмаған"]}),
    "national platform and data libraries": (25, {"ru": ["контролируемую среду", "библиотек данных"],
                                                  "kk": ["бақыланатын орта", "деректер кітапханалары"]}),
    "liability and fines": (24, {"ru": ["Гражданскому кодексу", "641-1", "МРП"],
                                 "kk": ["Азаматтық кодекс", "641-1", "АЕК"]}),
    "draft and law": (17, {"ru": ["полностью автономных", "распознавания лиц", "«Добровольное»"],
                           "kk": ["толық дербес", "бет-әлпетті тану", "«ерікті»"]}),
}
# CoAO Art. 641-1 fines in MRP, first offence and repeat within a year (reference §4.12).
FINES = {"ru": [("Физические лица", 15, 30), ("малого", 20, 50), ("среднего", 30, 70), ("крупного", 100, 200)],
         "kk": [("Жеке тұлғалар", 15, 30), ("Шағын", 20, 50), ("Орта", 30, 70), ("Ірі", 100, 200)]}
# The quiz's right answers, from the reference: option ids, or the number for numeric questions.
ANSWERS = {
    "status": {"in-force"}, "entry-days": 60, "who-classifies": {"owner-holder"},
    "autonomy-medium": {"medium"}, "high-autonomy": {"not-banned"},
    "prohibited": {"social-scoring", "emotions", "biometric-discrimination"},
    "labelling-conditions": {"machine-readable", "visible-warning"}, "labelling-who": {"owner-holder"},
    "owner-duties": {"risks", "documentation", "agreement"}, "user-rights": {"explanation", "data", "refuse"},
    "copyright": {"no"}, "training-works": {"opt-out"}, "fines-where": {"coao"}, "fine-large": 100,
    "harm": {"civil-code"}, "authorised-body": {"maidd"}, "old-news": {"draft"}, "articles": 31,
}


def articles_cited(text: str, language: str) -> set[str]:
    """The articles a text cites, as strings ("17", "641-1"); a range "21–22" gives both ends and between."""
    found = set()
    for match in REFERENCE[language].finditer(text):
        numbers = re.sub(r"\(\d+\)", "", match.group(1))
        for token in re.findall(r"\d+-1\b|\d+[^\S\n]*–[^\S\n]*\d+|\d+", numbers):
            if "–" in token:
                first, last = (int(part) for part in token.split("–"))
                found |= {str(n) for n in range(first, last + 1)}
            else:
                found.add(token)
    return found


def _spec():
    spec, problems = load_course(COURSE)
    assert problems == [], [str(problem) for problem in problems]
    return spec


def _items(spec):
    return {item.key: item for module in spec.modules for item in module.items}


def kazakhstan_lessons(spec) -> list:
    module = next(module for module in spec.modules if module.key == LAW_MODULE)
    items = _items(spec)
    return [item for item in module.items if item.kind == "lesson"] + [items[key] for key in APPLYING_THE_LAW]


def _course_texts(spec):
    """(where, language, text) of every text a learner reads: lessons, titles, the description, and
    each quiz's questions, right answers and explanations (wrong options may name the draft)."""
    for language in ("kk", "ru"):
        yield "course.yaml", language, spec.description[language]
    for key, item in _items(spec).items():
        for language in ("kk", "ru"):
            yield key, language, item.title[language]
            if item.kind == "lesson":
                yield key, language, item.body[language]
            elif item.kind == "quiz":
                for question in item.content["questions"]:
                    right = [o for o in question.get("options", []) if o.get("correct")]
                    for part in [question["text"], question.get("explanation") or {}, *(o["text"] for o in right)]:
                        yield f"{key}/{question['id']}", language, part.get(language, "")


# --------------------------------------------------------------------------- the scan itself

def test_article_references_are_read_in_both_languages():
    assert articles_cited("по п. 3 ст. 17 и ст. 21–22, статьи 15, 16 и 18; ст. 641-1 КоАП", "ru") == \
        {"17", "21", "22", "15", "16", "18", "641-1"}
    assert articles_cited("17-баптың 3-тармағы, 21–22-баптар, 15, 16 және 18-баптар, ӘҚБтК 641-1-бабы", "kk") == \
        {"17", "21", "22", "15", "16", "18", "641-1"}
    assert articles_cited("6 глав, 31 статья\n\n| Глава |", "ru") == set()
    assert articles_cited("Статья 4 называет семь принципов", "ru") == {"4"}


# --------------------------------------------------------------------------- the lessons

def test_the_course_names_the_law_in_force_with_its_number_and_dates():
    items = _items(_spec())
    overview = items["law-230-overview"]
    for language, facts in IDENTITY.items():
        for fact in facts:
            assert fact in overview.body[language], (language, fact)
    assert "6 глав, 31 статья" in overview.body["ru"] and "6 тарау, 31 бап" in overview.body["kk"]
    assert "по истечении шестидесяти календарных дней" in overview.body["ru"]


def test_each_kazakhstan_lesson_is_dated_december_2026_cites_the_law_and_says_where_to_check():
    for item in kazakhstan_lessons(_spec()):
        for language in ("kk", "ru"):
            body = item.body[language]
            where = f"{item.key}.{language}"
            assert body.split("\n\n")[1].startswith(f"> {DATED[language]}"), f"{where}: not dated first"
            assert "230-VIII" in body, f"{where}: the law's number"
            assert "«Әділет»" in body and PORTAL_CODE in body, f"{where}: where to check for amendments"


def test_each_kazakhstan_lesson_cites_only_articles_of_the_law_and_the_same_ones_in_both_languages():
    for item in kazakhstan_lessons(_spec()):
        cited = {}
        for language in ("kk", "ru"):
            cited[language] = articles_cited(item.body[language], language)
            outside = {a for a in cited[language] if a != COAO_ARTICLE and int(a) not in ARTICLES}
            assert not outside, f"{item.key}.{language} cites articles {sorted(outside)} outside 1–31"
            for line in item.body[language].splitlines():
                if COAO_ARTICLE in articles_cited(line, language):
                    assert "КоАП" in line or "ӘҚБтК" in line, f"{item.key}.{language}: {line!r}"
        assert cited["kk"] == cited["ru"], f"{item.key}: kk cites {sorted(cited['kk'])}, ru {sorted(cited['ru'])}"
        if item.key.startswith("law-230-") and item.key != HISTORY:
            assert cited["ru"], f"{item.key} cites no article"


def test_the_draft_is_mentioned_only_as_history_and_the_old_framing_is_gone():
    found = []
    for where, language, text in _course_texts(_spec()):
        if where == HISTORY:
            continue
        for line in text.splitlines():
            if DRAFT[language].search(line) and "2025" not in line:
                found.append(f"{where}.{language}: the law as a draft: {line.strip()[:100]}")
            if WRONG.search(line):
                found.append(f"{where}.{language}: {WRONG.search(line).group(0)!r}: {line.strip()[:100]}")
    assert found == [], "\n".join(found)


def test_no_other_course_calls_the_law_a_draft():
    found = []
    for folder in course_folders():
        for language, path in _lesson_files(folder):
            if folder == COURSE:
                continue  # checked above, quizzes included
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if (DRAFT[language].search(line) and "2025" not in line) or WRONG.search(line):
                    found.append(f"{_relative(path)}:{number}: {line.strip()[:100]}")
    assert found == [], "\n".join(found)


def test_the_other_courses_name_the_law_in_force_where_they_describe_it():
    for path in (COURSES / "ai-basics/lessons/checking-and-labelling.ru.md",
                 COURSES / "python-ml/lessons/from-notebook-to-service.ru.md"):
        text = path.read_text(encoding="utf-8")
        assert "№ 230-VIII ЗРК" in text and "18 января 2026" in text, path.name
        kk = path.with_name(path.name.replace(".ru.", ".kk.")).read_text(encoding="utf-8")
        assert "№ 230-VIII ҚРЗ" in kk and "2026 жылғы 18 қаңтар" in kk, path.name
        assert articles_cited(text, "ru") == articles_cited(kk, "kk") and articles_cited(text, "ru") <= \
            {str(n) for n in ARTICLES}, path.name


def test_the_history_lesson_names_what_the_draft_said_and_the_law_does_not():
    history = _items(_spec())[HISTORY]
    for language, words in {"ru": ["3 марта 2025", "полностью автономных", "распознавания лиц", "«Добровольное»",
                                   "230-VII»", "16 января"],
                            "kk": ["2025 жылғы 3 наурыз", "толық дербес", "бет-әлпетті тану", "«ерікті»",
                                   "230-VII»", "16 қаңтар"]}.items():
        for word in words:
            assert word in history.body[language], (language, word)


def test_every_required_topic_is_taught_in_both_languages_with_its_article():
    lessons = kazakhstan_lessons(_spec())
    missing = []
    for topic, (article, words) in TOPICS.items():
        def teaches(item, language):
            body = item.body[language].lower()
            return str(article) in articles_cited(item.body[language], language) and \
                all(word.lower() in body for word in words[language])
        if not any(teaches(item, "kk") and teaches(item, "ru") for item in lessons):
            missing.append(topic)
    assert missing == [], f"not taught in both languages with its article: {missing}"


def test_the_fines_table_matches_the_code_of_administrative_offences():
    liability = _items(_spec())["law-230-liability"]
    unit = {"ru": "МРП", "kk": "АЕК"}
    for language, rows in FINES.items():
        lines = liability.body[language].splitlines()
        for offender, first, repeat in rows:
            row = f"| {first} {unit[language]} | {repeat} {unit[language]} |"
            assert any(offender in line and line.endswith(row) for line in lines), (language, offender, row)
        assert "4 325" in liability.body[language] and "432 500" in liability.body[language]


# --------------------------------------------------------------------------- the quiz

def test_the_law_quiz_tests_the_adopted_law_with_the_right_answers_and_explains_each_by_article():
    quiz = _items(_spec())[QUIZ]
    questions = {question["id"]: question for question in quiz.content["questions"]}
    assert len(questions) >= 8
    assert set(questions) == set(ANSWERS)
    for key, expected in ANSWERS.items():
        question = questions[key]
        if question["type"] == "numeric":
            assert question["answer"] == expected and question["tolerance"] == 0, key
        else:
            assert {o["id"] for o in question["options"] if o.get("correct")} == expected, key
        for language in ("kk", "ru"):
            cited = articles_cited(question["explanation"][language], language)
            assert cited, f"{key}.{language}: the explanation cites no article"
            assert all(a == COAO_ARTICLE or int(a) in ARTICLES for a in cited), (key, language, cited)


def test_a_learner_who_answers_as_the_law_says_scores_full_marks(app, make):
    assert services.import_courses(SYSTEM, COURSES / "ai-basics").ok and services.import_courses(SYSTEM, COURSE).ok
    course = services.get_course("responsible-ai")
    learner = make.user("learner")
    enrolment = learning.enrol_learner(SYSTEM, course, learner=learner)
    attempt = learning.start_attempt(learner, enrolment, services.get_item(course, QUIZ))
    kinds = {question["id"]: question["type"] for question in attempt.questions}
    answers = {key: str(value) if kinds[key] == "numeric" else
               (sorted(value)[0] if kinds[key] == "single" else sorted(value)) for key, value in ANSWERS.items()}
    attempt = learning.submit_attempt(learner, attempt, answers)
    assert attempt.percent == 100 and attempt.passed


def test_the_final_tests_questions_on_the_law_explain_themselves_by_article():
    questions = {question["id"]: question for question in _items(_spec())["cases-check"].content["questions"]}
    for key in ("chatbot-name", "chatbot-liability", "liability-split", "scoring-risk"):
        for language in ("kk", "ru"):
            assert articles_cited(questions[key]["explanation"][language], language), (key, language)


# --------------------------------------------------------------------------- the retired items

def _previous_version(tmp_path: Path) -> Path:
    """The course as it stood before issue #19: today's files plus the draft-era items, restored
    with stand-in files under their old ids."""
    folder = tmp_path / "responsible-ai"
    shutil.copytree(COURSE, folder)
    for language in ("kk", "ru"):
        for key in ("kz-ai-law", "kz-classification-labelling"):
            (folder / "lessons" / f"{key}.{language}.md").write_text(f"# {key}\n\nЖоба · Проект\n", encoding="utf-8")
    title = {"kk": "Ескі", "ru": "Старый"}
    (folder / "quizzes" / "kz-law-check.yaml").write_text(yaml.safe_dump({"questions": [
        {"id": "draft-status", "type": "single", "text": title,
         "options": [{"id": "verify", "correct": True, "text": title}, {"id": "as-is", "text": title}]}]},
        allow_unicode=True), encoding="utf-8")
    data = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))
    data["modules"].insert(1, {"id": "kazakhstan-draft", "title": title, "items": [
        {"lesson": "kz-ai-law", "title": title}, {"lesson": "kz-classification-labelling", "title": title},
        {"quiz": "kz-law-check", "title": title}]})
    (folder / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def test_the_draft_era_ids_are_not_reused():
    assert not RETIRED & set(_items(_spec()))


@pytest.mark.integration  # slow: imports the law course twice (~3 s)
def test_importing_the_adopted_law_course_retires_the_draft_items_and_keeps_learners_records(app, tmp_path, make):
    assert services.import_courses(SYSTEM, COURSES / "ai-basics").ok
    report = services.import_courses(SYSTEM, _previous_version(tmp_path))
    assert report.ok and report.imported == [("responsible-ai", "created")], report.problems
    course = services.get_course("responsible-ai")
    learner = make.user("learner")
    enrolment = learning.enrol_learner(SYSTEM, course, learner=learner)
    old_lesson = services.get_item(course, "kz-ai-law")
    old_quiz = services.get_item(course, "kz-law-check")
    learning.complete_lesson(learner, enrolment, old_lesson)
    attempt = learning.submit_attempt(learner, learning.start_attempt(learner, enrolment, old_quiz),
                                      {"draft-status": "verify"})
    assert attempt.percent == 100

    report = services.import_courses(SYSTEM, COURSE)
    assert report.ok and report.imported == [("responsible-ai", "updated")], report.problems
    db.session.expire_all()
    course = services.get_course("responsible-ai")
    retired = db.session.scalars(select(Item).where(Item.course_id == course.id, Item.retired_at.is_not(None)))
    assert {item.key for item in retired} == RETIRED
    assert {item.key for item in course.active_items()} == set(_items(_spec()))
    assert db.session.scalar(select(ItemProgress).where(ItemProgress.item_id == old_lesson.id)).completed_at
    kept = db.session.get(QuizAttempt, attempt.id)
    assert kept.item_id == old_quiz.id and kept.percent == 100 and kept.passed
    assert learning.enrolment_for(learner, course).id == enrolment.id
    progress = learning.course_progress(learner, course)  # the new lessons and quiz are still to do
    assert (progress.done, progress.total) == (0, len(_items(_spec())))
    assert {old_lesson.id, old_quiz.id} <= progress.completed_items  # the records, kept


# --------------------------------------------------------------------------- the closing note

def lesson_notes() -> list[tuple[str, list[str], int, int]]:
    """(lesson, articles it cites, words kk, words ru) for each Kazakhstan lesson."""
    def order(article):
        return (article == COAO_ARTICLE, int(article.split("-")[0]))
    return [(item.key, sorted(articles_cited(item.body["ru"], "ru"), key=order),
             _words(item.body["kk"]), _words(item.body["ru"])) for item in kazakhstan_lessons(_spec())]


if __name__ == "__main__":
    print(f"{'lesson':<28}{'words kk':>9}{'words ru':>9}  articles of Law 230-VIII (641-1: CoAO)")
    for key, articles, kk, ru in lesson_notes():
        print(f"{key:<28}{kk:>9}{ru:>9}  {', '.join(articles)}")
