"""Every demo reads the same at its defaults: its title and caption, against a stored snapshot.

The lessons quote the demos' numbers, so a change of code that moves one of
them must be a decision, not an accident. When a change is meant, rewrite the
snapshot with ``python tests/test_demo_captions.py`` and commit it with the change.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from privlab.lessons import all_demos

SNAPSHOT = Path(__file__).with_name("snapshots") / "demo_captions.json"
# A measured time is the one part of a caption that may differ between runs.
TIMING = re.compile(r"about [\d.,]+ (µs|ms|s)\b")
DEMOS = all_demos()


def seen(name: str) -> dict[str, str]:
    demo = DEMOS[name]()
    return {"title": demo.title, "caption": demo.caption.value}


def normalised(entry: dict[str, str]) -> dict[str, str]:
    return {key: TIMING.sub("about (a time)", value) for key, value in entry.items()}


STORED = json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_the_snapshot_has_every_demo():
    assert sorted(STORED) == sorted(DEMOS)


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_the_demo_reads_as_in_the_snapshot(name):
    assert normalised(seen(name)) == normalised(STORED[name])


def test_a_changed_caption_is_caught():
    name = next(iter(STORED))
    changed = dict(STORED[name], caption=STORED[name]["caption"].replace("1", "7", 1) + " ")
    assert normalised(changed) != normalised(STORED[name])


if __name__ == "__main__":
    snapshot = {name: seen(name) for name in DEMOS}
    text = json.dumps(snapshot, indent=1, ensure_ascii=False, sort_keys=True)
    SNAPSHOT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(snapshot)} demos to {SNAPSHOT.name}", file=sys.stderr)
