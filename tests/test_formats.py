"""The format parsers accept well-formed files and refuse malformed ones with a clear error."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from helpers.data.formats import (
    DataFormatError,
    check_images_and_labels,
    parse_cifar_records,
    parse_idx,
    read_idx_gz,
    read_utf8_text,
)


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = (
        bytes([0, 0, type_code, array.ndim])
        + np.array(array.shape, ">u4").tobytes()
    )
    return header + array.astype(np.uint8).tobytes()


def test_idx_round_trip():
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(parse_idx(idx_bytes(array)), array)


def test_idx_bad_magic_is_refused():
    raw = bytearray(idx_bytes(np.zeros((2, 2), np.uint8)))
    raw[0] = 0x1F  # a gzip header where the IDX magic should be
    with pytest.raises(DataFormatError, match="bad IDX magic number 1f00"):
        parse_idx(bytes(raw), source="x.idx")


def test_idx_wrong_type_code_is_refused():
    with pytest.raises(DataFormatError, match="type code 0x0d"):
        parse_idx(idx_bytes(np.zeros((2, 2)), type_code=0x0D))


def test_idx_truncated_payload_is_refused():
    raw = idx_bytes(np.zeros((10, 28, 28), np.uint8))[:-5]
    with pytest.raises(
        DataFormatError,
        match=r"shape \(10, 28, 28\) \(7840 bytes\) but the payload has 7835",
    ):
        parse_idx(raw, source="t.idx")


def test_idx_too_short_is_refused():
    with pytest.raises(DataFormatError, match="too short"):
        parse_idx(b"\x00\x00")


def test_gzip_that_is_not_gzip_is_refused(tmp_path):
    path = tmp_path / "broken-ubyte.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(DataFormatError, match="not a valid gzip file"):
        read_idx_gz(path)


def test_gzip_idx_reads(tmp_path):
    path = tmp_path / "ok-ubyte.gz"
    array = np.full((3, 5), 7, np.uint8)
    path.write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(read_idx_gz(path), array)


def test_cifar_records_are_decoded_channel_last():
    record = np.zeros(3073, np.uint8)
    record[0] = 4
    record[1 : 1 + 1024] = 10  # red plane
    record[1 + 1024 : 1 + 2048] = 20  # green plane
    record[1 + 2048 :] = np.arange(1024) % 256  # blue plane, row-major
    images, labels = parse_cifar_records(record.tobytes())
    assert images.shape == (1, 32, 32, 3) and images.dtype == np.uint8
    assert labels.tolist() == [4] and labels.dtype == np.int64
    assert images[0, 5, 7, 0] == 10 and images[0, 5, 7, 1] == 20
    assert images[0, 1, 2, 2] == (32 + 2) % 256


def test_cifar_partial_record_is_refused():
    with pytest.raises(
        DataFormatError, match="not a whole number of 3073-byte records"
    ):
        parse_cifar_records(bytes(3073 * 2 + 100), source="data_batch_1.bin")


def test_cifar_label_out_of_range_is_refused():
    record = np.zeros(3073, np.uint8)
    record[0] = 10
    with pytest.raises(DataFormatError, match="label 10 is out of range 0..9"):
        parse_cifar_records(record.tobytes())


def test_count_mismatch_is_refused():
    with pytest.raises(DataFormatError, match="3 images but 2 labels"):
        check_images_and_labels(
            np.zeros((3, 28, 28)),
            np.zeros(2),
            image_shape=(28, 28),
            expected_count=None,
            source="s",
        )
    with pytest.raises(DataFormatError, match="3 examples, expected 60000"):
        check_images_and_labels(
            np.zeros((3, 28, 28)),
            np.zeros(3, int),
            image_shape=(28, 28),
            expected_count=60000,
            source="s",
        )
    with pytest.raises(DataFormatError, match=r"images have shape \(28, 27\)"):
        check_images_and_labels(
            np.zeros((3, 28, 27)),
            np.zeros(3, int),
            image_shape=(28, 28),
            expected_count=None,
            source="s",
        )


def test_text_must_be_nonempty_utf8(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\u00e9".encode("latin-1"))
    with pytest.raises(DataFormatError, match="not UTF-8"):
        read_utf8_text(bad)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(DataFormatError, match="empty"):
        read_utf8_text(empty)
