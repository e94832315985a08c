"""Prints the Benchmarks/run table: Sluice, Nchan and the ratio per metric.

Headline rows and aims are issue 16's: saturation with one pipelined
publisher at N=1,000 and 10,000 (>= 2.0x Nchan), p99 at 100 events/s with
N=1,000 (<= 1.0x), p99 at 1,000 events/s with N=100 (<= 2.0x), KiB per idle
connection (<= 0.5x), connections per second (>= 0.75x), no event lost.
"""
import sys

path, sat_ns, lat_cells = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
sat4_ns = sys.argv[4].split() if len(sys.argv) > 4 else []
values = {}
for line in open(path):
    metric, server, value = line.rstrip("\n").split("\t")
    values[(metric, server)] = value


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


rows = []
LAT_AIMS = {("1000", "100"): 1.0, ("100", "1000"): 2.0}


def row(label, metric, better, target=None):
    s, n = values.get((metric, "sluice"), "NA"), values.get((metric, "nchan"), "NA")
    fs, fn = num(s), num(n)
    ratio = fs / fn if fs is not None and fn not in (None, 0) else None
    verdict = ""
    if target is not None and ratio is not None:
        verdict = "met" if (ratio >= target if better == "higher" else ratio <= target) else "NOT met"
    aim = f"{'>=' if better == 'higher' else '<='} {target}" if target else ""
    rows.append((label, s, n, f"{ratio:.2f}" if ratio is not None else "-", aim, verdict))


for n in sat_ns:
    row(f"delivered ev/s at saturation, N={n}, 1 publisher", f"sat_ev_s_n{n}", "higher", 2.0 if n in ("1000", "10000") else None)
for n in sat_ns:
    row(f"  published ev/s in that cell, N={n}", f"sat_pub_s_n{n}", "higher")
    row(f"  server CPU % in that cell, N={n}", f"sat_cpu_n{n}", "lower")
for n in sat4_ns:
    row(f"delivered ev/s at saturation, N={n}, 4 publishers", f"sat4_ev_s_n{n}", "higher")
for cell in lat_cells:
    n, r = cell.split(":")
    row(f"p50 ms, N={n}, {r} ev/s", f"p50_ms_n{n}_r{r}", "lower")
    row(f"p99 ms, N={n}, {r} ev/s", f"p99_ms_n{n}_r{r}", "lower", LAT_AIMS.get((n, r)))
row("KiB per idle connection (10,000 idle)", "idle_kib_per_conn", "lower", 0.5)
row("connections/s (10,000 connects)", "conn_per_s", "higher", 0.75)
lost_s = sum(int(v) for (m, s), v in values.items() if m.startswith("lost") and s == "sluice" and v.lstrip("-").isdigit())
lost_n = sum(int(v) for (m, s), v in values.items() if m.startswith("lost") and s == "nchan" and v.lstrip("-").isdigit())
rows.append(("lost events (all runs)", str(lost_s), str(lost_n), "-", "= 0", "met" if lost_s == 0 else "NOT met"))
for metric, label, aim in (
    ("ingest_single", "ingest ev/s, SQLite, 8 publishers, 1 event/request", "aim 5000"),
    ("ingest_batch", "ingest ev/s, SQLite, 8 publishers, 100/batch", "aim 50000"),
    ("pg_ingest_single", "ingest ev/s, PostgreSQL, 8 publishers, 1 event/request", ""),
    ("pg_ingest_batch", "ingest ev/s, PostgreSQL, 8 publishers, 100/batch", ""),
    ("pg_cross_ev_s", "PostgreSQL, node A -> 1,000 subscribers on node B, delivered ev/s", ""),
    ("pg_cross_p50_ms", "  p50 ms at 100 ev/s", ""),
    ("pg_cross_p99_ms", "  p99 ms at 100 ev/s", ""),
    ("pg_cross_lost", "  lost events", ""),
):
    if (metric, "sluice") in values:
        rows.append((label, values[(metric, "sluice")], "-", "-", aim, ""))

for metric, label in (
    ("floor_writes_s_e1", "machine floor: one core's writes/s to 1,000 loopback sockets, 1 event/write (writeprobe)"),
    ("floor_deliveries_s_e4", "machine floor: the same, deliveries/s at 4 events/write"),
    ("floor_fsync_p50_ms", "machine floor: append + fdatasync p50 ms at 100/s (fsyncprobe)"),
    ("floor_fsync_p99_ms", "machine floor: append + fdatasync p99 ms at 100/s"),
    ("floor_conn_per_s", "machine floor: connections/s to a server doing nothing per stream (acceptfloor)"),
    ("floor_nio_conn_per_s", "machine floor: the same from a SwiftNIO server doing nothing per stream (niofloor)"),
):
    if (metric, "machine") not in values:
        continue
    floor = values[(metric, "machine")]
    if metric == "floor_nio_conn_per_s":
        # Beside Nchan's connections/s of the same pass: the most the
        # connections cell's ratio can be for a server built on SwiftNIO.
        nchan = values.get(("conn_per_s", "nchan"), "NA")
        fs, fn = num(floor), num(nchan)
        rows.append((label, floor, nchan, f"{fs / fn:.2f}" if fs is not None and fn else "-", "", ""))
    else:
        rows.append((label, floor, "-", "-", "", ""))

header = ("metric", "Sluice", "Nchan", "ratio", "aim", "")
widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(6)]
print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in rows:
    print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
