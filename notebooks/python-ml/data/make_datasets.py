"""Build the data files of the python-ml course's notebook assignments, deterministically.

    python notebooks/python-ml/data/make_datasets.py

Every file is synthetic, generated for Oqu (see README.md next to this script): no real person,
appeal or statistic is in it. Running the script again writes byte-identical files, so the
committed files and the script can be checked against each other (tests/curriculum).
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
COURSE = HERE.parent

REGIONS = [
    "Астана", "Алматы", "Шымкент", "Абай облысы", "Ақмола облысы", "Ақтөбе облысы", "Алматы облысы",
    "Атырау облысы", "Батыс Қазақстан облысы", "Жамбыл облысы", "Жетісу облысы", "Қарағанды облысы",
    "Қостанай облысы", "Қызылорда облысы", "Маңғыстау облысы", "Павлодар облысы",
    "Солтүстік Қазақстан облысы", "Түркістан облысы", "Ұлытау облысы", "Шығыс Қазақстан облысы",
]
CATEGORIES = ["transport", "utilities", "health", "education", "social"]
CATEGORY_SHARE = {"transport": 0.9, "utilities": 1.4, "health": 1.0, "education": 0.8, "social": 0.6}
CHANNELS = ["egov", "office", "phone"]

# Latin (and IPA) letters that look like Cyrillic ones: what a keyboard without Kazakh letters, a
# scanner or a copy from a PDF leaves in Kazakh text. The kazakh-text notebook undoes this.
LOOKALIKES = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
              "һ": "h", "ә": "ə", "ө": "ɵ", "А": "A", "Е": "E", "О": "O", "Р": "P", "С": "C",
              "Т": "T", "Н": "H", "К": "K", "М": "M", "В": "B", "Х": "X", "І": "I", "Ә": "Ə"}


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {path.relative_to(COURSE)} ({len(rows)} rows)")


def appeals_by_region(rng: np.random.Generator) -> list[list]:
    """Monthly appeals to akimats in 2025: region, month, category, received, resolved on time,
    mean days to answer (a few missing) — the shape of an open-data table, with its usual flaws:
    a few region names carry stray spaces and some mean-days cells are empty."""
    rows = []
    size = {region: rng.uniform(0.4, 3.0) for region in REGIONS}
    on_time = {region: rng.uniform(0.70, 0.96) for region in REGIONS}
    for month in range(1, 13):
        winter = 1.25 if month in (1, 2, 12) else 1.0
        for region in REGIONS:
            for category in CATEGORIES:
                season = winter if category == "utilities" else 1.0
                received = int(rng.poisson(120 * size[region] * CATEGORY_SHARE[category] * season))
                rate = min(0.99, max(0.4, on_time[region] + rng.normal(0, 0.03)))
                resolved = int(rng.binomial(received, rate))
                days = round(float(max(1.0, rng.normal(6 + 10 * (1 - rate), 1.5))), 1)
                name = region + " " if rng.random() < 0.02 else region
                rows.append([name, f"2025-{month:02d}", category, received, resolved,
                             "" if rng.random() < 0.04 else days])
    return rows


def appeal_cases(rng: np.random.Generator, n: int = 1200) -> list[list]:
    """Single appeals with what is known when they arrive, and whether the answer came late."""
    rows = []
    for number in range(1, n + 1):
        category = CATEGORIES[rng.integers(len(CATEGORIES))]
        channel = CHANNELS[rng.choice(3, p=[0.6, 0.25, 0.15])]
        rural = int(rng.random() < 0.4)
        documents = int(rng.integers(0, 7))
        agencies = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
        prior = int(rng.poisson(0.8))
        words = int(rng.integers(20, 400))
        logit = 2.2 * (-3.1 + 0.45 * documents + 1.1 * (agencies - 1) + 0.5 * prior + 0.8 * rural
                       + {"egov": -0.4, "office": 0.2, "phone": 0.5}[channel]
                       + {"transport": 0.3, "utilities": 0.1, "health": -0.2, "education": -0.3, "social": 0.4}[category]
                       + 0.002 * words)
        late = int(rng.random() < 1 / (1 + np.exp(-logit)))
        rows.append([f"A-{number:05d}", category, channel, rural, documents, agencies, prior, words, late])
    return rows


def kazakh_corpus(seed: int = 2025) -> list[list]:
    """The hand-written corpus (kazakh_appeals.tsv), as appeals arrive: about a quarter of them with
    Latin look-alike letters, some in capitals, some with extra spaces and punctuation."""
    pick = random.Random(seed)
    with (HERE / "kazakh_appeals.tsv").open(encoding="utf-8") as handle:
        records = list(csv.DictReader(handle, delimiter="\t"))
    rows = []
    for number, record in enumerate(records, start=1):
        text = record["text"]
        if pick.random() < 0.25:
            text = "".join(LOOKALIKES[ch] if ch in LOOKALIKES and pick.random() < 0.5 else ch for ch in text)
        if pick.random() < 0.08:
            text = text.upper()
        if pick.random() < 0.15:
            text = "  " + text.replace(" ", "  ", 1) + pick.choice(["!!", " !", "...", "?!"])
        rows.append([number, text, record["topic"]])
    return rows


def main() -> None:
    for folder in ("pandas-appeals", "classifier", "kazakh-text"):
        (COURSE / folder).mkdir(exist_ok=True)
    write_csv(COURSE / "pandas-appeals" / "appeals_2025.csv",
              ["region", "month", "category", "received", "resolved_on_time", "mean_days"],
              appeals_by_region(np.random.default_rng(20250101)))
    write_csv(COURSE / "classifier" / "appeal_cases.csv",
              ["appeal_id", "category", "channel", "rural", "documents", "agencies", "prior_appeals", "words",
               "late"],
              appeal_cases(np.random.default_rng(20250202)))
    write_csv(COURSE / "kazakh-text" / "kazakh_appeals.csv", ["id", "text", "topic"], kazakh_corpus())


if __name__ == "__main__":
    main()
