"""Prints the Benchmarks/run table: Sluice, Nchan and the ratio per metric."""
import sys

path, ns, rates = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
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


def row(label, metric, better, target=None):
    s, n = values.get((metric, "sluice"), "NA"), values.get((metric, "nchan"), "NA")
    fs, fn = num(s), num(n)
    ratio = fs / fn if fs is not None and fn not in (None, 0) else None
    verdict = ""
    if target is not None and ratio is not None:
        verdict = "met" if (ratio >= target if better == "higher" else ratio <= target) else "NOT met"
    rows.append((label, s, n, f"{ratio:.2f}" if ratio is not None else "-", f"{'>=' if better == 'higher' else '<='} {target}" if target else "", verdict))


for n in ns:
    row(f"delivered ev/s at saturation, N={n}", f"sat_ev_s_n{n}", "higher", 2.0 if n in ("1000", "10000") else None)
for n in ns:
    for r in rates:
        row(f"p50 ms, N={n}, {r} ev/s", f"p50_ms_n{n}_r{r}", "lower")
        row(f"p99 ms, N={n}, {r} ev/s", f"p99_ms_n{n}_r{r}", "lower", 1.0 if (n, r) == ("1000", "100") else None)
row("KiB per idle connection (10,000 idle)", "idle_kib_per_conn", "lower", 1.0)
row("connections/s (10,000 connects)", "conn_per_s", "higher", 0.5)
lost_s = sum(int(v) for (m, s), v in values.items() if m.startswith("lost") and s == "sluice" and v.lstrip("-").isdigit())
lost_n = sum(int(v) for (m, s), v in values.items() if m.startswith("lost") and s == "nchan" and v.lstrip("-").isdigit())
rows.append(("lost events (all runs)", str(lost_s), str(lost_n), "-", "= 0", "met" if lost_s == 0 else "NOT met"))
rows.append(("ingest ev/s, 8 publishers, 1 event/request", values.get(("ingest_single", "sluice"), "NA"), "-", "-", "aim 5000", ""))
rows.append(("ingest ev/s, 8 publishers, 100/batch", values.get(("ingest_batch", "sluice"), "NA"), "-", "-", "aim 50000", ""))

widths = [max(len(str(r[i])) for r in rows + [("metric", "Sluice", "Nchan", "ratio", "target", "")]) for i in range(6)]
header = ("metric", "Sluice", "Nchan", "ratio", "target", "")
print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in rows:
    print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
