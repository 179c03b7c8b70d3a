#!/usr/bin/env python3
"""Chart of bench/side-by-side.sh results: leader writes, throughput and p99 latency against connections.

    python3 bench/chart.py RESULTS.tsv OUT.png

Writes OUT.svg (standard library only) and converts it to OUT.png with ImageMagick's `convert`;
without a working `convert` it says so and exits 1 (the SVG is still written). It installs nothing.
"""
import csv
import math
import shutil
import subprocess
import sys
from xml.sax.saxutils import escape

SYSTEMS = [("RaftActors", "#1f6fb4"), ("etcd", "#d9480f")]
PANEL_W, PANEL_H = 420, 300           # plot area of one panel, in px
LEFT, TOP, GAP, BOTTOM = 80, 70, 110, 60


def read_rows(path):
    """{system: {conns: (rps, p99_ms)}} for the leader-write rows."""
    data = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["row"] == "write-leader":
                data.setdefault(row["system"], {})[int(row["conns"])] = (float(row["rps"]), float(row["p99_ms"]))
    return data


def nice_top(value):
    """A round axis maximum at or above value (1, 2, 2.5 or 5 times a power of ten), and its tick step."""
    if value <= 0:
        return 1.0, 0.25
    power = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * power:
            top = m * power
            return top, top / 5
    return 10 * power, 2 * power


def fmt(v):
    """A value label: whole numbers from 100 up, fewer decimals as values grow."""
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:.2f}"


def fmt_tick(v, step):
    return f"{v:,.0f}" if step >= 1 else f"{v:.1f}" if step >= 0.1 else f"{v:.2f}"


def panel(x0, title, ylabel, conns, data, pick):
    """One panel: x is the connection count (evenly spaced categories), y from 0."""
    out = []
    values = [pick(data[s][c]) for s, _ in SYSTEMS if s in data for c in conns if c in data[s]]
    top, step = nice_top(max(values, default=1.0))
    x_at = lambda i: x0 + (i + 0.5) * PANEL_W / len(conns)
    y_at = lambda v: TOP + PANEL_H - v / top * PANEL_H
    out.append(f'<text x="{x0 + PANEL_W / 2}" y="{TOP - 14}" text-anchor="middle" font-size="15" font-weight="bold">{escape(title)}</text>')
    tick = 0.0
    while tick <= top + step / 2:
        y = y_at(tick)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + PANEL_W}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{x0 - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{fmt_tick(tick, step)}</text>')
        tick += step
    out.append(f'<rect x="{x0}" y="{TOP}" width="{PANEL_W}" height="{PANEL_H}" fill="none" stroke="#555"/>')
    for i, c in enumerate(conns):
        out.append(f'<text x="{x_at(i):.1f}" y="{TOP + PANEL_H + 20}" text-anchor="middle" font-size="12">{c}</text>')
    out.append(f'<text x="{x0 + PANEL_W / 2}" y="{TOP + PANEL_H + 44}" text-anchor="middle" font-size="13">connections (wrk, to the leader)</text>')
    ym = TOP + PANEL_H / 2
    out.append(f'<text x="{x0 - 62}" y="{ym}" text-anchor="middle" font-size="13" transform="rotate(-90 {x0 - 62} {ym})">{escape(ylabel)}</text>')
    for name, colour in SYSTEMS:
        points = [(i, c, pick(data[name][c])) for i, c in enumerate(conns) if c in data.get(name, {})]
        if len(points) > 1:
            path = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, _, v in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round"/>')
        for i, c, v in points:
            # The higher of the two systems is labelled above its point, the other below, so labels never meet.
            others = [pick(data[o][c]) for o, _ in SYSTEMS if o != name and c in data.get(o, {})]
            dy = -9 if all(v >= w for w in others) else 18
            out.append(f'<circle cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="4.5" fill="{colour}"/>')
            out.append(f'<text x="{x_at(i) + 8:.1f}" y="{y_at(v) + dy:.1f}" font-size="11" fill="{colour}">{fmt(v)}</text>')
    return out


def svg(data):
    conns = sorted({c for rows in data.values() for c in rows})
    width = LEFT + 2 * PANEL_W + GAP + 30
    height = TOP + PANEL_H + BOTTOM + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="DejaVu Sans, sans-serif">',
             f'<rect width="{width}" height="{height}" fill="white" stroke="none"/>']
    parts += panel(LEFT, "Leader writes: throughput", "requests/s", conns, data, lambda r: r[0])
    parts += panel(LEFT + PANEL_W + GAP, "Leader writes: p99 latency", "p99 latency (ms)", conns, data, lambda r: r[1])
    # Legend, centred under both panels.
    lx, ly = width / 2 - 180, height - 22
    for k, (name, colour) in enumerate(SYSTEMS):
        x = lx + k * 220
        parts.append(f'<line x1="{x}" y1="{ly}" x2="{x + 28}" y2="{ly}" stroke="{colour}" stroke-width="3"/>')
        parts.append(f'<circle cx="{x + 14}" cy="{ly}" r="4.5" fill="{colour}"/>')
        parts.append(f'<text x="{x + 36}" y="{ly + 5}" font-size="13">{escape(name)} (3 nodes)</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv):
    if len(argv) != 3 or not argv[2].endswith(".png"):
        sys.exit("usage: chart.py RESULTS.tsv OUT.png")
    data = read_rows(argv[1])
    if not data:
        sys.exit(f"chart.py: no write-leader rows in {argv[1]}")
    svg_path = argv[2][:-4] + ".svg"
    with open(svg_path, "w") as f:
        f.write(svg(data))
    print(f"chart: {svg_path}")
    if shutil.which("convert") is None:
        print("chart.py: ImageMagick's convert is not installed, so no PNG (apt-get install imagemagick)", file=sys.stderr)
        return 1
    done = subprocess.run(["convert", "-density", "96", svg_path, argv[2]], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"chart.py: convert could not make the PNG:\n{done.stderr.strip()}", file=sys.stderr)
        return 1
    print(f"chart: {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
