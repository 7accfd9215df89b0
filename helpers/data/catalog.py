"""Where each dataset comes from and where it lives on disk (Preface, "Data").

The data root is ``$SCALING_BOOK_DATA`` when set, else a per-user cache folder
(``$XDG_CACHE_HOME/scaling-book``, by default ``~/.cache/scaling-book``). Under it every dataset
keeps the layout its publisher uses, so that files fetched by other tools can be reused:

    MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
    cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin, batches.meta.txt
    tinyshakespeare/input.txt
    epoch-chinchilla/svg_extracted_data.csv
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from helpers.names import lookup

DATA_ENV = "SCALING_BOOK_DATA"


@dataclass(frozen=True)
class RemoteFile:
    """One file to download.

    Attributes:
        url: the canonical address.
        checksum: ``"md5:<hex>"`` or ``"sha256:<hex>"``, as the publisher gives it.
        target: where the download is saved, relative to the data root.
        members: for an archive, the member names to extract (paths relative to the data root);
            empty for a plain file. The archive is deleted once they are extracted.
    (Preface, "How to use it": the datasets)
    """

    url: str
    checksum: str
    target: str
    members: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: the files that make it present, and how to fetch them (Preface, "How to use it": the datasets)."""

    name: str
    description: str
    files: tuple[str, ...]
    remote: tuple[RemoteFile, ...]


_MNIST_BASE = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
_CIFAR_DIR = "cifar-10-batches-bin"
_CIFAR_BATCHES = tuple(f"{_CIFAR_DIR}/data_batch_{k}.bin" for k in range(1, 6)) + (
    f"{_CIFAR_DIR}/test_batch.bin",
)
_CIFAR_FILES = _CIFAR_BATCHES + (f"{_CIFAR_DIR}/batches.meta.txt",)

DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        description="MNIST handwritten digits: 60,000 train + 10,000 test, 28x28 grey, 10 classes",
        files=tuple(f"MNIST/raw/{name}" for name in _MNIST_MD5),
        remote=tuple(
            RemoteFile(
                url=_MNIST_BASE + name,
                checksum=f"md5:{md5}",
                target=f"MNIST/raw/{name}",
            )
            for name, md5 in _MNIST_MD5.items()
        ),
    ),
    "cifar10": DatasetSpec(
        name="cifar10",
        description="CIFAR-10 (binary version): 50,000 train + 10,000 test, 32x32 colour, 10 classes",
        files=_CIFAR_FILES,
        remote=(
            RemoteFile(
                url="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                checksum="md5:c32a1d4ab5d03f1284b67883e8d87530",
                target="cifar-10-binary.tar.gz",
                members=_CIFAR_FILES,
            ),
        ),
    ),
    "tinyshakespeare": DatasetSpec(
        name="tinyshakespeare",
        description="Tiny Shakespeare (char-rnn): 1,115,394 bytes of UTF-8 text",
        files=("tinyshakespeare/input.txt",),
        remote=(
            RemoteFile(
                url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
                "tinyshakespeare/input.txt",
                checksum="sha256:86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
                target="tinyshakespeare/input.txt",
            ),
        ),
    ),
    "epoch-chinchilla": DatasetSpec(
        name="epoch-chinchilla",
        description="Chinchilla runs read off Hoffmann et al.'s Fig. 4 by Besiroglu et al.: "
        "245 (N, C, loss) points",
        files=("epoch-chinchilla/svg_extracted_data.csv",),
        remote=(
            RemoteFile(
                # pinned to a commit: the repository has no license file, so the course fetches
                # the file from its authors rather than copying it (Chapter 5, notebook 05b)
                url="https://raw.githubusercontent.com/epoch-research/analyzing-chinchilla/"
                "92258837425e1b5f2851d624287f0120583a3d0e/data/svg_extracted_data.csv",
                checksum="sha256:193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30",
                target="epoch-chinchilla/svg_extracted_data.csv",
            ),
        ),
    ),
}

IMAGE_DATASETS = ("mnist", "cifar10")
TEXT_DATASETS = ("tinyshakespeare",)
TABLE_DATASETS = ("epoch-chinchilla",)
SPLITS = ("train", "test")


def data_root() -> Path:
    """The folder that holds every dataset: ``$SCALING_BOOK_DATA``, else the user's cache.
    (Preface, "How to use it": the datasets)"""
    configured = os.environ.get(DATA_ENV)
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "scaling-book"


def get_spec(name: str) -> DatasetSpec:
    """Return the dataset called ``name``; raise ``ValueError`` naming the choices otherwise.
    (Preface, "How to use it": the datasets)"""
    return lookup(DATASETS, name, "dataset")


def missing_files(spec: DatasetSpec, root: Path) -> list[str]:
    """The files of ``spec`` that are not under ``root`` (relative paths).
    (Preface, "How to use it": the datasets)"""
    return [rel for rel in spec.files if not (root / rel).is_file()]
