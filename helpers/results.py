"""Results files: the measured numbers the published book is drawn from (Preface, "Profiles").

Each experiment's ``full``-profile results live in ``results/<name>.json``, written atomically
(temporary file, then rename) by one command recorded inside the file::

    python -m helpers.experiments run <name> --profile full

The site build reads these files instead of training; a missing file raises
:class:`MissingResultsError` with that command.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

RESULTS_ENV = "SCALING_BOOK_RESULTS"


class MissingResultsError(FileNotFoundError):
    """A results file the notebook needs has not been produced yet."""


def results_dir() -> Path:
    """``$SCALING_BOOK_RESULTS``, else the repository's ``results/`` folder."""
    configured = os.environ.get(RESULTS_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "results"


def regenerate_command(name: str, profile: str = "full") -> str:
    """The shell command that (re)computes the results file of experiment ``name``."""
    return f"python -m helpers.experiments run {name} --profile {profile}"


def write_json_atomic(path: Path, payload: Any) -> Path:
    """Write ``payload`` as indented JSON to ``path`` so that readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=1, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)  # mkstemp creates owner-only files; results are for everyone to read
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_results(name: str) -> dict[str, Any]:
    """Load ``results/<name>.json``; raise :class:`MissingResultsError` with the command if absent."""
    path = results_dir() / f"{name}.json"
    if not path.is_file():
        raise MissingResultsError(
            f"{path} does not exist. Produce it with `{regenerate_command(name)}` "
            f"(or run the notebook with SCALING_BOOK_PROFILE=workshop, which computes it live)."
        )
    return json.loads(path.read_text(encoding="utf-8"))
