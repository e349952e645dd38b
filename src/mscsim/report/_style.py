"""The fixed pieces of every report page: inline CSS and the research-use notice."""

from __future__ import annotations

#: Shown at the top of every report; it cannot be switched off.
RESEARCH_NOTICE = (
    "Research use only: mscsim is a research tool, not clinical advice. The results below come "
    "from simulated (virtual) patients and trials; they are not predictions for any real patient "
    "and must not guide treatment decisions."
)

CSS = """
:root { --ink: #1d2430; --muted: #5b6678; --rule: #d8dde6; --accent: #0072b2; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.3em; margin: 1.8em 0 0.5em; padding-bottom: 0.2em;
  border-bottom: 2px solid var(--rule); }
p { margin: 0.5em 0; }
.notice { border: 1px solid #e0b252; border-left: 6px solid #e69f00; background: #fff8e6;
  padding: 10px 14px; border-radius: 4px; margin: 12px 0 18px; }
nav ol { margin: 0.3em 0; padding-left: 1.4em; columns: 2; }
nav a { color: var(--accent); text-decoration: none; }
figure { margin: 16px 0; text-align: center; }
figure img, figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.92em; margin-top: 4px; }
.table-wrap { overflow-x: auto; margin: 12px 0; }
table { border-collapse: collapse; font-size: 0.92em; }
caption { caption-side: top; text-align: left; color: var(--muted); padding: 4px 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: left;
  vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 1%; white-space: nowrap; }
table.kv table.kv { font-size: 1em; margin: 0; }
details.provenance { margin: 8px 0 16px; }
details.provenance summary { cursor: pointer; font-weight: 600; }
footer { color: var(--muted); font-size: 0.85em; margin-top: 40px; border-top: 1px solid
  var(--rule); padding-top: 8px; }
@media print { details.provenance[open] summary { display: none; } }
"""
