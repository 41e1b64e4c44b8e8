"""Turn `pip install --dry-run --report -` (JSON on stdin) into deploy/constraints.txt (`make image-constraints`)."""

import json
import sys

HEADER = """\
# Exact versions of everything the image installs (the Dockerfile's builder stage uses them as
# constraints), so two builds of one commit hold the same code. Regenerate after changing the
# dependencies in pyproject.toml:  make image-constraints"""


def main() -> None:
    report = json.load(sys.stdin)
    pins = sorted(
        {
            (item["metadata"]["name"].lower(), item["metadata"]["version"])
            for item in report["install"]
            if item["metadata"]["name"].lower() != "refloop"
        }
    )
    print(HEADER)
    for name, version in pins:
        print(f"{name}=={version}")


if __name__ == "__main__":
    main()
