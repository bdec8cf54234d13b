"""Check an edited rule file before deploying it: `python -m domain.check_rules [path]`.

Prints the rules in order, or the line that is wrong, and exits 0 or 1 accordingly. It runs
the same validation the bot runs when it starts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from domain.routing import DEFAULT_RULES_PATH, RuleTableError, load_rules


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_RULES_PATH
    try:
        table = load_rules(path)
    except RuleTableError as error:
        print(f"NOT OK: {error}", file=sys.stderr)
        return 1
    for number, rule in enumerate(table.rules, start=1):
        target = rule.unit.value if rule.unit else rule.outcome.value
        print(f"{number}. {rule.id} (line {rule.line}) → {target}")
    print(f"OK: {path} has {len(table.rules)} rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
