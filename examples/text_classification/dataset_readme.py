"""The README written beside a prepared data set's files."""

from collections import Counter
from typing import Dict

from examples.text_classification.prepared_dataset import SPLITS, PreparedDataset


def counts_table(dataset: PreparedDataset) -> str:
    """A Markdown table of documents per label (rows, most frequent first) and split."""
    counts: Dict[str, Counter] = {
        split: Counter(example.label for example in dataset.splits[split]) for split in SPLITS
    }
    totals = Counter()
    for split in SPLITS:
        totals.update(counts[split])
    labels = sorted(totals, key=lambda label: (-totals[label], label))
    lines = [
        "| label | " + " | ".join(SPLITS) + " | all |",
        "|---" + "|---:" * (len(SPLITS) + 1) + "|",
    ]
    for label in labels:
        cells = [f"{counts[split][label]:,}" for split in SPLITS] + [f"{totals[label]:,}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    sizes = [f"**{len(dataset.splits[split]):,}**" for split in SPLITS]
    lines.append("| **all** | " + " | ".join(sizes) + f" | **{sum(totals.values()):,}** |")
    return "\n".join(lines)


def render_readme(dataset: PreparedDataset) -> str:
    differences = "\n".join(f"- {difference}" for difference in dataset.differences)
    facts = "\n".join(f"- {name}: {value}" for name, value in dataset.facts.items())
    return f"""# {dataset.title}

Written by `python -m examples.text_classification.prepare --datasets {dataset.name}`; do not edit
(it is rewritten from the packages). One JSON object a line, `{{"id", "text", "label"}}`, in
`train.jsonl`, `validation.jsonl` and `test.jsonl`; `SHA256SUMS` checks them.

## Source

{dataset.source}

## License

{dataset.license}

## How it differs from the published setting

{differences}

## Documents per label and split ({len(dataset.labels())} labels)

{counts_table(dataset)}

## Figures measured while preparing

{facts}
"""
