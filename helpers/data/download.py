"""Fetch files safely: resumable, checksummed, atomic downloads and archive extraction by name.

Guarantees (tested against a local HTTP server in ``tests/test_download.py``):

* nothing is ever left at the final name unless it is complete and its checksum matched: bytes go to a
  temporary ``*.part`` file in the same folder, which is renamed into place only after the check, and
  removed on any failure;
* a dropped connection is retried, resuming with an HTTP ``Range`` request where the server allows it;
* an archive is extracted only to the member names expected; a member whose name could escape the
  target folder (absolute, ``..``) or that is a link is refused before anything is written.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

from tqdm import tqdm

CHUNK_BYTES = 1 << 16
USER_AGENT = "scaling-book-helpers/1.0"


class DownloadError(RuntimeError):
    """A file could not be fetched (network failure, HTTP error, or bytes that failed their check).
    (Preface, "How to use it": the datasets)"""


class ChecksumError(DownloadError):
    """A downloaded file's checksum differs from the published one; the file has been removed.
    (Preface, "How to use it": the datasets)"""


class UnsafeArchiveError(ValueError):
    """An archive holds a member that could be written outside its folder, or one that is a link.
    (Preface, "How to use it": the datasets)"""


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of a file's bytes with ``algorithm`` (``"md5"``, ``"sha256"``).
    (Preface, "How to use it": the datasets)"""
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_checksum(path: Path, checksum: str) -> None:
    """Raise :class:`ChecksumError` unless ``path`` matches ``checksum`` (``"algo:hex"``).
    (Preface, "How to use it": the datasets)"""
    algorithm, _, expected = checksum.partition(":")
    if algorithm not in ("md5", "sha1", "sha256") or not expected:
        raise ValueError(
            f"checksum {checksum!r} must look like 'md5:<hex>' or 'sha256:<hex>'"
        )
    actual = file_digest(path, algorithm)
    if actual != expected.lower():
        raise ChecksumError(
            f"{path.name}: {algorithm} is {actual}, expected {expected}; the download is corrupt "
            f"or was altered on the way, so it was deleted. Run the download again; if this "
            f"repeats, the server holds a different file."
        )


def _transfer(url: str, part: Path, *, timeout: float, show_progress: bool) -> None:
    """Append the rest of ``url`` to ``part``, asking the server to resume from its current size."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if have:
        request.add_header("Range", f"bytes={have}-")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        resumed = have > 0 and response.status == 206
        if not resumed:
            have = 0  # the server sent the whole file: start over
        remaining = response.headers.get("Content-Length")
        total = have + int(remaining) if remaining is not None else None
        received = have
        with (
            part.open("ab" if resumed else "wb") as out,
            tqdm(
                total=total,
                initial=have,
                unit="B",
                unit_scale=True,
                desc=part.name.removesuffix(".part"),
                disable=not show_progress,
                file=sys.stderr,
            ) as bar,
        ):
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    if total is not None and received < total:
        raise http.client.IncompleteRead(b"", total - received)


def download_file(
    url: str,
    destination: Path,
    checksum: str,
    *,
    retries: int = 3,
    timeout: float = 60.0,
    show_progress: bool = True,
) -> Path:
    """Download ``url`` to ``destination`` atomically and check it against ``checksum``.

    A transfer cut short is retried up to ``retries`` times, resuming where it stopped when the server
    honours ``Range``. On success the file appears at ``destination`` complete; on any failure nothing
    is left behind (not even the temporary ``.part`` file) and :class:`DownloadError` says why.
    (Preface, "How to use it": the datasets)
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(f"{destination.name}.{os.getpid()}.part")
    try:
        for attempt in range(retries + 1):
            try:
                _transfer(url, part, timeout=timeout, show_progress=show_progress)
                break
            except (
                urllib.error.HTTPError
            ) as err:  # the server answered: retrying will not help
                raise DownloadError(f"{url}: HTTP {err.code} {err.reason}") from err
            except (
                urllib.error.URLError,
                http.client.HTTPException,
                OSError,
            ) as err:
                if attempt == retries:
                    raise DownloadError(
                        f"{url}: failed after {retries + 1} attempts ({err!r}); "
                        f"check the connection and run the download again"
                    ) from err
        check_checksum(part, checksum)
        os.replace(part, destination)
    finally:
        part.unlink(missing_ok=True)
    return destination


def _is_safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
    )


def extract_members(
    archive: Path, root: Path, expected: tuple[str, ...]
) -> list[Path]:
    """Extract exactly the members named in ``expected`` from a tar archive into ``root``.

    Every member name is checked before anything is written: an absolute name, a ``..`` component,
    or a link raises :class:`UnsafeArchiveError`. Members not in ``expected`` are skipped. Each file
    is written atomically (temporary name, then rename). Raises :class:`DownloadError` if an expected
    member is missing.
    (Preface, "How to use it": the datasets)
    """
    wanted = set(expected)
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for member in members:
            if not _is_safe_member_name(member.name):
                raise UnsafeArchiveError(
                    f"{archive.name}: refusing member {member.name!r}, whose name would write "
                    f"outside {root}; the archive is not the published one, so nothing was extracted"
                )
            if member.name in wanted and not member.isfile():
                raise UnsafeArchiveError(
                    f"{archive.name}: member {member.name!r} is not a regular file (a link or "
                    f"device); nothing was extracted"
                )
        present = {m.name for m in members}
        if missing := sorted(wanted - present):
            raise DownloadError(
                f"{archive.name}: expected members are missing: {missing}"
            )
        written = []
        for member in members:
            if member.name not in wanted:
                continue
            target = root / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(f"{target.name}.{os.getpid()}.part")
            try:
                source = tar.extractfile(member)
                assert source is not None  # a regular file, checked above
                with source, part.open("wb") as out:
                    shutil.copyfileobj(source, out)
                os.replace(part, target)
            finally:
                part.unlink(missing_ok=True)
            written.append(target)
    return written
