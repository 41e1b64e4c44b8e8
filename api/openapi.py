"""Writes the committed contract: `python -m api.openapi` (or `make openapi`)."""

import json
import sys
from pathlib import Path

CONTRACT = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def render() -> str:
    from api.main import create_app

    return json.dumps(create_app().openapi(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    CONTRACT.write_text(render())
    sys.stdout.write(f"wrote {CONTRACT}\n")
