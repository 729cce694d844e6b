"""Reads the one-line summaries `scripts/bench-summary.hbs` writes and turns each
benchmark into picoseconds of ref_time, with ParityDB's read and write costs."""

import pathlib
import re


def _db_weights():
    """The runtime's measured ParityDB read and write costs, in picoseconds."""
    text = (pathlib.Path(__file__).parent.parent / "runtime/src/weights/paritydb_weights.rs").read_text()
    ns = lambda key: int(re.search(key + r":\s*([\d_]+)\s*\*", text).group(1).replace("_", ""))
    return ns("read") * 1_000, ns("write") * 1_000


def _extrinsic_base():
    """The runtime's measured cost of any extrinsic beyond its call, in picoseconds."""
    text = (pathlib.Path(__file__).parent.parent / "runtime/src/weights/extrinsic_weights.rs").read_text()
    return int(re.search(r"WEIGHT_REF_TIME_PER_NANOS\.saturating_mul\(([\d_]+)\)", text).group(1).replace("_", "")) * 1_000


READ, WRITE = _db_weights()
EXTRINSIC_BASE = _extrinsic_base()
BLOCK = 2_000_000_000_000  # 2 s of ref_time
NORMAL = 0.75  # the share of a block for normal transactions


def rows(folder):
    """{benchmark: {"base": ps, "slope": {component: ps per unit}}} of every
    summary file in `folder`."""
    found = {}
    for f in pathlib.Path(folder).glob("*.txt"):
        for line in f.read_text().splitlines():
            if not line.startswith("benchmark="):
                continue
            kv = dict(p.split("=", 1) for p in line.split())
            num = lambda k: int(kv.get(k, "0").replace("_", ""))
            found[kv["benchmark"]] = {
                "base": num("base") + READ * num("reads") + WRITE * num("writes"),
                "slope": {
                    c: num("slope." + c) + READ * num("reads." + c) + WRITE * num("writes." + c)
                    for c in (k.split(".", 1)[1] for k in kv if k.startswith("slope."))
                },
            }
    return found
