"""
Real-data jobs built on bert_cls, one folder each, run from a clone (not installed with the
plugin): data preparation, config, report and README, with paths taken from their own folder.
"""
