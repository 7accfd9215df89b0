"""Downloads against a local HTTP server: resume, retry, checksums, atomicity, safe extraction."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

from helpers.data import catalog
from helpers.data.catalog import DatasetSpec, RemoteFile
from helpers.data.download import (
    ChecksumError,
    DownloadError,
    UnsafeArchiveError,
    download_file,
    extract_members,
)
from helpers.data.loaders import (
    DatasetNotFoundError,
    download_dataset,
    ensure_dataset,
)

PAYLOAD = bytes(range(256)) * 1000  # 256 kB, several chunks


def md5(data: bytes) -> str:
    return "md5:" + hashlib.md5(data).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_download_writes_complete_file_and_no_temporary(file_server, tmp_path):
    file_server.files["blob.bin"] = PAYLOAD
    target = download_file(
        f"{file_server.url}/blob.bin",
        tmp_path / "blob.bin",
        md5(PAYLOAD),
        show_progress=False,
    )
    assert target.read_bytes() == PAYLOAD
    assert leftovers(tmp_path) == ["blob.bin"]


def test_cut_transfer_resumes_with_range_request(file_server, tmp_path):
    file_server.files["blob.bin"] = PAYLOAD
    file_server.truncate_first = 1
    download_file(
        f"{file_server.url}/blob.bin",
        tmp_path / "blob.bin",
        md5(PAYLOAD),
        show_progress=False,
    )
    assert (tmp_path / "blob.bin").read_bytes() == PAYLOAD
    (_, first_range), (_, second_range) = file_server.requests
    assert first_range is None
    # resumed where the first transfer stopped
    assert second_range == f"bytes={len(PAYLOAD) // 2}-"


def test_cut_transfer_restarts_when_server_ignores_range(file_server, tmp_path):
    file_server.files["blob.bin"] = PAYLOAD
    file_server.truncate_first = 1
    file_server.honour_range = False
    download_file(
        f"{file_server.url}/blob.bin",
        tmp_path / "blob.bin",
        md5(PAYLOAD),
        show_progress=False,
    )
    assert (tmp_path / "blob.bin").read_bytes() == PAYLOAD
    assert len(file_server.requests) == 2


def test_transfer_that_keeps_failing_leaves_nothing(file_server, tmp_path):
    file_server.files["blob.bin"] = PAYLOAD
    file_server.truncate_first = 100
    file_server.honour_range = False
    with pytest.raises(DownloadError, match="failed after 3 attempts"):
        download_file(
            f"{file_server.url}/blob.bin",
            tmp_path / "blob.bin",
            md5(PAYLOAD),
            retries=2,
            show_progress=False,
        )
    assert leftovers(tmp_path) == []


def test_checksum_mismatch_removes_file_and_says_so(file_server, tmp_path):
    file_server.files["blob.bin"] = PAYLOAD
    with pytest.raises(ChecksumError, match="md5 is .* expected 0+; .* deleted"):
        download_file(
            f"{file_server.url}/blob.bin",
            tmp_path / "blob.bin",
            "md5:" + "0" * 32,
            show_progress=False,
        )
    assert leftovers(tmp_path) == []


def test_http_error_is_not_retried(file_server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download_file(
            f"{file_server.url}/absent.bin",
            tmp_path / "absent.bin",
            md5(b""),
            show_progress=False,
        )
    assert len(file_server.requests) == 1
    assert leftovers(tmp_path) == []


def make_tar(
    members: dict[str, bytes], links: dict[str, str] | None = None
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, link_target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = link_target
            tar.addfile(info)
    return buffer.getvalue()


def cifar_records(n: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    records = rng.integers(0, 256, size=(n, 3073), dtype=np.uint8)
    records[:, 0] = np.arange(n) % 10
    return records.tobytes()


def fake_cifar_spec(archive: bytes) -> DatasetSpec:
    real = catalog.DATASETS["cifar10"]
    remote = real.remote[0]
    return DatasetSpec(
        name="cifar10",
        description=real.description,
        files=real.files,
        remote=(
            RemoteFile(
                url=remote.url,
                checksum=md5(archive),
                target=remote.target,
                members=remote.members,
            ),
        ),
    )


def test_download_dataset_extracts_expected_members_and_removes_archive(
    file_server, tmp_path, monkeypatch
):
    members = {
        name: cifar_records(20, k)
        for k, name in enumerate(catalog.DATASETS["cifar10"].files)
    }
    members["cifar-10-batches-bin/readme.html"] = (
        b"<html></html>"  # present in the real archive
    )
    archive = make_tar(members)
    file_server.files["cifar-10-binary.tar.gz"] = archive
    monkeypatch.setitem(catalog.DATASETS, "cifar10", fake_cifar_spec(archive))
    download_dataset(
        "cifar10", tmp_path, mirror=file_server.url, show_progress=False
    )
    for name in catalog.DATASETS["cifar10"].files:
        assert (tmp_path / name).read_bytes() == members[name]
    assert not (
        tmp_path / "cifar-10-batches-bin" / "readme.html"
    ).exists()  # not asked for
    assert not (tmp_path / "cifar-10-binary.tar.gz").exists()
    # a second call finds everything in place and downloads nothing
    download_dataset(
        "cifar10", tmp_path, mirror=file_server.url, show_progress=False
    )
    assert len(file_server.requests) == 1


@pytest.mark.parametrize(
    "evil_name",
    ["../escaped.bin", "/tmp/absolute.bin", "cifar-10-batches-bin/../../x"],
)
def test_archive_member_escaping_root_is_refused_before_writing(
    tmp_path, evil_name
):
    good = "cifar-10-batches-bin/test_batch.bin"
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(make_tar({good: b"fine", evil_name: b"payload"}))
    root = tmp_path / "root"
    with pytest.raises(UnsafeArchiveError, match="refusing member"):
        extract_members(archive, root, (good,))
    assert not root.exists()  # nothing at all was extracted
    assert not (tmp_path / "escaped.bin").exists()


def test_archive_link_with_expected_name_is_refused(tmp_path):
    archive = tmp_path / "links.tar.gz"
    archive.write_bytes(
        make_tar({}, links={"cifar-10-batches-bin/test_batch.bin": "/etc/passwd"})
    )
    with pytest.raises(UnsafeArchiveError, match="not a regular file"):
        extract_members(
            archive, tmp_path / "root", ("cifar-10-batches-bin/test_batch.bin",)
        )


def test_archive_missing_an_expected_member_is_an_error(tmp_path):
    archive = tmp_path / "short.tar.gz"
    archive.write_bytes(make_tar({"a.bin": b"1"}))
    with pytest.raises(DownloadError, match=r"missing: \['b.bin'\]"):
        extract_members(archive, tmp_path / "root", ("a.bin", "b.bin"))


def test_offline_error_says_where_it_looked_and_what_to_run(file_server, tmp_path):
    unreachable = "http://127.0.0.1:9"  # the discard port: nothing listens there
    with pytest.raises(DownloadError) as raised:
        download_dataset(
            "tinyshakespeare", tmp_path, mirror=unreachable, show_progress=False
        )
    message = str(raised.value)
    assert str(tmp_path) in message
    assert "scaling-book data download tinyshakespeare" in message
    assert leftovers(tmp_path) == []


def test_missing_dataset_without_download_names_the_command(tmp_path):
    with pytest.raises(
        DatasetNotFoundError, match="scaling-book data download mnist"
    ):
        ensure_dataset("mnist", tmp_path, download=False)


def test_mnist_files_download_and_load(file_server, tmp_path, monkeypatch):
    """End to end: fabricated MNIST-format files fetched over HTTP, then parsed by the loader."""
    from helpers.data.formats import read_idx_gz

    images = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)
    image_file = gzip.compress(
        bytes([0, 0, 8, 3])
        + np.array([3, 28, 28], ">u4").tobytes()
        + images.tobytes()
    )
    file_server.files["train-images-idx3-ubyte.gz"] = image_file
    spec = DatasetSpec(
        "mnist",
        "three fake digits",
        ("MNIST/raw/train-images-idx3-ubyte.gz",),
        (
            RemoteFile(
                "https://example.invalid/train-images-idx3-ubyte.gz",
                md5(image_file),
                "MNIST/raw/train-images-idx3-ubyte.gz",
            ),
        ),
    )
    monkeypatch.setitem(catalog.DATASETS, "mnist", spec)
    download_dataset("mnist", tmp_path, mirror=file_server.url, show_progress=False)
    np.testing.assert_array_equal(read_idx_gz(tmp_path / spec.files[0]), images)
