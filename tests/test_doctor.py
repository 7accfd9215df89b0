"""``scaling-book doctor`` and ``scaling-book time-notebooks`` (helpers/doctor.py)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from helpers import doctor
from helpers.cli import main
from helpers.doctor import (
    FAIL,
    OK,
    WARN,
    Calibration,
    check_disk,
    check_notebook_times,
    check_python,
    check_requirement,
    estimate_notebook_times,
    exit_status,
    format_report,
    parse_requirements,
    record_time,
    time_notebooks,
    unrecorded_notebooks,
)

RECORDED = Calibration(
    matmul_gflops=100.0, mlp_step_ms=2.0, threads=1, device="cpu"
)


def test_requirements_are_parsed_with_pins_ranges_extras_and_comments():
    text = (
        "# a comment line\n"
        "\n"
        "numpy==2.4.6\n"
        "scipy>=1.10,<2  # an inline comment\n"
        "jupyter-book[sphinx]==1.0.4.post1\n"
        "-r other-requirements.txt\n"
        "--index-url https://example.org/simple\n"
        "torch==2.13.0 \\\n"
        "    ; python_version >= '3'\n"
        "never-on-this-python==1.0; python_version < '3'\n"
        "pkg @ https://example.org/pkg-1.0.tar.gz#sha256=abc\n"
    )
    requirements = parse_requirements(text)
    parsed = [(r.name, str(r.specifier), sorted(r.extras)) for r in requirements]
    assert parsed[:4] == [
        ("numpy", "==2.4.6", []),
        ("scipy", "<2,>=1.10", []),
        ("jupyter-book", "==1.0.4.post1", ["sphinx"]),
        ("torch", "==2.13.0", []),
    ]
    # the marker-excluded line is left out; a '#' inside a URL does not start a comment
    assert len(requirements) == 5
    assert requirements[4].url == "https://example.org/pkg-1.0.tar.gz#sha256=abc"


def test_a_bad_requirement_line_is_named():
    with pytest.raises(ValueError, match=r"reqs.txt, line 2: 'numpy ==='"):
        parse_requirements("scipy==1\nnumpy ===\n", "reqs.txt")


def test_the_repository_requirements_parse():
    names = [
        r.name for r in parse_requirements(Path("requirements.txt").read_text())
    ]
    assert "torch" in names and "numpy" in names


@pytest.mark.parametrize(
    ("line", "installed", "status"),
    [
        ("numpy==2.4.6", "2.4.6", OK),
        ("torch==2.13.0", "2.13.0+cpu", OK),  # a local build of the pinned version
        ("scipy>=1.10,<2", "1.17.1", OK),
        ("numpy==2.4.6", "2.3.0", WARN),
        ("scipy>=1.10,<2", "2.0.0", WARN),
        ("numpy==2.4.6", None, FAIL),
    ],
)
def test_requirement_status(line, installed, status):
    (requirement,) = parse_requirements(line)
    check = check_requirement(requirement, lambda _: installed)
    assert check.status == status
    if status != OK:
        assert (
            f"pip install '{requirement.name}{requirement.specifier}'" in check.fix
        )


def test_a_version_mismatch_warns_and_names_both_versions():
    (requirement,) = parse_requirements("numpy==2.4.6")
    check = check_requirement(requirement, lambda _: "2.3.0")
    assert check.status == WARN
    assert "2.3.0 installed" in check.message and "==2.4.6" in check.message


def test_old_python_fails():
    assert check_python((3, 9, 18)).status == FAIL
    assert check_python((3, 10, 0)).status == OK


def _doctor(tmp_path, monkeypatch, requirements: str, capsys) -> tuple[int, str]:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("SCALING_BOOK_DATA", str(data))
    path = tmp_path / "requirements.txt"
    path.write_text(requirements)
    status = main(["doctor", "--no-calibration", "--requirements", str(path)])
    return status, capsys.readouterr().out


def test_a_missing_package_and_missing_datasets_fail_with_their_fixes(
    tmp_path, monkeypatch, capsys
):
    status, out = _doctor(
        tmp_path, monkeypatch, "numpy\nsurely-not-a-package-xyz==1.0\n", capsys
    )
    assert status == 1
    assert "FAIL  package surely-not-a-package-xyz: not installed" in out
    assert "OK    package numpy" in out
    for name in ("mnist", "cifar10", "tinyshakespeare", "epoch-chinchilla"):
        assert f"FAIL  dataset {name}: missing" in out
        assert f"`scaling-book data download {name}`" in out.split("to fix:")[1]
    assert "pip install 'surely-not-a-package-xyz==1.0'" in out.split("to fix:")[1]


def test_only_a_version_mismatch_warns_and_exits_zero(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(
        doctor, "check_datasets", lambda: [doctor.Check(OK, "datasets", "fine")]
    )
    status, out = _doctor(tmp_path, monkeypatch, "numpy==0.0.1\n", capsys)
    assert "WARN  package numpy:" in out
    assert status == 0


def test_the_json_report_is_machine_readable(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCALING_BOOK_DATA", str(tmp_path))
    path = tmp_path / "requirements.txt"
    path.write_text("numpy\n")
    status = main(
        ["doctor", "--no-calibration", "--json", "--requirements", str(path)]
    )
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and status == 1
    assert {"status", "topic", "message", "fix", "details"} <= set(
        report["checks"][0]
    )


def test_exit_status_and_report_list_every_problem():
    checks = [
        doctor.Check(OK, "a", "fine"),
        doctor.Check(WARN, "b", "slow", "do b"),
        doctor.Check(FAIL, "c", "broken", "do c"),
    ]
    assert exit_status(checks) == 1 and exit_status(checks[:2]) == 0
    text = format_report(checks)
    assert "1 failure, 1 warning; to fix:" in text
    assert text.index("1. [FAIL] c: do c") < text.index("2. [WARN] b: do b")


def test_low_disk_warns(tmp_path):
    (check,) = check_disk(tmp_path, tmp_path, free_bytes=lambda _: 10**6)
    assert check.status == WARN and "free" in check.fix
    (check,) = check_disk(tmp_path, tmp_path, free_bytes=lambda _: 10**12)
    assert check.status == OK


def _times(seconds: dict[str, float], profile: str = "smoke") -> dict:
    return {
        "notebooks": {
            name: {
                profile: {
                    "seconds": value,
                    "calibration": {
                        "matmul_gflops": 100.0,
                        "mlp_step_ms": 2.0,
                        "threads": 1,
                        "device": "cpu",
                    },
                }
            }
            for name, value in seconds.items()
        }
    }


def test_estimates_scale_by_the_ratio_of_step_times():
    slower = Calibration(
        matmul_gflops=50.0, mlp_step_ms=6.0, threads=1, device="cpu"
    )
    times = _times({"a.ipynb": 10.0, "b.ipynb": 40.0})
    estimates = estimate_notebook_times(times, "smoke", slower)
    assert estimates == {"a.ipynb": (30.0, 10.0), "b.ipynb": (120.0, 40.0)}
    assert estimate_notebook_times(times, "workshop", slower) == {}


def test_notebook_times_check(tmp_path):
    path = tmp_path / "notebook_times.json"
    here = Calibration(
        matmul_gflops=200.0, mlp_step_ms=1.0, threads=1, device="cpu"
    )
    missing = check_notebook_times("smoke", here, path, ["a.ipynb"])
    assert missing.status == WARN
    assert missing.fix.startswith(
        f"`scaling-book time-notebooks --profile smoke --output {path}`"
    )
    path.write_text(json.dumps(_times({"a.ipynb": 10.0, "b.ipynb": 100.0})))
    complete = check_notebook_times("smoke", here, path, ["a.ipynb", "b.ipynb"])
    assert complete.status == OK
    assert (
        "55 s in all" in complete.message
        and "longest b.ipynb (50 s)" in complete.message
    )
    partial = check_notebook_times("smoke", here, path, ["a.ipynb", "c.ipynb"])
    assert partial.status == WARN and "not recorded: c.ipynb" in partial.message
    assert partial.fix.startswith(
        f"`scaling-book time-notebooks --profile smoke --output {path} --missing`"
    )
    other = check_notebook_times("workshop", here, path, ["a.ipynb"])
    assert other.status == WARN and "--profile workshop" in other.fix
    path.write_text("{not json")
    broken = check_notebook_times("smoke", here, path, ["a.ipynb"])
    assert broken.status == WARN and "is not valid JSON" in broken.message


def test_record_time_merges_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "times.json"
    record_time(path, "a.ipynb", "smoke", 1.234, RECORDED)
    record_time(path, "b.ipynb", "smoke", 2.0, RECORDED)
    record_time(path, "a.ipynb", "workshop", 9.0, RECORDED)
    record_time(path, "a.ipynb", "smoke", 1.5, RECORDED)
    times = json.loads(path.read_text())["notebooks"]
    assert times["a.ipynb"]["smoke"]["seconds"] == 1.5
    assert times["a.ipynb"]["workshop"]["seconds"] == 9.0
    assert times["b.ipynb"]["smoke"]["calibration"]["mlp_step_ms"] == 2.0
    assert [p.name for p in tmp_path.iterdir()] == ["times.json"]


def test_unrecorded_notebooks_are_those_without_the_profile(tmp_path):
    path = tmp_path / "times.json"
    assert unrecorded_notebooks([Path("x/a.ipynb")], "smoke", path) == [
        Path("x/a.ipynb")
    ]
    record_time(path, "a.ipynb", "smoke", 1.0, RECORDED)
    record_time(path, "b.ipynb", "workshop", 1.0, RECORDED)
    notebooks = [Path("x/a.ipynb"), Path("x/b.ipynb"), Path("x/c.ipynb")]
    assert unrecorded_notebooks(notebooks, "smoke", path) == notebooks[1:]


def test_time_notebooks_runs_a_notebook_with_the_profile_and_merges(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import os\nassert os.environ['SCALING_BOOK_PROFILE'] == 'smoke'"
        )
    ]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, path)
    broken = tmp_path / "broken.ipynb"
    notebook.cells = [nbformat.v4.new_code_cell("raise RuntimeError('no')")]
    nbformat.write(notebook, broken)
    output = tmp_path / "out" / "times.json"
    record_time(output, "other.ipynb", "workshop", 3.0, RECORDED)
    outcome = time_notebooks(
        [path, broken], "smoke", output, calibration=RECORDED, log=lambda _: None
    )
    assert 0 < outcome["tiny.ipynb"] < 60
    assert "RuntimeError" in outcome["broken.ipynb"]
    times = json.loads(output.read_text())["notebooks"]
    assert set(times) == {
        "other.ipynb",
        "tiny.ipynb",
    }  # merged; the failure not recorded
    assert times["tiny.ipynb"]["smoke"]["seconds"] == round(
        outcome["tiny.ipynb"], 2
    )
    assert times["tiny.ipynb"]["smoke"]["calibration"] == {
        "matmul_gflops": 100.0,
        "mlp_step_ms": 2.0,
        "threads": 1,
        "device": "cpu",
    }
    assert sorted(p.name for p in output.parent.iterdir()) == ["times.json"]


def test_time_notebooks_names_a_missing_notebook(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.ipynb"):
        time_notebooks(
            [tmp_path / "nowhere.ipynb"],
            "smoke",
            tmp_path / "t.json",
            calibration=RECORDED,
        )
