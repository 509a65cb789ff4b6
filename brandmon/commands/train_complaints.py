"""`brandmon train-complaints --rebuild-shipped [--data-dir DIR] [--output-dir DIR]`: rebuild the
shipped complaint model (transforms/models/complaint_*.marshal.3 and complaint.json) from its
data, deterministically (same data, same `model_sha256`; about 2 minutes). Prints the metadata:
data sizes, the combination, the threshold, out-of-fold and held-out figures, calibration.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAME = "train-complaints"
HELP = "Rebuild the shipped complaint model from its data (--rebuild-shipped); prints its figures"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rebuild-shipped", action="store_true", required=True,
                        help="rebuild the complaint model files in transforms/models from the data")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder holding sentiment/ and complaints/ ($BRANDMON_DATA_DIR, ../shared/data)")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help="write the model files here instead of transforms/models")


def run(args: argparse.Namespace) -> int:
    from training import complaints
    from transforms import complaint_model

    try:
        metadata = complaints.rebuild_shipped(args.data_dir, args.output_dir or complaint_model.MODELS_DIR)
    except (OSError, ValueError) as error:
        print(f"brandmon train-complaints: {error}", file=sys.stderr)
        return 2
    print(json.dumps(metadata, ensure_ascii=False, indent=2))
    return 0
