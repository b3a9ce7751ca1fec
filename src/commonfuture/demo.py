"""``make demo``: run the shipped scenarios at a demonstration size and report."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

import commonfuture as cf

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def main() -> None:
    console = Console()
    out = Path("demo")
    out.mkdir(exist_ok=True)
    sc = cf.load_scenario(SCENARIOS / "generic.toml")
    result = cf.simulate(sc, seed=1, replicates=20)
    result.monthly.to_parquet(out / "generic.parquet", index=False)
    from commonfuture.cli.scenario_commands import stage_table

    console.print(stage_table(result))
    console.print(f"wrote {out.resolve() / 'generic.parquet'}")


if __name__ == "__main__":
    main()
