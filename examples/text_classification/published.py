"""
The published test accuracies (%) the table stands beside, as the papers print them.

- TF-IDF + LR: Yao, Mao and Luo, "Graph Convolutional Networks for Text Classification"
  (TextGCN), AAAI 2019, Table 2.
- BERT-base and RoBERTa-base fine-tuned: Lin et al., "BertGCN: Transductive Text Classification
  by Combining GCN and BERT", Findings of ACL 2021, main results table.
"""

from typing import Dict

TFIDF_LR_SOURCE = "TextGCN (Yao et al., AAAI 2019), Table 2"
BERT_SOURCE = "BertGCN (Lin et al., Findings of ACL 2021), main results table"

PUBLISHED_ACCURACY: Dict[str, Dict[str, float]] = {
    "20ng": {"tfidf_lr": 83.19, "bert_base": 85.3, "roberta_base": 83.8},
    "r8": {"tfidf_lr": 93.74, "bert_base": 97.8, "roberta_base": 97.8},
    "r52": {"tfidf_lr": 86.95, "bert_base": 96.4, "roberta_base": 96.2},
    "mr": {"tfidf_lr": 74.59, "bert_base": 85.7, "roberta_base": 89.4},
}
