import io
import tarfile

import pytest
from allennlp.common.checks import ConfigurationError

from bert_cls.common.safe_tar import safe_extract_tar
from bert_cls.modules.bert_loading import load_bert_model


def add_file(tar: tarfile.TarFile, name: str, data: bytes = b"payload") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def add_link(tar: tarfile.TarFile, name: str, target: str, kind=tarfile.SYMTYPE) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tar.addfile(info)


def build_archive(path, *members):
    with tarfile.open(path, "w:gz") as tar:
        add_file(tar, "bert_config.json", b"{}")
        for add, *args in members:
            add(tar, *args)
    return path


@pytest.mark.parametrize(
    "members,reason",
    [
        ([(add_file, "../escaped.txt")], "outside the extraction directory"),
        ([(add_file, "nested/../../escaped.txt")], "outside the extraction directory"),
        ([(add_file, "/tmp/bert_cls_absolute_escape.txt")], "absolute path"),
        ([(add_link, "link", "../../escaped.txt")], "points outside"),
        ([(add_link, "link", "/etc/passwd")], "link to the absolute path"),
        ([(add_link, "hard", "../escaped.txt", tarfile.LNKTYPE)], "points outside"),
        ([(add_link, "fifo", "", tarfile.FIFOTYPE)], "special file"),
    ],
)
def test_hostile_members_are_refused_and_nothing_is_written(tmp_path, members, reason):
    archive = build_archive(tmp_path / "hostile.tar.gz", *members)
    destination = tmp_path / "inside" / "extract"
    destination.mkdir(parents=True)
    with pytest.raises(ConfigurationError) as error:
        safe_extract_tar(archive, destination)
    assert reason in str(error.value)
    assert "hostile.tar.gz" in str(error.value)
    assert list(destination.iterdir()) == []
    assert not (tmp_path / "inside" / "escaped.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_a_symlink_inside_the_directory_is_fine(tmp_path):
    archive = build_archive(
        tmp_path / "ok.tar.gz", (add_file, "a/real.txt"), (add_link, "a/alias.txt", "real.txt")
    )
    safe_extract_tar(archive, tmp_path / "out")
    assert (tmp_path / "out" / "a" / "alias.txt").read_text() == "payload"


def test_bert_model_archive_with_an_escaping_member_is_refused(tmp_path):
    archive = build_archive(tmp_path / "model.tar.gz", (add_file, "../../outside.bin"))
    with pytest.raises(ConfigurationError, match="Refusing to extract archive"):
        load_bert_model(str(archive))
    assert not (tmp_path / "outside.bin").exists()
