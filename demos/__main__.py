"""python -m demos [NAME] [--out DIR] [--quick]: list the demos, or run one."""

from __future__ import annotations

import argparse
import sys

from demos import DEMOS, describe, run
from demos.report import MissingExtra, Report


def main(argv: list[str] | None = None) -> Report | None:
    parser = argparse.ArgumentParser(
        prog="python -m demos",
        description="The documents' networks, runnable. Without NAME, list the demos.",
    )
    parser.add_argument("name", nargs="?", choices=DEMOS, metavar="NAME", help=f"one of: {', '.join(DEMOS)}")
    parser.add_argument(
        "--out", default="out", metavar="DIR", help="where the demo writes its files (default: out/)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a shorter run (fewer samples and steps), for tests"
    )
    args = parser.parse_args(argv)

    if args.name is None:
        width = max(map(len, DEMOS))
        for name in DEMOS:
            print(f"{name:<{width}}  {describe(name)}")
        print("\nrun one with: python -m demos NAME [--out DIR] [--quick]")
        return None

    try:
        report = run(args.name, out=args.out, quick=args.quick)
    except (MissingExtra, ValueError) as error:
        sys.exit(f"{args.name}: {error}")
    print(f"\n{args.name} wrote {len(report.files)} file(s):")
    for path in report.files:
        print(f"  {path}")
    if report.not_drawn:
        print(f"\nnot drawn: {', '.join(report.not_drawn)}. {report.why_not_drawn}", file=sys.stderr)
    return report


if __name__ == "__main__":
    main()
