/** PAGE_STYLE is report.html's own stylesheet (uPlot's is inlined beside it): a readable, printable page for a laptop screen. */
export const PAGE_STYLE = `
:root { --fg: #1d2330; --muted: #5b6472; --line: #dde1e7; --bg: #ffffff; --panel: #f6f7f9;
  --bad: #b3261e; --bad-bg: #fdecea; --warn: #8a5a00; --warn-bg: #fff4d6; --good: #1e7a34; --good-bg: #e8f5ec; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg); }
main { max-width: 1200px; margin: 0 auto; padding: 20px 28px 60px; }
h1 { font-size: 24px; margin: 0 0 10px; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 { font-size: 19px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
section { margin: 28px 0; }
header { border-bottom: 1px solid var(--line); padding-bottom: 12px; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
nav { position: sticky; top: 0; z-index: 5; background: rgba(255,255,255,0.95); border-bottom: 1px solid var(--line);
  padding: 6px 0; margin-bottom: 8px; font-size: 13px; }
nav a { color: var(--muted); text-decoration: none; margin-right: 14px; }
nav a:hover { color: var(--fg); text-decoration: underline; }
.badge { font-size: 12px; font-weight: 600; padding: 2px 8px; border-radius: 10px; vertical-align: middle; white-space: nowrap; }
.badge-ok { background: var(--good-bg); color: var(--good); }
.badge-warn { background: var(--warn-bg); color: var(--warn); }
.badge-bad { background: var(--bad); color: #fff; font-size: 14px; letter-spacing: 0.04em; }
.banner { border-radius: 6px; padding: 10px 16px; margin: 14px 0; border-left: 6px solid; }
.banner h2 { border: 0; margin: 0 0 4px; padding: 0; font-size: 18px; }
.banner p { margin: 4px 0; }
.banner-bad { background: var(--bad-bg); border-color: var(--bad); color: #5c0f0a; }
.banner-bad h2 { color: var(--bad); font-size: 22px; }
.banner-warn { background: var(--warn-bg); border-color: #e0a800; color: #4d3300; }
.health-bad { border: 3px solid var(--bad); border-radius: 6px; padding: 10px 14px; background: var(--bad-bg); }
.health-warn { border: 2px solid #e0a800; border-radius: 6px; padding: 10px 14px; background: var(--warn-bg); }
.verdict { font-size: 16px; margin: 6px 0 8px; }
.small, .note { color: var(--muted); font-size: 12.5px; }
p.bad, .verdict.bad { color: var(--bad); }
p.good { color: var(--good); }
p.warn { color: var(--warn); }
.empty { color: var(--muted); font-style: italic; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; white-space: nowrap; }
th { background: var(--panel); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.wrap, td .message { white-space: normal; }
td.wrap { min-width: 160px; text-align: left; }
td:first-child { white-space: normal; overflow-wrap: anywhere; max-width: 280px; }
td.bad { color: var(--bad); font-weight: 600; }
td.good { color: var(--good); }
td.warn { color: var(--warn); }
td.text, th.text { text-align: left; }
table.compact td, table.compact th { padding: 3px 8px; }
.cols { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.message { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
table.errors td:last-child { max-width: 520px; }
/* The decision table wraps rather than scrolls: its verdict is the last column, and a long model id must not push it off screen. */
table.decision { width: 100%; }
table.decision th, table.decision td { white-space: normal; padding: 4px 6px; }
.warnings { color: var(--warn); margin: 6px 0; }
figure.chart { margin: 14px 0 26px; }
.chart-title { font-weight: 600; font-size: 15px; margin-bottom: 4px; }
.plot { width: 100%; min-height: 300px; }
.plot .u-legend { font-size: 12.5px; text-align: left; margin: 4px 0 0 64px; }
.plot .u-legend .u-series > * { padding: 2px 4px; }
.marker-key { font-size: 12.5px; color: var(--muted); margin: 4px 0 0 64px; }
.key { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 14px; height: 10px; margin-right: 5px; vertical-align: -1px; border: 1px solid rgba(0,0,0,0.15); }
.vline { display: inline-block; width: 0; height: 12px; margin: 0 6px 0 4px; border-left: 2px dashed; vertical-align: -2px; }
.vline.abort { border-left: 2px solid #000; }
.bar-cell { display: flex; flex-direction: column; align-items: flex-end; gap: 2px; }
.bars { position: relative; width: 150px; height: 10px; background: var(--panel); border-radius: 2px; }
.bar { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 2px; }
.bar.p99, .bar-p99 { background: #9ecae1; }
.bar.p50, .bar-p50 { background: #1f77b4; }
details pre { background: var(--panel); padding: 10px; overflow: auto; max-height: 480px; font-size: 12px; }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; margin-top: 40px; }
/* A narrow window (800 px) keeps every decision column on screen: less margin, denser cells, headers that break anywhere. */
@media (max-width: 900px) {
  main { padding: 12px 12px 40px; }
  table.decision { font-size: 11.5px; }
  table.decision th, table.decision td { padding: 3px; }
  table.decision th { overflow-wrap: anywhere; }
  table.decision td.wrap { min-width: 90px; }
  table.decision .badge { font-size: 10px; padding: 1px 5px; }
}
@media print { nav { display: none; } }
`;
