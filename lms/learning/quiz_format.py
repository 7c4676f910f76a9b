"""The quiz part of a course: a quiz file's settings (pass mark, attempts, time limit, review) and its
questions, checked against the format and returned as the mapping the learning domain stores.
Registered with the course loader as the reader of ``quiz`` items (lms.courses.parts)."""
from __future__ import annotations

from ..courses.checks import LANGUAGES, LATE_POLICIES, _Checks, _Reader
from ..courses.parts import item_kind
from ..courses.yamlfile import LineDict, LineList

QUESTION_TYPES = ("single", "multiple", "numeric", "text")
# When a learner may see a quiz's correct answers and explanations (``review:``); one value or a list,
# any of which opens them. ``never`` stands alone.
REVIEW_MOMENTS = ("after_last_attempt", "after_passing", "after_due_date", "never")
DEFAULT_REVIEW = ["after_last_attempt", "after_passing"]
# What a quiz file that says nothing gets; the learning domain applies the same (lms.learning.quizzes).
DEFAULT_PASS_MARK = 60
DEFAULT_LATE = "refuse"
QUIZ_KEYS = {"pass_mark", "attempts", "time_limit", "late", "review", "shuffle_questions", "shuffle_options",
             "questions"}
QUESTION_KEYS = {"single": {"id", "type", "text", "points", "options", "explanation", "hint"},
                 "multiple": {"id", "type", "text", "points", "options", "explanation", "hint"},
                 "numeric": {"id", "type", "text", "points", "answer", "tolerance", "explanation", "hint"},
                 "text": {"id", "type", "text", "points", "answers", "explanation", "hint"}}
OPTION_KEYS = {"id", "text", "correct"}


@item_kind("quiz", {"file"})
def read_quiz_item(reader: _Reader, checks: _Checks, key: str, data: LineDict, where: str, course) -> dict:
    """A ``quiz`` item of course.yaml: its quiz file (``quizzes/<id>.yaml`` unless ``file`` names one)."""
    relative = checks.file_name(data, f"quizzes/{key}.yaml", where)
    if not relative:
        return {}
    return _load_quiz(reader, relative, (checks.file, data.line_of("file") if "file" in data else data.line),
                      course.languages)


def _load_quiz(reader: _Reader, relative: str, ref: tuple[str, int], languages: list[str]) -> dict:
    data = reader.yaml(relative, ref, "quiz file")
    if data is None:
        return {}
    checks = _Checks(reader, relative, languages)
    checks.keys(data, QUIZ_KEYS, {"questions"}, "the quiz")
    quiz = {
        "pass_mark": checks.integer(data, "pass_mark", "the quiz", DEFAULT_PASS_MARK, minimum=0, maximum=100),
        "attempts": checks.integer(data, "attempts", "the quiz", 0, minimum=0, maximum=100),
        "time_limit": checks.integer(data, "time_limit", "the quiz", None, minimum=1, maximum=24 * 60),
        "late": checks.choice(data, "late", "the quiz", LATE_POLICIES, DEFAULT_LATE),
        "review": _review(checks, data),
        "shuffle_questions": checks.boolean(data, "shuffle_questions", "the quiz", True),
        "shuffle_options": checks.boolean(data, "shuffle_options", "the quiz", True),
        "questions": [],
    }
    questions = checks.listing(data, "questions", "the quiz")
    if questions is not None and not questions:
        checks.problem(data.line_of("questions"), "the quiz has no questions")
    seen: set[str] = set()
    for index, question_data in enumerate(questions or []):
        question = _load_question(checks, question_data, questions.line_of(index), index, seen)
        if question is not None:
            quiz["questions"].append(question)
    return quiz


def _review(checks: _Checks, data: LineDict) -> list[str]:
    """``review``: when correct answers may be shown — one of :data:`REVIEW_MOMENTS` or a list of them."""
    if "review" not in data:
        return list(DEFAULT_REVIEW)
    value = data["review"]
    values = value if isinstance(value, list) else [value]
    if not values or any(v not in REVIEW_MOMENTS for v in values) or len(set(values)) != len(values):
        checks.problem(data.line_of("review"), f"the quiz: 'review' must be one of {', '.join(REVIEW_MOMENTS)} "
                                               "or a list of them")
        return ["never"]
    if "never" in values and len(values) > 1:
        checks.problem(data.line_of("review"), "the quiz: 'review: never' cannot be combined with other moments")
        return ["never"]
    return [str(v) for v in values]


def _load_question(checks: _Checks, data, line: int, index: int, seen: set[str]) -> dict | None:
    if not isinstance(data, LineDict):
        checks.problem(line, f"question {index + 1} must be a mapping")
        return None
    qtype = data.get("type")
    where = f"question {data.get('id', index + 1)!s}"
    if qtype not in QUESTION_TYPES:
        checks.problem(data.line_of("type"), f"{where}: 'type' must be one of {', '.join(QUESTION_TYPES)}")
        return None
    checks.keys(data, QUESTION_KEYS[qtype], {"id", "type", "text"} | ({"options"} if qtype in ("single", "multiple")
                                                                       else {"answer"} if qtype == "numeric"
                                                                       else {"answers"}), where)
    key = checks.key_value(data, "id", where) if "id" in data else None
    if key in seen:
        checks.problem(data.line_of("id"), f"question id {key!r} is used twice")
    seen.add(key or "")
    question = {"id": key or str(index + 1), "type": qtype, "text": checks.translations(data, "text", where),
                "points": checks.number(data, "points", where, 1, minimum=0),
                "explanation": checks.translations(data, "explanation", where, required=False),
                "hint": checks.translations(data, "hint", where, required=False)}
    if qtype in ("single", "multiple"):
        options = checks.listing(data, "options", where) or LineList()
        if "options" in data and len(options) < 2:
            checks.problem(data.line_of("options"), f"{where} needs at least two options")
        parsed, option_ids = [], set()
        for option_index, option in enumerate(options):
            option_line = options.line_of(option_index)
            if not isinstance(option, LineDict):
                checks.problem(option_line, f"{where}: option {option_index + 1} must be a mapping with id and text")
                continue
            option_where = f"{where}, option {option.get('id', option_index + 1)!s}"
            checks.keys(option, OPTION_KEYS, {"id", "text"}, option_where)
            option_id = checks.key_value(option, "id", option_where) if "id" in option else None
            if option_id in option_ids:
                checks.problem(option.line_of("id"), f"{option_where}: option id used twice")
            option_ids.add(option_id or "")
            parsed.append({"id": option_id or str(option_index + 1),
                           "text": checks.translations(option, "text", option_where),
                           "correct": checks.boolean(option, "correct", option_where, False)})
        correct = sum(1 for option in parsed if option["correct"])
        if parsed and qtype == "single" and correct != 1:
            checks.problem(data.line_of("options"), f"{where}: a single-choice question needs exactly one correct option")
        if parsed and qtype == "multiple" and correct < 1:
            checks.problem(data.line_of("options"), f"{where}: mark at least one option correct")
        question["options"] = parsed
    elif qtype == "numeric":
        question["answer"] = checks.number(data, "answer", where, 0)
        question["tolerance"] = checks.number(data, "tolerance", where, 0, minimum=0)
    else:
        answers = checks.mapping(data, "answers", where)
        accepted: dict[str, list[str]] = {}
        if answers is not None:
            for language in answers:
                if language not in LANGUAGES:
                    checks.problem(answers.line_of(language), f"{where}: unknown language {language!r} in 'answers'")
            for language in checks.languages:
                values = answers.get(language)
                if isinstance(values, str):
                    values = [values]
                if not isinstance(values, list) or not values or not all(isinstance(v, (str, int, float))
                                                                        for v in values):
                    checks.problem(answers.line_of(language) if language in answers else answers.line,
                                   f"{where}: missing {language!r} accepted answers (a list of texts)")
                    continue
                accepted[language] = [str(v) for v in values]
        question["answers"] = accepted
    return question
