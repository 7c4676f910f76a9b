"""Kazakh Cyrillic → Kazakh Latin (the 2021 alphabet: A Ä B D E F G Ğ H I İ J K L M N Ñ O Ö P Q R S
Ş T U Ū Ü V Y Z).

The Latin view of Oqu is not a third catalog: it is the Kazakh catalog's output, and Kazakh
content, run through :func:`to_latin`. Letters only found in Russian loanwords (ё ц ч щ ъ ь э ю я)
get their customary digraphs.
"""
from __future__ import annotations

import re

_LOWER = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e", "ё": "io",
    "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "ū",
    "ү": "ü", "ф": "f", "х": "h", "һ": "h", "ц": "ts", "ч": "ch", "ш": "ş", "щ": "şş", "ъ": "",
    "ы": "y", "і": "ı", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}
# Capitals are written out rather than derived with str.upper(): "і" must become "I" and
# "и"/"й" must become "İ" (dotted), which case mapping would get wrong.
_UPPER = {
    "А": "A", "Ә": "Ä", "Б": "B", "В": "V", "Г": "G", "Ғ": "Ğ", "Д": "D", "Е": "E", "Ё": "Io",
    "Ж": "J", "З": "Z", "И": "İ", "Й": "İ", "К": "K", "Қ": "Q", "Л": "L", "М": "M", "Н": "N",
    "Ң": "Ñ", "О": "O", "Ө": "Ö", "П": "P", "Р": "R", "С": "S", "Т": "T", "У": "U", "Ұ": "Ū",
    "Ү": "Ü", "Ф": "F", "Х": "H", "Һ": "H", "Ц": "Ts", "Ч": "Ch", "Ш": "Ş", "Щ": "Şş", "Ъ": "",
    "Ы": "Y", "І": "I", "Ь": "", "Э": "E", "Ю": "Iu", "Я": "Ia",
}
_CYRILLIC = re.compile("[" + "".join(_LOWER) + "".join(_UPPER) + "]")


def to_latin(text: str) -> str:
    """Transliterate Kazakh Cyrillic in ``text``; everything else passes through unchanged.

    A capital digraph in an all-capitals word stays all capitals (``ЧАЙ`` → ``CHAİ``).
    """
    if not text or not _CYRILLIC.search(text):
        return text

    def replace(match: re.Match[str]) -> str:
        char = match.group(0)
        if char in _LOWER:
            return _LOWER[char]
        latin = _UPPER[char]
        if len(latin) > 1:
            start, end = match.start(), match.end()
            neighbours = text[max(start - 1, 0):start] + text[end:end + 1]
            if any(c.isalpha() and c.isupper() for c in neighbours):
                return latin.upper()
        return latin

    return _CYRILLIC.sub(replace, text)
