// The script inside a report page: draws its charts with uPlot from the report's data embedded in
// the page. Plain browser JavaScript, kept as text. Charts are exposed on window.shiplineCharts.
export const pageScript = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var palette = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#0891b2'];
  var colour = {};
  data.versions.forEach(function (v, i) { colour[v] = palette[i % palette.length]; });
  var marks = data.timeline.map(function (p) { return { at: p.at, label: p.label }; });
  var charts = {};
  window.shiplineCharts = charts;

  function width(el) { return Math.max(280, el.clientWidth); }

  // A dashed line at each step, labelled with it: the pause and the gates' checks run until the next.
  function stepMarks(u) {
    var ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = '#64748b';
    ctx.fillStyle = '#334155';
    ctx.setLineDash([4, 4]);
    ctx.font = (11 * devicePixelRatio) + 'px system-ui, sans-serif';
    marks.forEach(function (m, i) {
      var x = u.valToPos(m.at, 'x', true);
      if (x < u.bbox.left - 1 || x > u.bbox.left + u.bbox.width + 1) return;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillText(String(i + 1), x + 3 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
    });
    ctx.restore();
  }

  function chart(name, el, opts, rows) {
    opts.width = width(el);
    opts.height = 220;
    opts.tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); };
    opts.hooks = { draw: [stepMarks] };
    opts.legend = { live: true };
    charts[name] = new uPlot(opts, rows, el);
  }

  var weightsEl = document.getElementById('chart-weights');
  if (weightsEl && data.timeline.length > 0) {
    var end = Math.max(Date.parse(data.release.updatedAt) / 1000, data.timeline[data.timeline.length - 1].at + 1);
    var xs = data.timeline.map(function (p) { return p.at; }).concat([end]);
    var rows = [xs];
    var series = [{ label: 'time (UTC)' }];
    data.versions.forEach(function (v) {
      var ys = data.timeline.map(function (p) { return p.weights[v]; });
      ys.push(ys[ys.length - 1]);
      rows.push(ys);
      series.push({ label: v, stroke: colour[v], width: 2, paths: uPlot.paths.stepped({ align: 1 }), value: function (u, val) { return val == null ? '-' : val + '%'; } });
    });
    // The same time axis as the traffic charts below: from before the first step to the end.
    var from = Math.min(Date.parse(data.interval.from) / 1000, xs[0]);
    chart('weights', weightsEl, { series: series, scales: { x: { time: true, range: [from, end] }, y: { range: [0, 100] } }, axes: [{}, { values: function (u, ticks) { return ticks.map(function (t) { return t + '%'; }); } }] }, rows);
  }

  var m = data.metrics;
  if (m) {
    [['requestRate', 'req/s', null], ['successRate', '%', [null, 100]], ['p99', 's', null]].forEach(function (spec) {
      var el = document.getElementById('chart-' + spec[0]);
      if (!el) return;
      var rows = [m.times];
      var series = [{ label: 'time (UTC)' }];
      m.versions.forEach(function (v) {
        rows.push(v[spec[0]]);
        series.push({ label: v.subset, stroke: colour[v.subset] || '#475569', width: 2, spanGaps: false, value: function (u, val) { return val == null ? '-' : (+val.toPrecision(4)) + ' ' + spec[1]; } });
      });
      var scales = spec[2] ? { y: { range: function (u, min) { return [Math.min(min == null ? 90 : min, 90), 100]; } } } : {};
      chart(spec[0], el, { series: series, scales: scales }, rows);
    });
  }

  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (name) {
      var u = charts[name];
      u.setSize({ width: width(u.root.parentNode), height: 220 });
    });
  });
})();
`;
