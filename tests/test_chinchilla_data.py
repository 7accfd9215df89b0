"""The Chinchilla points of Besiroglu et al.: downloaded and checksummed over HTTP, parsed without pickle."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from helpers.data import catalog
from helpers.data.catalog import DATA_ENV, DatasetSpec, RemoteFile
from helpers.data.download import ChecksumError, DownloadError
from helpers.data.formats import DataFormatError, parse_chinchilla_csv
from helpers.data.loaders import (
    download_dataset,
    load_chinchilla_points,
    verify_dataset,
)

NAME = "epoch-chinchilla"
HEADER = "x,y,color,Model Size,Training FLOP,hex_color,loss\n"


def fake_csv(n_rows: int) -> bytes:
    rows = [
        f"1.0,2.0,#ffffff,{1e8 * (k + 1)},{6e18 * (k + 1)},#ffffff,{3.0 - 0.001 * k}\n"
        for k in range(n_rows)
    ]
    return (HEADER + "".join(rows)).encode()


def serve_fake(
    file_server, monkeypatch, payload: bytes, checksum: str | None = None
):
    real = catalog.DATASETS[NAME]
    remote = real.remote[0]
    file_server.files[remote.filename] = payload
    checksum = checksum or "sha256:" + hashlib.sha256(payload).hexdigest()
    spec = DatasetSpec(
        NAME,
        real.description,
        real.files,
        (RemoteFile(remote.url, checksum, remote.target),),
    )
    monkeypatch.setitem(catalog.DATASETS, NAME, spec)


def test_the_catalog_pins_the_file_to_a_commit_and_a_sha256():
    (remote,) = catalog.DATASETS[NAME].remote
    assert "/92258837425e1b5f2851d624287f0120583a3d0e/" in remote.url
    assert remote.checksum == (
        "sha256:193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30"
    )


def test_points_download_check_and_load(file_server, tmp_path, monkeypatch):
    payload = fake_csv(245)
    serve_fake(file_server, monkeypatch, payload)
    download_dataset(NAME, tmp_path, mirror=file_server.url, show_progress=False)
    assert (tmp_path / catalog.DATASETS[NAME].files[0]).read_bytes() == payload
    points = load_chinchilla_points(root=tmp_path, download=False)
    assert len(points) == 245
    np.testing.assert_allclose(points.n_params[:2], [1e8, 2e8])
    np.testing.assert_allclose(points.train_tokens, 1e10)  # C / (6 N)
    assert "245 runs" in verify_dataset(NAME, tmp_path)


def test_a_download_with_the_wrong_checksum_leaves_nothing(
    file_server, tmp_path, monkeypatch
):
    serve_fake(file_server, monkeypatch, fake_csv(245), "sha256:" + "0" * 64)
    with pytest.raises(DownloadError, match="sha256 is .* deleted"):
        download_dataset(
            NAME, tmp_path, mirror=file_server.url, show_progress=False
        )
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_a_file_altered_on_disk_is_refused_at_load(tmp_path, monkeypatch):
    payload = fake_csv(245)
    target = tmp_path / catalog.DATASETS[NAME].files[0]
    target.parent.mkdir(parents=True)
    target.write_bytes(payload[:-2] + b"9\n")  # one digit changed
    real = catalog.DATASETS[NAME]
    remote = real.remote[0]
    checksum = "sha256:" + hashlib.sha256(payload).hexdigest()
    spec = DatasetSpec(
        NAME,
        real.description,
        real.files,
        (RemoteFile(remote.url, checksum, remote.target),),
    )
    monkeypatch.setitem(catalog.DATASETS, NAME, spec)
    with pytest.raises(DataFormatError, match="not the published file"):
        load_chinchilla_points(root=tmp_path, download=False)
    assert isinstance(ChecksumError("x"), DownloadError)


def test_a_short_file_is_refused(file_server, tmp_path, monkeypatch):
    serve_fake(file_server, monkeypatch, fake_csv(10))
    download_dataset(NAME, tmp_path, mirror=file_server.url, show_progress=False)
    with pytest.raises(DataFormatError, match="10 runs, expected 245"):
        load_chinchilla_points(root=tmp_path, download=False)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("a,b,c\n1,2,3\n", "no column"),
        (HEADER + "1,2,#f,abc,1e19,#f,3.0\n", "line 2"),
        (HEADER + "1,2,#f,1e9,1e19,#f,-3.0\n", "line 2: .*positive"),
    ],
)
def test_the_parser_names_what_is_wrong(text, message):
    with pytest.raises(DataFormatError, match=message):
        parse_chinchilla_csv(text, source="points.csv")


def test_the_real_file_when_present():
    """Against the real file where ``$SCALING_BOOK_DATA`` holds it (skipped elsewhere)."""
    root = Path(os.environ.get(DATA_ENV, "/nonexistent"))
    if not (root / catalog.DATASETS[NAME].files[0]).is_file():
        pytest.skip(f"set {DATA_ENV} to a folder holding {NAME} to run this test")
    points = load_chinchilla_points(root=root, download=False)
    assert len(points) == 245
    # Hoffmann et al.: models from 70M to over 16B parameters
    assert (
        4e7 < points.n_params.min() < 1e8 and 1.6e10 < points.n_params.max() < 2e10
    )
    assert np.all((points.loss > 1.8) & (points.loss < 6))
