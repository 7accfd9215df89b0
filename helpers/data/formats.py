"""Parsers for the datasets' canonical file formats, written with numpy alone (Preface, "Data").

No pickle is ever loaded: CIFAR-10 is read from its "binary version" (fixed-size records), MNIST from
its IDX files, the Chinchilla points from a CSV file. Every parser checks what it reads and raises
:class:`DataFormatError`, naming the file and what was wrong, rather than returning a silently wrong
array.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IDX_UBYTE = 0x08
# stored channel-first: 1,024 R bytes, then G, then B
CIFAR_IMAGE_SHAPE = (
    3,
    32,
    32,
)
# 1 label byte + 3,072 pixel bytes
CIFAR_RECORD_BYTES = 1 + int(np.prod(CIFAR_IMAGE_SHAPE))
N_CLASSES = 10


class DataFormatError(ValueError):
    """A data file does not have the layout its format promises (Preface, "How to use it": the datasets)."""


def _refetch_hint(path: Path | str) -> str:
    return f"delete {path} and run `scaling-book data download` to fetch it again"


def parse_idx(raw: bytes, *, source: str = "<bytes>") -> np.ndarray:
    """Decode an IDX array of unsigned bytes (the MNIST format).

    Layout: two zero bytes, a type byte (0x08 for uint8), the number of dimensions ``k``, then ``k``
    big-endian uint32 sizes, then ``prod(sizes)`` payload bytes in row-major order.
    (Preface, "How to use it": the datasets)
    """
    if len(raw) < 4:
        raise DataFormatError(
            f"{source}: {len(raw)} bytes is too short for an IDX header"
        )
    zero0, zero1, type_code, ndim = raw[:4]
    if zero0 != 0 or zero1 != 0:
        raise DataFormatError(
            f"{source}: bad IDX magic number {raw[:4].hex()} (must start with 0000); "
            f"this is not an IDX file; {_refetch_hint(source)}"
        )
    if type_code != IDX_UBYTE:
        raise DataFormatError(
            f"{source}: IDX type code 0x{type_code:02x}, expected 0x08 (unsigned byte)"
        )
    header_bytes = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header_bytes:
        raise DataFormatError(f"{source}: truncated IDX header ({ndim} dimensions)")
    shape = tuple(
        int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4)
    )
    payload = len(raw) - header_bytes
    if payload != int(np.prod(shape)):
        raise DataFormatError(
            f"{source}: header says shape {shape} ({int(np.prod(shape))} bytes) but the payload "
            f"has {payload} bytes; the file is truncated or corrupt; {_refetch_hint(source)}"
        )
    return (
        np.frombuffer(raw, dtype=np.uint8, offset=header_bytes)
        .reshape(shape)
        .copy()
    )


def read_idx_gz(path: Path) -> np.ndarray:
    """Read a gzip-compressed IDX file (``*-ubyte.gz``) (Preface, "How to use it": the datasets)."""
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as err:
        raise DataFormatError(
            f"{path}: not a valid gzip file ({err}); {_refetch_hint(path)}"
        ) from err
    return parse_idx(raw, source=str(path))


def check_images_and_labels(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    image_shape: tuple[int, ...],
    expected_count: int | None,
    source: str,
) -> None:
    """Check that images and labels agree in count, have the expected shapes, and labels are 0..9.
    (Preface, "How to use it": the datasets)"""
    if images.shape[1:] != image_shape:
        raise DataFormatError(
            f"{source}: images have shape {images.shape[1:]}, expected {image_shape}"
        )
    if labels.ndim != 1:
        raise DataFormatError(
            f"{source}: labels have {labels.ndim} dimensions, expected 1"
        )
    if len(images) != len(labels):
        raise DataFormatError(
            f"{source}: {len(images)} images but {len(labels)} labels"
        )
    if expected_count is not None and len(labels) != expected_count:
        raise DataFormatError(
            f"{source}: {len(labels)} examples, expected {expected_count}; {_refetch_hint(source)}"
        )
    if len(labels) and int(labels.max()) >= N_CLASSES:
        raise DataFormatError(
            f"{source}: label {int(labels.max())} is out of range 0..{N_CLASSES - 1}"
        )


def parse_cifar_records(
    raw: bytes, *, source: str = "<bytes>"
) -> tuple[np.ndarray, np.ndarray]:
    """Decode CIFAR-10 binary records into ``(images, labels)``.

    Each record is 3,073 bytes: a label byte, then a 32x32 image as three 1,024-byte colour planes
    (R, G, B), each row-major. Returns images as uint8 ``(n, 32, 32, 3)`` and labels as int64 ``(n,)``.
    (Preface, "How to use it": the datasets)
    """
    if len(raw) % CIFAR_RECORD_BYTES:
        raise DataFormatError(
            f"{source}: {len(raw)} bytes is not a whole number of {CIFAR_RECORD_BYTES}-byte "
            f"records; the file is truncated or corrupt; {_refetch_hint(source)}"
        )
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, CIFAR_RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    # (n, channel, row, col)
    planes = records[:, 1:].reshape((-1,) + CIFAR_IMAGE_SHAPE)
    # (n, row, col, channel)
    images = np.ascontiguousarray(planes.transpose(0, 2, 3, 1))
    check_images_and_labels(
        images, labels, image_shape=(32, 32, 3), expected_count=None, source=source
    )
    return images, labels


def read_utf8_text(path: Path) -> str:
    """Read a UTF-8 text file, refusing one that is empty or not UTF-8 (Preface, "How to use it": the datasets)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataFormatError(
            f"{path}: not UTF-8 text ({err}); {_refetch_hint(path)}"
        ) from err
    if not text:
        raise DataFormatError(f"{path}: the file is empty; {_refetch_hint(path)}")
    return text


CHINCHILLA_COLUMNS = ("Model Size", "Training FLOP", "loss")
"""The columns of Besiroglu et al.'s ``svg_extracted_data.csv`` that hold data (the others, ``x``,
``y``, ``color`` and ``hex_color``, record where each point was in the SVG) (Chapter 5)."""


@dataclass(frozen=True)
class ChinchillaPoints:
    """The training runs Besiroglu et al. (2024) read off Hoffmann et al.'s (2022) Figure 4 (Chapter 5,
    notebook 05b).

    Attributes:
        n_params: parameters ``N`` of each run, float64 ``(n,)``.
        train_flops: training FLOPs ``C`` of each run, ``(n,)``.
        loss: final training loss, nats per token of MassiveText, ``(n,)``.
    """

    n_params: np.ndarray
    train_flops: np.ndarray
    loss: np.ndarray

    @property
    def train_tokens(self) -> np.ndarray:
        """``D = C / (6 N)``, the tokens each run saw, as Besiroglu et al. compute them (Chapter 5,
        notebook 05b)."""
        return self.train_flops / (6.0 * self.n_params)

    def __len__(self) -> int:
        return len(self.loss)


def parse_chinchilla_csv(text: str, *, source: str = "<text>") -> ChinchillaPoints:
    """Read ``svg_extracted_data.csv`` into :class:`ChinchillaPoints`, checking every value.

    The header must name the columns of :data:`CHINCHILLA_COLUMNS`; every value in them must be a
    finite positive number (Chapter 5, notebook 05b).
    """
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise DataFormatError(
            f"{source}: the file is empty; {_refetch_hint(source)}"
        )
    header = rows[0]
    missing = [name for name in CHINCHILLA_COLUMNS if name not in header]
    if missing:
        raise DataFormatError(
            f"{source}: no column(s) {missing} in the header {header}; this is not Besiroglu "
            f"et al.'s svg_extracted_data.csv; {_refetch_hint(source)}"
        )
    columns = [header.index(name) for name in CHINCHILLA_COLUMNS]
    values = np.empty((len(rows) - 1, len(columns)))
    for line, row in enumerate(rows[1:], start=2):
        try:
            values[line - 2] = [float(row[j]) for j in columns]
        except (IndexError, ValueError) as err:
            raise DataFormatError(
                f"{source}, line {line}: {row!r} does not hold numbers in the columns "
                f"{CHINCHILLA_COLUMNS} ({err}); {_refetch_hint(source)}"
            ) from err
    if not np.all(np.isfinite(values) & (values > 0)):
        bad = 2 + int(
            np.flatnonzero(~np.all(np.isfinite(values) & (values > 0), 1))[0]
        )
        raise DataFormatError(
            f"{source}, line {bad}: parameters, FLOPs and loss must be positive and finite; "
            f"{_refetch_hint(source)}"
        )
    return ChinchillaPoints(*(np.ascontiguousarray(values[:, j]) for j in range(3)))
