from setuptools import find_packages, setup

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
    python_requires=">=3.8,<3.11",
    install_requires=[
        "allennlp==2.10.1",
        "torch==1.12.1",
        "pytorch-pretrained-bert==0.6.2",
        "overrides",
        "numpy<2",
        "safetensors",
        "scikit-learn",
        "matplotlib",
    ],
    extras_require={
        # bert-cls-report and bert_cls.evaluation: metrics, the baseline and the pictures.
        "report": ["scikit-learn", "matplotlib"],
    },
    entry_points={
        "console_scripts": [
            "bert-cls-convert-checkpoint = bert_cls.tools.convert_checkpoint:main",
            "bert-cls-report = bert_cls.commands.report:main",
        ]
    },
)
