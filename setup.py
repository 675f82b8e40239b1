from setuptools import find_packages, setup

REPORT_REQUIREMENTS = ["scikit-learn", "matplotlib"]

setup(
    name="bert_cls",
    version="0.1.0",
    description=(
        "BertForClassification for AllenNLP 2.10.1: pretrained BERT, pooled output, "
        "dropout and one Linear layer, with the bert-pretrained indexer and bert-basic tokenizer."
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["bert_cls", "bert_cls.*"]),
    # The demo page of `allennlp serve` (bert_cls/serving/static/).
    package_data={"bert_cls.serving": ["static/*"]},
    include_package_data=True,
    # 3.10: Path.is_relative_to and tarfile's extraction filters (filter="data"); the tokenizers
    # version AllenNLP 2.10.1 pins does not install on 3.11.
    python_requires=">=3.10,<3.11",
    install_requires=[
        "allennlp==2.10.1",
        "torch==1.12.1",
        "pytorch-pretrained-bert==0.6.2",
        "overrides",
        "numpy<2",
        "safetensors",
        # `allennlp serve` (bert_cls.serving); `--include-package bert_cls` imports it.
        "fastapi",
        "uvicorn",
    ],
    extras_require={
        # bert-cls-report and bert_cls.evaluation: metrics, the baseline and the pictures.
        "report": REPORT_REQUIREMENTS,
        # What examples/ needs beyond the plugin: the report's libraries.
        "examples": REPORT_REQUIREMENTS,
        # Lint and format (`make lint`), property-based tests, the demo page's browser test (with
        # Debian's chromium and chromium-driver, which `make test` installs).
        "dev": ["ruff", "hypothesis", "selenium"],
        # ONNX export (`bert-cls-export-onnx`) and the predictor's ONNX Runtime path.
        "onnx": ["onnx", "onnxruntime"],
    },
    entry_points={
        "console_scripts": [
            "bert-cls-convert-checkpoint = bert_cls.commands.convert_checkpoint:main",
            "bert-cls-report = bert_cls.commands.report:main",
            "bert-cls-serve = bert_cls.commands.serve:main",
            "bert-cls-export-onnx = bert_cls.commands.export_onnx:main",
        ]
    },
)
