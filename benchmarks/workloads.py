"""
The texts every system is measured on, from the SpamAssassin example's shipped split (each
email's text is its subject, one newline, and its body):

- "short": subject lines of the validation split;
- "long": bodies of the validation split, cut after the last whole word that fits in 126
  wordpieces, so that with [CLS] and [SEP] every system sees the same <= 128 wordpieces;
- "train": `{"text", "label"}` items of the train split, bodies cut the same way.

The emails are shuffled with fixed seeds, so every system gets the same texts in the same order.
"""

import gzip
import json
import random
from typing import Any, Dict, List, Optional, Sequence, Tuple

from benchmarks.paths import SPAMASSASSIN_SPLIT
from benchmarks.settings import INFER_BATCH_SIZE, MAX_PIECES, TRAIN_BATCH_SIZE, WORKLOAD_SEED


def read_split(split: str) -> List[Dict[str, str]]:
    """The `{"text", "label", "id"}` rows of one shipped split ("train", "validation", "test")."""
    with gzip.open(SPAMASSASSIN_SPLIT / f"{split}.jsonl.gz", "rt", encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def subject_and_body(text: str) -> Tuple[str, str]:
    """
    The split's texts are `normalize_whitespace(subject + "\\n" + body)`: the subject is the
    first line (for the few emails without a subject, the body's first line), the body the rest.
    """
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def cut_to_whole_words(text: str, tokenizer, budget: int = MAX_PIECES - 2) -> Optional[str]:
    """
    `text` up to the end of its last whole word whose wordpieces fit in `budget` (so that no
    system truncates it further, whatever its truncation rule), or `None` when not even the first
    word fits, or when the text has no wordpiece at all. `tokenizer` is a Hugging Face fast
    tokenizer (it gives each wordpiece's word and character offsets).
    """
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    word_ids = encoding.word_ids()
    if not word_ids:
        return None
    if len(word_ids) <= budget:
        return text
    first_cut_word = word_ids[budget]
    end = None
    for position in range(budget):
        if word_ids[position] == first_cut_word:
            break
        end = encoding["offset_mapping"][position][1]
    return None if end is None else text[:end].rstrip()


def batches(items: Sequence[Any], size: int) -> List[List[Any]]:
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def build_workloads(
    tokenizer, short_batches: int, long_batches: int, train_steps: int
) -> Dict[str, Any]:
    """
    `short_batches` and `long_batches` batches of `INFER_BATCH_SIZE` texts and `train_steps`
    batches of `TRAIN_BATCH_SIZE` training items, cut with `tokenizer` (`cut_to_whole_words`).
    Exits with a message if a split has too few usable texts.
    """
    validation = read_split("validation")
    random.Random(WORKLOAD_SEED).shuffle(validation)
    short, long = [], []
    for row in validation:
        subject, body = subject_and_body(row["text"])
        if len(short) < short_batches * INFER_BATCH_SIZE and subject:
            cut = cut_to_whole_words(subject, tokenizer)
            if cut:
                short.append(cut)
        if len(long) < long_batches * INFER_BATCH_SIZE and body:
            cut = cut_to_whole_words(body, tokenizer)
            if cut:
                long.append(cut)
    train_rows = read_split("train")
    random.Random(WORKLOAD_SEED + 1).shuffle(train_rows)
    train = []
    for row in train_rows:
        if len(train) == train_steps * TRAIN_BATCH_SIZE:
            break
        _, body = subject_and_body(row["text"])
        cut = cut_to_whole_words(body, tokenizer) if body else None
        if cut:
            train.append({"text": cut, "label": row["label"]})
    for name, items, wanted in (
        ("short", short, short_batches * INFER_BATCH_SIZE),
        ("long", long, long_batches * INFER_BATCH_SIZE),
        ("train", train, train_steps * TRAIN_BATCH_SIZE),
    ):
        if len(items) < wanted:
            raise SystemExit(
                f"only {len(items)} usable texts for the {name} workload, "
                f"{wanted} needed (split: {SPAMASSASSIN_SPLIT})"
            )
    return {
        "short": batches(short, INFER_BATCH_SIZE),
        "long": batches(long, INFER_BATCH_SIZE),
        "train": batches(train, TRAIN_BATCH_SIZE),
    }
