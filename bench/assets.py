"""Size of every Lambda asset as bundled (zipped and unzipped) against Lambda's limits, and what dominates.

Lambda's limits: 50 MB zipped for a direct upload, 250 MB unzipped for a function and all its layers.

    python -m bench.assets [--assembly cdk.out]
"""

from __future__ import annotations

import argparse
import io
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ZIPPED_LIMIT = 50 * 1024 * 1024
UNZIPPED_LIMIT = 250 * 1024 * 1024


def _sizes(directory: Path) -> tuple[int, int, list[tuple[str, int]]]:
    """(unzipped bytes, zipped bytes, the five largest top-level packages)."""
    buffer = io.BytesIO()
    unzipped = 0
    by_package: Counter[str] = Counter()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            relative = path.relative_to(directory)
            size = path.stat().st_size
            unzipped += size
            parts = relative.parts[1:] if relative.parts[0] == "python" and len(relative.parts) > 1 else relative.parts
            by_package[parts[0]] += size
            archive.write(path, relative.as_posix())
    return unzipped, len(buffer.getvalue()), by_package.most_common(5)


def measure(assembly: Path) -> dict[str, Any]:
    """Each distinct code asset and layer the handlers load, and each function's total against the limits."""
    from bench.assembly import deployed_handlers

    assets: dict[str, dict[str, Any]] = {}
    functions = []
    for handler in deployed_handlers(assembly):
        total = 0
        for directory in (handler.code_dir, *(layer.parent for layer in handler.layer_dirs)):
            key = directory.name
            if key not in assets:
                unzipped, zipped, largest = _sizes(directory)
                assets[key] = {"unzipped_bytes": unzipped, "zipped_bytes": zipped,
                               "largest": [{"package": name, "bytes": size} for name, size in largest]}
            total += assets[key]["unzipped_bytes"]
        functions.append({"stack": handler.stack, "handler": handler.handler, "unzipped_bytes": total,
                          "share_of_unzipped_limit": round(total / UNZIPPED_LIMIT, 4)})
    return {"limits": {"zipped_bytes": ZIPPED_LIMIT, "unzipped_bytes": UNZIPPED_LIMIT},
            "assets": assets, "functions": functions}


def main() -> None:
    """Measure and write the ``assets`` section of bench/results.json."""
    from bench.results import update_section

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assembly", type=Path, default=REPO / "cdk.out")
    args = parser.parse_args()
    result = measure(args.assembly.resolve())
    update_section("assets", result)
    largest = max(result["functions"], key=lambda f: f["unzipped_bytes"])
    print(f"{len(result['assets'])} assets; largest function {largest['handler']} "
          f"{largest['unzipped_bytes'] / 1e6:.1f} MB unzipped ({largest['share_of_unzipped_limit']:.1%} of the limit)")


if __name__ == "__main__":
    main()
