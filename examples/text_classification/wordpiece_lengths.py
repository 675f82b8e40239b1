"""
How long a prepared split is in wordpieces, overall and per label, and how much of it a
`max_pieces` cut leaves out, through the configs' own word tokenizer (`bert-basic`) and
`bert-pretrained` indexer:

    python -m examples.text_classification.wordpiece_lengths 20ng [--split test] [--max-pieces 256]
"""

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import numpy

from bert_cls.common.bert_files import installed_minilm_directory
from bert_cls.data.token_indexers import PretrainedBertIndexer
from bert_cls.data.tokenizers import BertBasicTokenizer
from examples.text_classification.datasets import DATASETS
from examples.text_classification.paths import DATA_DIR


def wordpiece_length(
    text: str, tokenizer: BertBasicTokenizer, indexer: PretrainedBertIndexer
) -> int:
    """Wordpieces of `text` with `[CLS]` and `[SEP]`, before any cut."""
    return 2 + sum(len(indexer.wordpieces(token)) for token in tokenizer.tokenize(text))


def length_summary(lengths: Iterable[int], max_pieces: int) -> Dict[str, float]:
    """`texts`, `median` and `p90` (wordpieces), and `share_cut`: the share over `max_pieces`."""
    lengths = numpy.asarray(list(lengths))
    return {
        "texts": int(lengths.size),
        "median": float(numpy.median(lengths)),
        "p90": float(numpy.percentile(lengths, 90)),
        "share_cut": float(numpy.mean(lengths > max_pieces)),
    }


def split_summary(
    split_file: Path, pretrained_model: str, max_pieces: int
) -> Dict[str, Dict[str, float]]:
    """`length_summary` of a `text`/`label` jsonl file: under "all" and under each label."""
    tokenizer = BertBasicTokenizer()
    indexer = PretrainedBertIndexer(pretrained_model=pretrained_model, max_pieces=max_pieces)
    by_label: Dict[str, List[int]] = defaultdict(list)
    with open(split_file, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            by_label[str(row["label"])].append(wordpiece_length(row["text"], tokenizer, indexer))
    summary = {"all": length_summary([n for ns in by_label.values() for n in ns], max_pieces)}
    summary.update({label: length_summary(ns, max_pieces) for label, ns in by_label.items()})
    return summary


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m examples.text_classification.wordpiece_lengths", description=__doc__
    )
    parser.add_argument("dataset", choices=sorted(DATASETS))
    parser.add_argument("--split", default="test", choices=["train", "validation", "test"])
    parser.add_argument("--max-pieces", type=int, default=256)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--bert-model", help="default: the installed all-MiniLM-L6-v2")
    args = parser.parse_args(argv)
    bert_model = args.bert_model or str(installed_minilm_directory())
    split_file = args.data_dir / args.dataset / f"{args.split}.jsonl"
    if not split_file.is_file():
        parser.exit(
            2, f"{split_file} does not exist: run python -m examples.text_classification.prepare\n"
        )
    summary = split_summary(split_file, bert_model, args.max_pieces)
    print(f"{split_file}: wordpieces per text, share over max_pieces={args.max_pieces}")
    for label, row in sorted(summary.items(), key=lambda item: -item[1]["share_cut"]):
        print(
            f"{label:28s} {row['texts']:6d} texts  median {row['median']:6.0f}  "
            f"p90 {row['p90']:6.0f}  over {row['share_cut']:.0%}"
        )


if __name__ == "__main__":
    main()
