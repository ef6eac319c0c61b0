"""How long `auditor --once -f` takes, and how much memory, to refuse hostile input.

Writes each hostile input (all under 1 MiB) to a temporary directory, runs the
real auditor on it in a child process, and prints wall time, peak RSS (from
os.wait4's per-child rusage) and exit code. The baseline, measured in the same
run: a child that only does `json.load` of a normal snapshot. Target: every
case under 2 s and 200 MiB.

    .venv/bin/python bench/hostile_inputs.py [--repeat 3]
"""

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from child import ROOT, Run, measure

MIB = 1024**2


@dataclass(frozen=True)
class Case:
    name: str
    command: list[str]
    stdin: Path | None = None


def _billion_laughs() -> str:
    """A Service whose selector value is 9**9 strings through nine levels of aliases."""
    lines = ["apiVersion: v1", "kind: Service", "metadata: {name: lol}", "lol:"]
    lines.append("  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]")
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"  {name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join([*lines, "spec: {selector: {app: *i}}"]) + "\n"


def _flat_mib() -> str:
    header = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flat}\ndata:\n"
    line = "  key-{:06d}: value-value-value-value-value\n"
    count = (MIB - len(header)) // len(line.format(0))
    return header + "".join(line.format(i) for i in range(count))


def _invalid_dates() -> str:
    header = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dates}\ndata:\n"
    return header + "".join(f"  released-{i:05d}: 2024-02-30\n" for i in range(20_000))


def _write_inputs(directory: Path) -> dict[str, Path]:
    snapshot = (ROOT / "examples" / "cluster-snapshot.yaml").read_text(encoding="utf-8")
    texts: dict[str, bytes] = {
        "alias-bomb.yaml": _billion_laughs().encode(),
        "deep.json": ("[" * 100_000 + "]" * 100_000).encode(),
        "deep-flow.yaml": ("a: " + "[" * 100_000).encode(),
        "deep-block.yaml": ("- " * 100_000 + "x\n").encode(),
        "flat-1mib.yaml": _flat_mib().encode(),
        "invalid-dates.yaml": _invalid_dates().encode(),
        "huge-integer.yaml": ("replicas: " + "9" * 500_000 + "\n").encode(),
        "latin1.yaml": snapshot.replace("customer", "caf\u00e9").encode("latin-1"),
        "utf16.yaml": ("\ufeff" + snapshot).encode("utf-16-le"),
    }
    paths = {}
    for name, data in texts.items():
        if len(data) > MIB:
            raise ValueError(f"{name} is {len(data)} bytes; every hostile input stays under 1 MiB")
        paths[name] = directory / name
        paths[name].write_bytes(data)
    documents = [d for d in yaml.safe_load_all(snapshot) if d is not None]
    as_list = {"apiVersion": "v1", "kind": "List", "items": documents}
    baseline = directory / "snapshot.json"
    baseline.write_text(json.dumps(documents[0] if len(documents) == 1 else as_list))
    paths["snapshot.json"] = baseline
    return paths


def _cases(paths: dict[str, Path]) -> list[Case]:
    auditor = [sys.executable, "-m", "auditor", "--once"]
    load = "import json, sys; json.load(open(sys.argv[1], encoding='utf-8'))"
    cases = [Case("baseline: json.load of the snapshot", [sys.executable, "-c", load, ""])]
    cases[0] = Case(cases[0].name, [*cases[0].command[:-1], str(paths["snapshot.json"])])
    cases.append(
        Case("auditor on the snapshot (JSON)", [*auditor, "-f", str(paths["snapshot.json"])])
    )
    cases += [
        Case(name, [*auditor, "-f", str(path)])
        for name, path in paths.items()
        if name != "snapshot.json"
    ]
    cases.append(
        Case(
            "/dev/zero on stdin, --max-input-bytes 1048576",
            [*auditor, "-f", "-", "--max-input-bytes", str(MIB)],
            stdin=Path("/dev/zero"),
        )
    )
    return cases


def _run(case: Case) -> Run:
    return measure(case.command, stdin=case.stdin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        cases = _cases(_write_inputs(Path(directory)))
        print(f"{'case':<48} {'seconds':>8} {'peak RSS':>10} {'exit':>5}  first line of stderr")
        for case in cases:
            runs = [_run(case) for _ in range(args.repeat)]
            best = min(runs, key=lambda run: run.seconds)
            rss = max(run.peak_rss_mib for run in runs)
            figures = f"{best.seconds:>8.3f} {rss:>7.1f} MiB {best.exit_code:>5}"
            print(f"{case.name:<48} {figures}  {best.first_line[:70]}")


if __name__ == "__main__":
    main()
