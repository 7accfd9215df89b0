"""Shared fixtures: a local HTTP server for download tests, and the real data root."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers.data.catalog import DATA_ENV


@dataclass
class FileServer:
    """Serves ``files`` on 127.0.0.1; can cut transfers short and ignore ``Range``."""

    files: dict[str, bytes] = field(default_factory=dict)
    truncate_first: int = 0  # how many responses to cut off halfway
    honour_range: bool = True
    # (path, Range header)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    state = FileServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (the name http.server requires)
            range_header = self.headers.get("Range")
            state.requests.append((self.path, range_header))
            body = state.files.get(self.path.lstrip("/"))
            if body is None:
                self.send_error(404, "Not Found")
                return
            start = 0
            if range_header and state.honour_range:
                start = int(range_header.removeprefix("bytes=").split("-")[0])
                self.send_response(206)
                self.send_header(
                    "Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}"
                )
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if state.truncate_first > 0:
                state.truncate_first -= 1
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def real_data_root() -> Path:
    """The data root laid out by ``.ci/run``; skips locally when absent, fails on CI."""
    configured = os.environ.get(DATA_ENV)
    root = Path(configured) if configured else None
    if root is None or not (root / "MNIST" / "raw").is_dir():
        message = (
            f"real datasets not found: set {DATA_ENV} to a folder that holds them, for example after "
            "`scaling-book data download` (which fetches them into that folder)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return root
