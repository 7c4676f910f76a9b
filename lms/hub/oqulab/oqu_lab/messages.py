"""The Oqu extension's strings (the ``oqu_lab`` domain of JupyterLab's translations) in Kazakh and
Russian; ``python -m lms.hub.oqulab.oqu_lab.messages`` writes the catalogs JupyterLab serves
(``locale/<locale>/LC_MESSAGES/oqu_lab.json``, Jed format, found through the ``jupyterlab.locale`` entry
point), the Kazakh Latin one transliterated from the Kazakh by Oqu's own rules. The message ids are the
English strings of ``src/*.ts`` (``trans.__(…)``); tests/hub/test_lab_extension_strings.py fails when one
of them has no translation here."""
from __future__ import annotations

import json
from pathlib import Path

DOMAIN = "oqu_lab"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

# message id → (Kazakh, Russian)
MESSAGES: dict[str, tuple[str, str]] = {
    "Submit": ("Тапсыру", "Сдать"),
    "Cancel": ("Бас тарту", "Отмена"),
    "Save and submit this assignment for grading": ("Тапсырманы сақтап, тексеруге тапсыру",
                                                    "Сохранить задание и сдать его на проверку"),
    "Submit the assignment?": ("Тапсырманы тапсырасыз ба?", "Сдать задание?"),
    "Your notebooks of «%1» are saved and will be submitted for grading.": (
        "«%1» тапсырмасының дәптерлері сақталды, енді олар тексеруге жіберіледі.",
        "Ваши блокноты задания «%1» сохранены и будут отправлены на проверку."),
    "There is no limit on attempts.": ("Әрекет саны шектелмеген.", "Число попыток не ограничено."),
    "Attempts left after this one: %1 of %2": ("Осыдан кейін қалатын әрекет: %2 әрекеттің %1-і",
                                               "После этой попытки останется: %1 из %2"),
    "Due: %1": ("Тапсыру мерзімі: %1", "Срок сдачи: %1"),
    "There is no due date.": ("Тапсыру мерзімі белгіленбеген.", "Срок сдачи не установлен."),
    "The due date has passed: this submission loses %1 % of its points.": (
        "Тапсыру мерзімі өтіп кетті: бұл жұмыстың ұпайынан %1 % шегеріледі.",
        "Срок сдачи прошёл: за эту сдачу снимается %1 % баллов."),
    "The due date has passed: this submission is marked late.": (
        "Тапсыру мерзімі өтіп кетті: бұл жұмыс кешігіп тапсырылды деп белгіленеді.",
        "Срок сдачи прошёл: сдача будет отмечена как поздняя."),
    "Not submitted": ("Тапсырылмады", "Не сдано"),
    "Oqu cannot be reached right now, so nothing was submitted. Please try again in a few minutes.": (
        "Oqu жүйесімен қазір байланыс жоқ, сондықтан ештеңе тапсырылмады. Бірнеше минуттан кейін қайталап көріңіз.",
        "Oqu сейчас недоступен, поэтому ничего не сдано. Повторите попытку через несколько минут."),
    "Oqu: submissions and assignments": ("Oqu: тапсырылған жұмыстар мен тапсырмалар", "Oqu: сдачи и задания"),
    "Your submission": ("Сіз тапсырған жұмыс", "Ваша сдача"),
    "Attempt %1": ("%1-әрекет", "Попытка %1"),
    "Score: %1 of %2": ("Ұпай: %2 ұпайдың %1-і", "Баллы: %1 из %2"),
    "Feedback": ("Кері байланыс", "Отзыв"),
    "Assignments of the course": ("Курстың тапсырмалары", "Задания курса"),
    "Not submitted yet": ("Әлі тапсырылмаған", "Ещё не сдано"),
    "Attempts left: %1": ("Қалған әрекет: %1", "Осталось попыток: %1"),
    "A new version of this assignment is available beside your work: %1": (
        "Бұл тапсырманың жаңа нұсқасы жұмысыңыздың жанына қойылды: %1",
        "Рядом с вашей работой появилась новая версия задания: %1"),
}


def catalogs() -> dict[str, dict]:
    """locale → the Jed catalog of the domain."""
    from lms.i18n.latin import to_latin

    def catalog(language: str, plural: str, texts: dict[str, str]) -> dict:
        return {"": {"domain": DOMAIN, "language": language, "plural_forms": plural, "version": "0.1.0"},
                **{message: [text] for message, text in texts.items()}}

    kazakh = {message: kk for message, (kk, _ru) in MESSAGES.items()}
    return {
        "kk_KZ": catalog("kk-KZ", "nplurals=2; plural=(n != 1);", kazakh),
        "kk_Latn_KZ": catalog("kk-Latn-KZ", "nplurals=2; plural=(n != 1);",
                              {message: to_latin(text) for message, text in kazakh.items()}),
        "ru_RU": catalog("ru-RU", "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
                                  "(n%100<10 || n%100>=20) ? 1 : 2);",
                         {message: ru for message, (_kk, ru) in MESSAGES.items()}),
    }


def write_catalogs() -> list[Path]:
    written = []
    for locale, catalog in catalogs().items():
        path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(catalog, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_catalogs():
        print(written_path)
