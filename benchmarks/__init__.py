"""
Benchmarks of bert_cls, run from the project root as modules:

    .venv/bin/python -m benchmarks.speed_memory [--archive runs/latest/model.tar.gz] [--quick]
    .venv/bin/python -m benchmarks.predict_memory [--archive model.tar.gz]

Not installed with bert_cls. The package imports the library, never the examples: what it needs
of the SpamAssassin example (its config and its shipped split) it reads as files, from the paths
in `benchmarks.paths`. Importing this package, or `benchmarks.speed_memory`, imports none of
torch, transformers, AllenNLP or bert_cls; only the worker processes do.
"""
