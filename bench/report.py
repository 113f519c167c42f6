"""The report: a row per layout (medians, ratios to the Hugo builds that followed each
layout's), then every build's details, and the targets each layout met."""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
from datetime import datetime, timezone
from pathlib import Path

from measure import Run
from tools import Tools

MIB = 1024**2
SCENARIOS = ("cold", "no-change", "one-edit", "edit-again")
# sitegen scenario -> its limit as a ratio of Hugo's cold build (issue 18)
HUGO_LIMITS = {"cold": 0.3, "no-change": 0.05, "one-edit": 0.1, "edit-again": 0.1}
PELICAN_COLD_LIMIT = 0.1
BIG = 100_000  # the size the absolute targets are for
COLD_SECONDS_LIMIT = 60.0
MEMORY_LIMIT = 1024 * MIB  # summed PSS of the process tree
TOOL_NAMES = {"sitegen": "sitegen", "hugo": "Hugo", "pelican": "Pelican"}


def combine(runs: list[Run]) -> dict[tuple[str, str, str], dict]:
    """Repeats of one layout/tool/scenario -> median wall and CPU, worst memory, last tree counts."""
    grouped: dict[tuple[str, str, str], list[Run]] = {}
    for run in runs:
        grouped.setdefault((run.layout, run.tool, run.scenario), []).append(run)
    combined = {}
    for key, group in grouped.items():
        good = [r for r in group if r.ok]
        last = group[-1]
        combined[key] = {
            "ok": bool(good) and len(good) == len(group),
            "runs": len(group),
            "walls": [round(r.wall, 2) for r in good],
            "wall": statistics.median(r.wall for r in good) if good else None,
            "cpu": statistics.median(r.cpu for r in good) if good else None,
            "maxrss": max((r.maxrss_kib for r in good), default=0) * 1024,
            "pss": max((r.pss_kib for r in good), default=0) * 1024,
            "memory": max((r.memory_kib for r in good), default=0) * 1024,
            "processes": max((r.processes for r in good), default=0),
            "pss_samples": min((r.pss_samples for r in good), default=0),
            "files": last.files,
            "bytes": last.bytes,
            "touched": max((r.touched for r in group if r.touched is not None), default=None),
            "summary": last.summary,
            "code_changed": any(r.code_changed for r in group),
            "failure": None if last.ok else ("timed out" if last.timed_out else f"exit {last.exit_code}"),
        }
    return combined


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio(value: float | None, limit: float) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value <= limit else f"**{value:.3f}**"


def _wall(combined: dict, key: tuple[str, str, str]) -> float | None:
    found = combined.get(key)
    return found["wall"] if found else None


def checks_for(size: int, layout: str, combined: dict, peers: list[str]) -> list[dict]:
    """Every target this layout's builds can be held to, met or not."""
    checks = []
    hugo = _wall(combined, (layout, "hugo", "cold"))
    for scenario, limit in HUGO_LIMITS.items():
        mine = _wall(combined, (layout, "sitegen", scenario))
        if "hugo" in peers:
            ratio = mine / hugo if mine is not None and hugo else None
            checks.append({"target": f"{scenario} / Hugo cold", "limit": limit, "value": ratio})
    pelican = _wall(combined, (layout, "pelican", "cold"))
    cold = combined.get((layout, "sitegen", "cold"))
    if "pelican" in peers:
        mine = cold["wall"] if cold else None
        ratio = mine / pelican if mine is not None and pelican else None
        checks.append({"target": "cold / Pelican cold", "limit": PELICAN_COLD_LIMIT, "value": ratio})
    same = combined.get((layout, "sitegen", "no-change"))
    if same and same["touched"] is not None:
        checks.append({"target": "no-change touches no file", "limit": 0, "value": same["touched"]})
    if size >= BIG and cold and cold["wall"] is not None:
        checks.append({"target": "cold seconds", "limit": COLD_SECONDS_LIMIT, "value": cold["wall"]})
        checks.append({"target": "cold summed PSS", "limit": MEMORY_LIMIT, "value": cold["memory"]})
    for check in checks:
        check["met"] = None if check["value"] is None else check["value"] <= check["limit"]
    return checks


def summary_table(size: int, layouts: list[str], runs: list[Run], peers: list[str]) -> str:
    """One row per layout: sitegen's four scenarios, the peers' cold builds, the ratios."""
    combined = combine(runs)
    head = ["layout", *(f"{s} s" for s in SCENARIOS)]
    head += [f"{TOOL_NAMES[p]} cold s" for p in peers]
    if "hugo" in peers:
        head += [f"{s} / Hugo" for s in SCENARIOS]
    if "pelican" in peers:
        head += ["cold / Pelican"]
    head += ["no-change files touched", "cold memory MiB"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for layout in layouts:
        row = [f"`{layout}`", *(_num(_wall(combined, (layout, "sitegen", s))) for s in SCENARIOS)]
        row += [_num(_wall(combined, (layout, p, "cold"))) for p in peers]
        checks = {c["target"]: c for c in checks_for(size, layout, combined, peers)}
        if "hugo" in peers:
            row += [_ratio(checks[f"{s} / Hugo cold"]["value"], HUGO_LIMITS[s]) for s in SCENARIOS]
        if "pelican" in peers:
            row += [_ratio(checks["cold / Pelican cold"]["value"], PELICAN_COLD_LIMIT)]
        same = combined.get((layout, "sitegen", "no-change"))
        row.append("—" if not same or same["touched"] is None else f"{same['touched']:,}")
        cold = combined.get((layout, "sitegen", "cold"))
        row.append(_num(cold["memory"] / MIB, 0) if cold and cold["wall"] is not None else "—")
        lines.append("| " + " | ".join(row) + " |")
    limits = ", ".join(f"{s} ≤ {limit:g}" for s, limit in HUGO_LIMITS.items())
    lines += [
        "",
        f"Seconds are medians of wall time. Targets, as ratios of Hugo's cold build: {limits}; a ratio "
        "over its target is in bold. No-change must touch no file. Memory: the peak of the cold "
        "build's summed PSS (all its processes, sampled every 0.1 s, less often for big ones) or "
        f"of its largest process's RSS, whichever is more; at {BIG:,} papers it must stay ≤ 1,024 MiB "
        f"and the cold build ≤ {COLD_SECONDS_LIMIT:g} s.",
    ]
    return "\n".join(lines) + "\n"


def detail_table(layout: str, runs: list[Run]) -> str:
    """Every tool and scenario that ran after this layout's sitegen builds."""
    combined = combine(runs)
    lines = [
        "| tool | scenario | wall s | cpu s | runs, wall s | peak RSS MiB | files | bytes | notes |",
        "|---|---|---:|---:|---|---:|---:|---:|---|",
    ]
    keys = [(layout, "sitegen", s) for s in SCENARIOS] + [(layout, t, "cold") for t in ("hugo", "pelican")]
    for key in keys:
        c = combined.get(key)
        if c is None:
            continue
        notes = []
        if c["failure"]:
            notes.append(f"**FAILED: {c['failure']}**")
        if c["touched"] is not None:
            notes.append(f"{c['touched']:,} files touched")
        if c["code_changed"]:
            notes.append("**sitegen's code changed during the run: rerun**")
        if c["processes"] > 1:
            notes.append(
                f"{c['processes']} processes, {c['pss'] / MIB:,.0f} MiB PSS together "
                f"(peak of ≥ {c['pss_samples']:,} samples)"
            )
        walls = ", ".join(f"{w:.2f}" for w in c["walls"])
        lines.append(
            f"| {TOOL_NAMES[key[1]]} | {key[2]} | {_num(c['wall'])} | {_num(c['cpu'])} | {walls} | "
            f"{_num(c['maxrss'] / MIB, 0)} | {c['files']:,} | {c['bytes']:,} | {'; '.join(notes)} |"
        )
    return "\n".join(lines) + "\n"


def size_section(
    size: int, layouts: list[str], runs: list[Run], stats: dict, args: argparse.Namespace
) -> str:
    repeat = args.repeat
    lines = [
        f"### {size:,} papers",
        "",
        f"{stats['papers']:,} papers over {stats['days']:,} days, {stats['authors']:,} authors, "
        f"{stats['math']:,} abstracts with math. "
        + (f"Median of {repeat} interleaved runs." if repeat > 1 else "One run each."),
        "",
        summary_table(size, layouts, runs, args.peers),
    ]
    for layout in layouts:
        files = stats["content_files"].get(layout, 0)
        lines += [f"#### `{layout}` ({files:,} content files)", "", detail_table(layout, runs)]
    return "\n".join(lines)


def record(run: Run, failures: list[Run]) -> Run:
    """Print one build's line as it finishes; keep the failures for the report."""
    name = f"{run.tool} {run.layout}" if run.tool == "sitegen" else f"{run.tool} (after {run.layout})"
    if run.code_changed:
        print(
            f"   warning: sitegen's code or themes changed during or before the {run.scenario} build; "
            "its numbers mix two versions",
            flush=True,
        )
    if run.ok:
        extra = f", {run.touched} files touched" if run.touched is not None else ""
        print(
            f"   {name:30} {run.scenario:10} {run.wall:8.2f} s wall {run.cpu:8.2f} s cpu "
            f"{run.memory_kib / 1024:7.0f} MiB  {run.files:,} files{extra}",
            flush=True,
        )
    else:
        failures.append(run)
        what = "TIMED OUT" if run.timed_out else f"FAILED (exit {run.exit_code})"
        print(f"   {name:30} {run.scenario:10} {what} after {run.wall:.1f} s; {run.log}:", flush=True)
        print("\n".join(f"     | {line}" for line in run.stderr_tail.splitlines()) or "     | (no output)")
    return run


def machine() -> dict[str, str]:
    info = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus (nproc)": str(os.cpu_count()),
    }
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line for line in lines if line.startswith("model name"))
        info["cpu"] = cpu.split(":", 1)[1].strip()
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or platform.machine()
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))  # type: ignore[union-attr]
        info["memory"] = f"{kib / 1024**2:.1f} GiB"
    except (OSError, AttributeError):
        pass
    info["os"] = f"{platform.system()} {platform.release()}"
    info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def report(
    args: argparse.Namespace, tools: Tools, host: dict[str, str], sections: list[str], failures: list[Run]
) -> str:
    lines = ["# sitegen benchmark", ""]
    command = "python bench/run.py " + " ".join(args.argv)
    lines += [f"`{command.strip()}`", ""]
    lines += [f"- {key}: {value}" for key, value in {**host, **tools.versions}.items()]
    lines += [
        f"- corpus: bench/generate.py, seed {args.seed}, ~40 papers a day; layouts {', '.join(args.layouts)}",
        f"- timeout per build: {args.timeout:g} s",
        f"- kernel page cache, dentries and inodes dropped before each cold build: {args.cache_drop}",
        "",
        "Wall time is measured around each child process; cpu is its user+sys time and peak RSS its "
        "ru_maxrss, both from os.wait4. Ratios compare builds of this one run: each layout's sitegen "
        "builds with the peers' cold builds that followed them. Cold means no output "
        "and no build cache; before each cold build the harness syncs, drops the kernel's page cache "
        "and its cached dentries and inodes (unless --keep-caches), runs the same tool once, "
        "untimed, on a 100-paper site (so its code "
        "is back in memory) and reads the build's input files back in, so every tool starts from "
        "the same state with its code and content in memory.",
        "",
        *sections,
    ]
    if failures:
        lines += ["## Failures", ""]
        for run in failures:
            what = "timed out" if run.timed_out else f"exit {run.exit_code}"
            lines += [
                f"{run.tool} {run.scenario} ({run.layout}) at {run.size:,} papers ({what}); log {run.log}:",
                "",
                "```",
                run.stderr_tail or "(no output)",
                "```",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"
