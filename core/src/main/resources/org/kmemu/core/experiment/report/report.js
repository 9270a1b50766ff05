// Draws report.html's charts from the JSON in the script element #report-data (HtmlReport, ReportData), one
// per element with a data-chart attribute, and sorts the runs table by a clicked column. When every chart
// has fired ECharts' 'finished' event, the html element's data-charts-rendered is set to their number.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var runs = data.runs;
  var root = document.documentElement;
  var rendered = 0;

  function ok(run) { return run.status === 'ok'; }
  function lastSample(run) { return run.samples && run.samples.length ? run.samples[run.samples.length - 1] : null; }
  function zoneName(z) { return 'Node ' + z.node + ', zone ' + z.zone; }
  function orders(n) { var o = []; for (var i = 0; i < n; i++) { o.push(String(i)); } return o; }

  // The largest zone: at the first sample nearly all of memory is free, so the zone with the most free
  // pages then (sum of blocks << order) is the one with the most pages.
  function largestZone(run) {
    if (!run.samples || !run.samples.length) { return null; }
    var first = run.samples[0], last = lastSample(run), best = null, bestPages = -1;
    (first.zones || []).forEach(function (z) {
      var pages = 0;
      z.freeBlocks.forEach(function (n, order) { pages += n * Math.pow(2, order); });
      if (pages > bestPages) { bestPages = pages; best = z; }
    });
    if (!best) { return null; }
    return (last.zones || []).find(function (z) { return z.node === best.node && z.zone === best.zone; }) || null;
  }

  function base(title) {
    return {
      animation: false,
      title: title ? { text: title, left: 'center', textStyle: { fontSize: 13 } } : undefined,
      tooltip: {},
      grid: { left: 80, right: 40, top: 40, bottom: 80, containLabel: true }
    };
  }

  var draw = {
    'footprint': function () {
      var o = base();
      o.tooltip = { trigger: 'axis' };
      o.legend = { type: 'scroll', bottom: 0 };
      o.xAxis = { type: 'value', name: 'events', nameLocation: 'middle', nameGap: 28 };
      o.yAxis = { type: 'value', name: 'pages in use' };
      o.dataZoom = [{ type: 'inside' }];
      o.series = [];
      runs.forEach(function (run, i) {
        if (!run.samples || !run.samples.length) { return; }
        o.series.push({ name: data.labels[i], type: 'line', showSymbol: false,
          data: run.samples.map(function (s) { return [s.events, s.footprintPages]; }) });
      });
      return o;
    },
    'internal-fragmentation': function () {
      var o = base(), names = [], values = [];
      runs.forEach(function (run, i) {
        if (!run.totals) { return; }
        names.push(data.labels[i]);
        values.push(Number((run.totals.internalFragmentation * 100).toFixed(3)));
      });
      o.xAxis = { type: 'category', data: names, axisLabel: { rotate: 30, interval: 0 } };
      o.yAxis = { type: 'value', name: 'internal fragmentation %' };
      o.series = [{ type: 'bar', data: values, name: 'internal fragmentation %' }];
      return o;
    },
    'call-site-waste': function () {
      // Per policy (mean over its ok runs) when the ok runs differ in object allocator policy, else per run.
      var okRuns = runs.filter(ok);
      var policies = [];
      okRuns.forEach(function (r) {
        var p = r.machine ? r.machine.objectAllocator : '?';
        if (policies.indexOf(p) < 0) { policies.push(p); }
      });
      var groups = [];
      if (policies.length > 1) {
        policies.forEach(function (p) {
          groups.push({ name: p, runs: okRuns.filter(function (r) { return r.machine && r.machine.objectAllocator === p; }) });
        });
      } else {
        runs.forEach(function (r, i) { if (ok(r)) { groups.push({ name: data.labels[i], runs: [r] }); } });
      }
      var sites = data.topCallSites.slice().reverse(); // the most waste at the top of a category y axis
      var o = base();
      o.tooltip = { trigger: 'axis', axisPointer: { type: 'shadow' } };
      o.legend = { type: 'scroll', bottom: 0 };
      o.grid.left = 20;
      o.xAxis = { type: 'value', name: 'bytes wasted (given \u2212 asked)', nameLocation: 'middle', nameGap: 28 };
      o.yAxis = { type: 'category', data: sites, axisLabel: { width: 260, overflow: 'truncate' } };
      o.series = groups.map(function (g) {
        return { name: g.name, type: 'bar', data: sites.map(function (site) {
          var sum = 0;
          g.runs.forEach(function (r) {
            (r.callSites || []).forEach(function (c) { if (String(c.callSite) === site) { sum += c.waste; } });
          });
          return g.runs.length ? Math.round(sum / g.runs.length) : 0;
        }) };
      });
      return o;
    },
    // One run's log2 size histograms (KmemHistograms): bucket b holds (2^(b-1), 2^b] bytes, as ftrace's .log2.
    'size-histograms': function (el) {
      var run = runs[Number(el.dataset.run)], o = base(data.labels[Number(el.dataset.run)]);
      var wanted = ['bytes_req', 'bytes_alloc', 'vmalloc_size'], hs = [], n = 1;
      ((run.kernelEvents && run.kernelEvents.histograms) || []).forEach(function (h) {
        if (wanted.indexOf(h.name) >= 0) { hs.push(h); n = Math.max(n, h.counts.length); }
      });
      var buckets = [];
      for (var b = 0; b < n; b++) { buckets.push('2^' + b); }
      o.tooltip = { trigger: 'axis' };
      o.legend = { bottom: 0 };
      o.xAxis = { type: 'category', data: buckets, name: 'bytes (log2 bucket)', nameLocation: 'middle', nameGap: 28 };
      o.yAxis = { type: 'value', name: 'hits' };
      o.series = hs.map(function (h) {
        var d = [];
        for (var i = 0; i < n; i++) { d.push(i < h.counts.length ? h.counts[i] : 0); }
        return { name: h.name, type: 'bar', data: d };
      });
      return o;
    },
    'unusable-index': function () { return indexChart('unusableIndex', 'unusable free space index', 0); },
    'extfrag-index': function () { return indexChart('extfragIndex', 'fragmentation index', -1); },
    'buddyinfo': function (el) {
      var i = Number(el.dataset.run), run = runs[i], zones = lastSample(run).zones;
      var n = Math.max.apply(null, zones.map(function (z) { return z.freeBlocks.length; }));
      var cells = [], max = 0;
      zones.forEach(function (z, y) {
        z.freeBlocks.forEach(function (blocks, order) {
          var v = Math.log10(1 + blocks);
          max = Math.max(max, v);
          cells.push([order, y, v, blocks]);
        });
      });
      var o = base(data.labels[i] + ' (' + run.name + ')');
      o.grid = { left: 10, right: 10, top: 30, bottom: 30, containLabel: true };
      o.tooltip = { formatter: function (p) {
        return zoneName(zones[p.data[1]]) + ', order ' + p.data[0] + ': ' + p.data[3] + ' free blocks'; } };
      o.xAxis = { type: 'category', data: orders(n), name: 'order', nameLocation: 'middle', nameGap: 22, splitArea: { show: true } };
      o.yAxis = { type: 'category', data: zones.map(zoneName), splitArea: { show: true } };
      o.visualMap = { show: false, min: 0, max: max || 1, dimension: 2, inRange: { color: ['#f7fbff', '#08306b'] } };
      o.series = [{ type: 'heatmap', data: cells, label: { show: true, fontSize: 9,
        formatter: function (p) { return String(p.data[3]); } } }];
      return o;
    }
  };

  // Per order, each run's largest zone at the end; stats.json holds thousandths as debugfs's extfrag files
  // print them with three decimals (mm/vmstat.c), so -1000 is the kernel's -1.000: a block of that order is
  // free, an allocation of it would not fail. Drawn at -1, below the axis' 0..1 of real indexes.
  function indexChart(field, name, min) {
    var o = base(), n = 0;
    o.tooltip = { trigger: 'axis' };
    o.legend = { type: 'scroll', bottom: 0 };
    o.series = [];
    runs.forEach(function (run, i) {
      var z = largestZone(run);
      if (!z) { return; }
      n = Math.max(n, z[field].length);
      o.series.push({ name: data.labels[i] + ' (' + z.zone + ')', type: 'line',
        data: z[field].map(function (v) { return v / 1000; }) });
    });
    o.xAxis = { type: 'category', data: orders(n), name: 'order', nameLocation: 'middle', nameGap: 28 };
    o.yAxis = { type: 'value', name: name, min: min, max: 1 };
    return o;
  }

  var elements = document.querySelectorAll('[data-chart]');
  root.dataset.chartsFound = String(elements.length);
  Array.prototype.forEach.call(elements, function (el) {
    try {
      var option = draw[el.dataset.chart](el);
      // The option first: a chart whose data cannot be drawn is never initialised, so never counted.
      var chart = echarts.init(el, null, { renderer: 'svg' });
      var done = false;
      chart.on('finished', function () {
        if (done) { return; }
        done = true;
        rendered++;
        if (rendered === elements.length) { root.dataset.chartsRendered = String(rendered); }
      });
      chart.setOption(option);
      window.addEventListener('resize', function () { chart.resize(); });
    } catch (e) {
      window.reportError('chart ' + el.id + ': ' + (e && e.stack || e));
    }
  });

  // The table: a click on a column's header sorts by it (numbers by data-v), a second click reverses.
  var table = document.getElementById('runs');
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    th.addEventListener('click', function () {
      var desc = th.classList.contains('asc');
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.classList.remove('asc', 'desc'); });
      th.classList.add(desc ? 'desc' : 'asc');
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col];
        var c = (x && x.dataset.v !== undefined && y && y.dataset.v !== undefined)
          ? Number(x.dataset.v) - Number(y.dataset.v)
          : String(x ? x.textContent : '').localeCompare(String(y ? y.textContent : ''));
        return desc ? -c : c;
      });
      rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
    });
  });
})();
