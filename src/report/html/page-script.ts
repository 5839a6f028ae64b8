/**
 * PAGE_SCRIPT is the browser side of report.html: it reads the chart data (the JSON element
 * #bakeoff-data, made by chart-specs.ts) and draws each chart with uPlot, inlined before it.
 * Everything about what to draw was decided in Node; this only maps a ChartSpec onto uPlot's
 * options: axes with units, the percentile axis (1/(1−p) on a log scale, labelled 50 % … 99.99 %),
 * "—" for no data in legends, and the failover markers (outage bands under the lines, breaker
 * transitions as dashed vertical lines over them).
 *
 * It registers every chart in `window.__charts` ({ id, title, kind, xPoints, markers, series:
 * [{ label, points }] }, points counting non-null values as uPlot holds them), and sets
 * `window.__chartsDone` when all were tried, so a browser test can check what was drawn. A chart
 * that fails is reported with console.error and a message in its place; the others still draw.
 *
 * Plain ES2019 in a string: the build (tsc) compiles Node code only, and the page must run as is.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('bakeoff-data').textContent);
  var registry = [];
  window.__charts = registry;
  var PCT_TICKS = [1, 2, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7];

  function pctLabel(x) {
    if (x == null) return '';
    var p = 100 - 100 / x;
    return String(Math.round(p * 10000) / 10000) + '%';
  }
  // The device pixel ratio canvas coordinates are scaled by (an instance's own, else uPlot's).
  function px(u) {
    return u.pxRatio || uPlot.pxRatio || 1;
  }
  // Tick labels with as many decimals as the tick spacing has: 0, 100, 200; 0, 2.5, 5.0; 0.25, 0.50.
  function ticks(splits, incr) {
    var d = 0;
    while (d < 3 && Math.abs(Math.round(incr * Math.pow(10, d)) - incr * Math.pow(10, d)) > 1e-6) d++;
    return splits.map(function (v) { return v == null ? '' : v.toFixed(d); });
  }
  // Counts per second tick in whole numbers.
  var COUNT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6];
  function secondsLabel(v) {
    return (v - 0.5) + '\u2013' + (v + 0.5) + ' s';
  }
  function ms(v) {
    var a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
  }
  function num(v) {
    return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
  }
  function withUnit(unit, v) {
    if (v == null) return '\u2014';
    if (unit === 'ms') return ms(v) + ' ms';
    if (unit === 'per_s') return num(v) + '/s';
    return num(v);
  }

  function drawBands(u, markers) {
    var ctx = u.ctx, b = u.bbox;
    ctx.save();
    markers.forEach(function (m) {
      if (m.kind !== 'outage') return;
      var x0 = Math.max(b.left, u.valToPos(m.fromS, 'x', true));
      var x1 = Math.min(b.left + b.width, u.valToPos(m.toS, 'x', true));
      if (x1 < x0) return;
      ctx.fillStyle = m.color;
      ctx.fillRect(x0, b.top, Math.max(x1 - x0, 2 * px(u)), b.height);
    });
    ctx.restore();
  }
  function drawLines(u, markers) {
    var ctx = u.ctx, b = u.bbox;
    ctx.save();
    markers.forEach(function (m) {
      if (m.kind === 'outage') return;
      var x = Math.round(u.valToPos(m.fromS, 'x', true)) + 0.5;
      if (x < b.left || x > b.left + b.width) return;
      ctx.strokeStyle = m.color;
      ctx.lineWidth = (m.kind === 'abort' ? 2 : 1.5) * px(u);
      ctx.setLineDash(m.kind === 'abort' ? [] : [5 * px(u), 3 * px(u)]);
      ctx.beginPath();
      ctx.moveTo(x, b.top);
      ctx.lineTo(x, b.top + b.height);
      ctx.stroke();
    });
    ctx.restore();
  }

  function options(spec, width) {
    var pct = spec.kind === 'percentile';
    var series = [{
      label: pct ? 'percentile' : 'second',
      value: function (u, v, si, idx) { return idx == null ? 'whole run' : v == null ? '\u2014' : pct ? pctLabel(v) : secondsLabel(v); },
    }];
    spec.series.forEach(function (s) {
      series.push({
        label: s.label,
        stroke: s.color,
        width: 1.75,
        dash: s.dash || undefined,
        spanGaps: spec.spanGaps,
        points: { size: 4 },
        // The whole run's figure until the cursor is on the chart (never a bare label); then the value at the cursor,
        // "—" where this series has no data.
        value: function (u, v, si, idx) { return idx == null ? s.legend || '' : withUnit(spec.unit, v); },
      });
    });
    var yMax = 0;
    spec.series.forEach(function (s) { s.values.forEach(function (v) { if (v != null && v > yMax) yMax = v; }); });
    var xMax = spec.x.length ? spec.x[spec.x.length - 1] : 1;
    return {
      width: width,
      height: 300,
      series: series,
      legend: { live: true },
      cursor: { points: { size: 6 } },
      scales: {
        x: pct
          ? {
              time: false, distr: 3, log: 10,
              range: function () { return [1, Math.pow(10, Math.max(1, Math.ceil(Math.log10(xMax) - 1e-9)))]; },
            }
          : { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } },
        y: { range: function () { return uPlot.rangeNum(0, yMax > 0 ? yMax : 1, 0.1, true); } },
      },
      axes: [
        {
          label: spec.xLabel,
          splits: pct
            ? function (u) { return PCT_TICKS.filter(function (t) { return t >= u.scales.x.min && t <= u.scales.x.max; }); }
            : undefined,
          // A log axis hides the labels of splits it finds un-round; every percentile tick is labelled.
          filter: pct ? function (u, splits) { return splits; } : undefined,
          incrs: pct ? undefined : [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400],
          values: pct
            ? function (u, splits) { return splits.map(pctLabel); }
            : function (u, splits, ai, space, incr) { return ticks(splits, incr); },
        },
        {
          label: spec.yLabel,
          size: 64,
          incrs: spec.unit === 'ms' ? undefined : COUNT_INCRS,
          values: function (u, splits, ai, space, incr) { return ticks(splits, incr); },
        },
      ],
      hooks: {
        drawAxes: [function (u) { drawBands(u, spec.markers); }],
        draw: [function (u) { drawLines(u, spec.markers); }],
      },
    };
  }

  var plots = [];
  data.charts.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    try {
      if (!el) throw new Error('no element for chart ' + spec.id);
      var aligned = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
      var u = new uPlot(options(spec, Math.max(320, el.clientWidth)), aligned, el);
      plots.push({ u: u, el: el });
      registry.push({
        id: spec.id,
        title: spec.title,
        kind: spec.kind,
        xPoints: u.data[0].length,
        markers: spec.markers.length,
        series: u.series.slice(1).map(function (s, i) {
          return { label: s.label, points: u.data[i + 1].filter(function (v) { return v != null; }).length };
        }),
      });
    } catch (err) {
      console.error('chart ' + spec.id + ' failed: ' + (err && err.message));
      if (el) el.textContent = 'This chart could not be drawn: ' + (err && err.message);
    }
  });
  window.__chartsDone = true;

  var pending = 0;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      plots.forEach(function (p) { p.u.setSize({ width: Math.max(320, p.el.clientWidth), height: 300 }); });
    }, 100);
  });
})();
`;
