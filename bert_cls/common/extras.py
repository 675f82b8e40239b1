"""How to install one of bert_cls's extras, said the same way by every error that needs one."""


def install_instruction(extra: str) -> str:
    """
    `"Install bert_cls's extra bert_cls[EXTRA]: in the bert_cls checkout, pip install ..."`: the
    editable install from the clone, under the pins in `constraints.txt`.
    """
    return (
        f"Install bert_cls's extra bert_cls[{extra}]: in the bert_cls checkout, "
        f"pip install -c constraints.txt -e '.[{extra}]'"
    )
