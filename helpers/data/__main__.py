"""Command line for the datasets: ``python -m helpers.data info | verify | download [NAME ...]``."""

from __future__ import annotations

import argparse
import sys

from helpers.data.catalog import DATA_ENV, DATASETS, data_root, missing_files
from helpers.data.download import DownloadError
from helpers.data.formats import DataFormatError
from helpers.data.loaders import DatasetNotFoundError, download_dataset, verify_dataset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.data", description=__doc__)
    parser.add_argument("command", choices=("info", "verify", "download"))
    parser.add_argument("names", nargs="*", help=f"datasets (default: all of {', '.join(DATASETS)})")
    parser.add_argument("--mirror", help="base URL to fetch from instead of the canonical hosts")
    args = parser.parse_args(argv)
    names = args.names or list(DATASETS)
    if unknown := [n for n in names if n not in DATASETS]:
        parser.error(f"unknown dataset(s) {unknown}: choose from {', '.join(DATASETS)}")
    root = data_root()
    print(f"data root: {root}  (set {DATA_ENV} to change it)")
    failed = False
    for name in names:
        spec = DATASETS[name]
        if args.command == "info":
            missing = missing_files(spec, root)
            state = "present" if not missing else f"missing {len(missing)} of {len(spec.files)} files"
            print(f"  {name:16s} {state:28s} {spec.description}")
            for rel in spec.files:
                print(f"      {rel}")
            continue
        try:
            if args.command == "download":
                download_dataset(name, root, mirror=args.mirror)
            print(f"  ok  {verify_dataset(name, root)}")
        except (DownloadError, DatasetNotFoundError, DataFormatError) as err:
            failed = True
            print(f"  FAILED {name}: {err}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
