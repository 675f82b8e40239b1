from bert_cls.common.extras import install_instruction


def test_the_instruction_names_the_extra_and_the_pinned_editable_install():
    instruction = install_instruction("report")
    assert "bert_cls[report]" in instruction
    assert "pip install -c constraints.txt -e '.[report]'" in instruction
