"""Datasets for the course: real MNIST, CIFAR-10 and Tiny Shakespeare, and the Chinchilla runs
(Preface, "Data").

The public names below are used by every chapter; they stay stable.

    >>> from helpers.data import load_dataset, nested_subsets
    >>> images, labels = load_dataset("mnist", "train")        # uint8 (60000, 28, 28), int64 (60000,)
    >>> subsets = nested_subsets(labels, [1000, 2000, 4000], seed=0)   # nested and class-balanced

From the shell: ``scaling-book data info | verify | download [NAME ...]``.
"""

from helpers.data.catalog import DATA_ENV, DATASETS, data_root
from helpers.data.download import ChecksumError, DownloadError, UnsafeArchiveError
from helpers.data.formats import ChinchillaPoints, DataFormatError
from helpers.data.loaders import (
    DatasetNotFoundError,
    download_dataset,
    ensure_dataset,
    load_chinchilla_points,
    load_dataset,
    load_text,
    verify_dataset,
)
from helpers.data.subsets import channel_stats, nested_subsets, stratified_order

__all__ = [
    "DATASETS",
    "DATA_ENV",
    "ChecksumError",
    "ChinchillaPoints",
    "DataFormatError",
    "DatasetNotFoundError",
    "DownloadError",
    "UnsafeArchiveError",
    "channel_stats",
    "data_root",
    "download_dataset",
    "ensure_dataset",
    "load_chinchilla_points",
    "load_dataset",
    "load_text",
    "nested_subsets",
    "stratified_order",
    "verify_dataset",
]
