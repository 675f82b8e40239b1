"""
BERT's special wordpieces, as every BERT `vocab.txt` spells them, shared by the tokenizer, the
indexer and the readers.
"""

PAD = "[PAD]"
UNK = "[UNK]"
CLS = "[CLS]"
SEP = "[SEP]"
MASK = "[MASK]"

# pytorch-pretrained-bert's default `never_split`: the words the `bert-basic` tokenizer keeps
# whole and the `bert-pretrained` indexer never lowercases, unless configured otherwise.
SPECIAL_TOKENS = (UNK, SEP, PAD, CLS, MASK)
