"""Load the course's datasets as numpy arrays, downloading them first when they are missing.

``load_dataset("mnist", "train")`` returns ``(images, labels)``: uint8 images ``(60000, 28, 28)`` and
int64 labels ``(60000,)``; CIFAR-10 images are ``(n, 32, 32, 3)``. ``load_text("tinyshakespeare")``
returns the corpus as a ``str``; ``load_chinchilla_points()`` the 245 runs of Hoffmann et al.'s
Figure 4 as :class:`helpers.data.formats.ChinchillaPoints`. Files already laid out under the data root
are validated by their structure (headers, counts, shapes, label ranges); downloads are also checked
against the publisher's checksums.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from helpers.data.catalog import (
    DATA_ENV,
    IMAGE_DATASETS,
    SPLITS,
    TABLE_DATASETS,
    TEXT_DATASETS,
    DatasetSpec,
    data_root,
    get_spec,
    missing_files,
)
from helpers.data.download import (
    DownloadError,
    download_file,
    extract_members,
    file_digest,
)
from helpers.data.formats import (
    ChinchillaPoints,
    DataFormatError,
    check_images_and_labels,
    parse_chinchilla_csv,
    parse_cifar_records,
    read_idx_gz,
    read_utf8_text,
)

EXPECTED_COUNTS = {
    ("mnist", "train"): 60_000,
    ("mnist", "test"): 10_000,
    ("cifar10", "train"): 50_000,
    ("cifar10", "test"): 10_000,
}
_MNIST_PREFIX = {"train": "train", "test": "t10k"}
_CIFAR_SPLIT_FILES = {
    "train": tuple(f"data_batch_{k}.bin" for k in range(1, 6)),
    "test": ("test_batch.bin",),
}


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is not on disk and could not (or may not) be downloaded (Preface, "How to use it": the datasets)."""


def _resolve_root(root: Path | str | None) -> Path:
    return Path(root).expanduser() if root is not None else data_root()


def download_dataset(
    name: str,
    root: Path | str | None = None,
    *,
    mirror: str | None = None,
    show_progress: bool = True,
) -> Path:
    """Download whatever files of dataset ``name`` are missing under ``root``; return the root.

    ``mirror``, if given, replaces the host and folder of every canonical URL (the file name is
    kept): a local copy of the files, or the test server of ``tests/test_download.py``.
    (Preface, "How to use it": the datasets)
    """
    spec = get_spec(name)
    root = _resolve_root(root)
    for remote in spec.remote:
        outputs = remote.members or (remote.target,)
        if all((root / rel).is_file() for rel in outputs):
            continue
        url = f"{mirror.rstrip('/')}/{remote.filename}" if mirror else remote.url
        try:
            fetched = download_file(
                url,
                root / remote.target,
                remote.checksum,
                show_progress=show_progress,
            )
        except DownloadError as err:
            raise DownloadError(
                f"{err}\nLooked for {name} under {root}. Either connect to the internet and run "
                f"`scaling-book data download {name}`, or copy the files listed by "
                f"`scaling-book data info` there, or set {DATA_ENV} to a folder that has them."
            ) from err
        if remote.members:
            extract_members(fetched, root, remote.members)
            fetched.unlink()
    return root


def ensure_dataset(
    name: str, root: Path | str | None = None, *, download: bool = True
) -> Path:
    """Return the data root once every file of ``name`` is there, downloading missing ones if allowed.
    (Preface, "How to use it": the datasets)"""
    spec = get_spec(name)
    root = _resolve_root(root)
    missing = missing_files(spec, root)
    if not missing:
        return root
    if not download:
        raise DatasetNotFoundError(
            f"{name}: missing {', '.join(missing)} under {root}. Run "
            f"`scaling-book data download {name}` (needs internet), or set {DATA_ENV} to the "
            f"folder that holds the dataset."
        )
    return download_dataset(name, root)


def _check_split(name: str, split: str) -> None:
    if name not in IMAGE_DATASETS:
        hint = " (use load_text for text corpora)" if name in TEXT_DATASETS else ""
        raise ValueError(
            f"unknown image dataset {name!r}{hint}: choose one of {', '.join(IMAGE_DATASETS)}"
        )
    if split not in SPLITS:
        raise ValueError(
            f"unknown split {split!r}: choose one of {', '.join(SPLITS)}"
        )


def load_dataset(
    name: str, split: str, *, root: Path | str | None = None, download: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Load an image dataset split as ``(images, labels)``.

    Args:
        name: ``"mnist"`` or ``"cifar10"``.
        split: ``"train"`` or ``"test"``.
        root: the data root (default: :func:`helpers.data.data_root`).
        download: fetch missing files from the canonical URLs (default ``True``).

    Returns:
        uint8 images, ``(n, 28, 28)`` for MNIST and ``(n, 32, 32, 3)`` for CIFAR-10, and int64
        labels ``(n,)`` in ``0..9``.
    (Preface, "How to use it": the datasets)
    """
    _check_split(name, split)
    root = ensure_dataset(name, root, download=download)
    if name == "mnist":
        prefix = root / "MNIST" / "raw" / _MNIST_PREFIX[split]
        images = read_idx_gz(
            prefix.with_name(prefix.name + "-images-idx3-ubyte.gz")
        )
        labels = read_idx_gz(
            prefix.with_name(prefix.name + "-labels-idx1-ubyte.gz")
        ).astype(np.int64)
        image_shape: tuple[int, ...] = (28, 28)
    else:
        folder = root / "cifar-10-batches-bin"
        parts = [
            parse_cifar_records((folder / f).read_bytes(), source=str(folder / f))
            for f in _CIFAR_SPLIT_FILES[split]
        ]
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        image_shape = (32, 32, 3)
    check_images_and_labels(
        images,
        labels,
        image_shape=image_shape,
        expected_count=EXPECTED_COUNTS[(name, split)],
        source=f"{name} {split} split under {root}",
    )
    return images, labels


def load_text(
    name: str, *, root: Path | str | None = None, download: bool = True
) -> str:
    """Load a text corpus (``"tinyshakespeare"``) as one ``str`` (Preface, "How to use it": the datasets)."""
    if name not in TEXT_DATASETS:
        raise ValueError(
            f"unknown text corpus {name!r}: choose one of {', '.join(TEXT_DATASETS)}"
        )
    root = ensure_dataset(name, root, download=download)
    return read_utf8_text(root / get_spec(name).files[0])


CHINCHILLA_POINTS = 245
"""How many runs Besiroglu et al. extracted from Hoffmann et al.'s Figure 4 (Chapter 5, notebook 05b)."""


def load_chinchilla_points(
    *, root: Path | str | None = None, download: bool = True
) -> ChinchillaPoints:
    """Load the 245 Chinchilla runs (parameters, training FLOPs, loss), checking the file's SHA-256.

    The file is small, so its published checksum is checked at every load, not only after a download:
    the numbers are exactly those of Besiroglu et al.'s repository at the pinned commit. Their fit drops
    the five highest-loss runs; that choice is the notebook's (Chapter 5, notebook 05b).
    """
    name = "epoch-chinchilla"
    root = ensure_dataset(name, root, download=download)
    spec = get_spec(name)
    path = root / spec.files[0]
    algorithm, _, expected = spec.remote[0].checksum.partition(":")
    if file_digest(path, algorithm) != expected:
        raise DataFormatError(
            f"{path}: its {algorithm} differs from the published {expected}, so it is not the "
            f"published file; delete it and run `scaling-book data download {name}`"
        )
    points = parse_chinchilla_csv(
        path.read_text(encoding="utf-8"), source=str(path)
    )
    if len(points) != CHINCHILLA_POINTS:
        raise DataFormatError(
            f"{path}: {len(points)} runs, expected {CHINCHILLA_POINTS}; delete it and run "
            f"`scaling-book data download {name}`"
        )
    return points


def verify_dataset(name: str, root: Path | str | None = None) -> str:
    """Validate the files of ``name`` already on disk (no download); return a one-line summary.

    Raises :class:`DatasetNotFoundError` when files are missing and
    :class:`helpers.data.formats.DataFormatError` when one is malformed.
    (Preface, "How to use it": the datasets)
    """
    spec: DatasetSpec = get_spec(name)
    if name in TEXT_DATASETS:
        return f"{name}: {len(load_text(name, root=root, download=False)):,} characters"
    if name in TABLE_DATASETS:
        points = load_chinchilla_points(root=root, download=False)
        return f"{name}: {len(points)} runs, SHA-256 as published"
    counts = []
    for split in SPLITS:
        _, labels = load_dataset(name, split, root=root, download=False)
        counts.append(f"{len(labels):,} {split}")
    return f"{spec.name}: {' + '.join(counts)} examples, labels 0..9"
