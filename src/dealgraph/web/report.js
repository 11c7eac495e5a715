/* dealgraph report and explorer page.
 *
 * Reads the payload from the JSON script block (or, in the explorer, from the
 * local API) and draws every view. Ledger text is untrusted: it only ever
 * reaches the page through textContent, attribute values set as properties,
 * and ECharts canvas text (tooltips in richText mode, never HTML).
 */
(function () {
  'use strict';

  var D = JSON.parse(document.getElementById('dealgraph-data').textContent);
  var state = { loop: null, focus: null, dateIndex: null, undated: true, run: 0, disabled: {}, articleOnly: false };
  var charts = {};

  function $(id) { return document.getElementById(id); }
  function T(key) { return D.text[key] || key; }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function link(url, text) {
    if (!url || !/^https?:\/\//i.test(url)) return el('span', text);
    var a = el('a', text);
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  function row(cells, header) {
    var tr = el('tr');
    cells.forEach(function (c) {
      var td = el(header ? 'th' : 'td');
      if (c instanceof Node) td.appendChild(c); else td.textContent = c === null || c === undefined ? '' : String(c);
      if (typeof c === 'number') td.className = 'num';
      tr.appendChild(td);
    });
    return tr;
  }
  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: 'canvas' });
    return charts[id];
  }
  function toolbox(name) {
    return { right: 8, feature: { saveAsImage: { title: T('png'), name: 'dealgraph-' + name, pixelRatio: 2 } } };
  }
  var tooltip = { renderMode: 'richText', confine: true };
  var longNames = { width: 200, overflow: 'break', interval: 0 };  // a long entity name wraps inside the chart, never cut at the left
  function nodeName(i) { return D.nodes[i].name; }

  // ---- filters -----------------------------------------------------------
  var dates = [];
  function currentDate() { return state.dateIndex === null || state.dateIndex >= dates.length ? null : dates[state.dateIndex]; }
  function dateOk(e) {
    var d = currentDate();
    if (d === null) return true;
    if (!e.date) return state.undated;
    return e.date <= d;
  }
  function edgeShown(e) { return e.on && !state.disabled[e.id] && dateOk(e) && (!state.articleOnly || e.in_story); }
  function loopEdgeIds(i) {
    var ids = {};
    D.loops[i].hops.forEach(function (h) { h.deals.forEach(function (d) { ids[d] = true; }); });
    return ids;
  }

  // ---- network -----------------------------------------------------------
  function drawNetwork() {
    var maxAmount = 0, maxVolume = 0;
    D.edges.forEach(function (e) { if (e.amount) maxAmount = Math.max(maxAmount, e.amount); });
    D.nodes.forEach(function (n) { maxVolume = Math.max(maxVolume, n.volume); });
    var inLoop = state.loop === null ? null : loopEdgeIds(state.loop);
    var loopNodes = {};
    if (state.loop !== null) D.loops[state.loop].nodes.forEach(function (n) { loopNodes[n] = true; });
    var near = null;
    if (state.focus !== null) {
      near = {};
      near[state.focus] = true;
      D.edges.forEach(function (e) {
        if (!edgeShown(e)) return;
        if (e.source === state.focus) near[e.target] = true;
        if (e.target === state.focus) near[e.source] = true;
      });
    }
    var kindColor = {};
    D.kinds.forEach(function (k) { kindColor[k.kind] = k.color; });
    var nodes = D.nodes.map(function (n) {
      var dim = (state.loop !== null && !loopNodes[n.index]) || (near && !near[n.index]) || (state.articleOnly && !n.in_story);
      return {
        id: String(n.index), name: n.name, x: n.x, y: n.y, value: n.volume,
        symbolSize: 14 + 46 * Math.sqrt(maxVolume > 0 ? n.volume / maxVolume : 0),
        itemStyle: { color: n.in_story ? '#e74c3c' : '#4a7fb5', borderColor: n.in_story ? '#7b241c' : '#24476b',
                     borderWidth: n.in_story ? 3 : 1, opacity: dim ? 0.15 : 1 },
        label: { show: true, position: 'right', formatter: n.name, opacity: dim ? 0.3 : 1 },
        tip: n.name + '\n' + n.volume_text
      };
    });
    var pairCount = {};
    var links = [];
    D.edges.forEach(function (e) {
      if (!edgeShown(e)) return;
      var key = Math.min(e.source, e.target) + '-' + Math.max(e.source, e.target) + '-' + (e.source < e.target ? 'f' : 'b');
      var k = pairCount[key] = (pairCount[key] || 0) + 1;
      var hot = inLoop ? !!inLoop[e.id] : true;
      if (near && !(near[e.source] && near[e.target] && (e.source === state.focus || e.target === state.focus))) hot = false;
      var width = e.amount ? 1 + 7 * Math.sqrt(e.amount / maxAmount) : 1.5;
      links.push({
        source: String(e.source), target: String(e.target), dealId: e.id, highlighted: inLoop ? !!inLoop[e.id] : false,
        lineStyle: { color: kindColor[e.kind] || '#666', type: e.firm ? 'solid' : 'dashed',
                     width: inLoop && hot ? width + 2 : width, opacity: hot ? 0.95 : 0.07, curveness: 0.12 + 0.12 * (k - 1) },
        label: { show: e.amount === null, formatter: '?', fontSize: 14, fontWeight: 'bold', color: '#b03a2e' },
        tip: nodeName(e.source) + ' → ' + nodeName(e.target) + '\n' + e.kind + ' · ' + e.status + (e.in_story ? ' · ' + T('in_article') : '') +
             '\n' + e.amount_text + (e.gw ? ' · ' + e.gw + ' GW' : '') + '\n' + (e.date || T('undated')) + ' · ' + e.id
      });
    });
    chart('network').setOption({
      animation: false,
      tooltip: Object.assign({ formatter: function (p) { return p.data.tip; } }, tooltip),
      toolbox: toolbox('network'),
      series: [{
        type: 'graph', layout: 'none', roam: true, data: nodes, links: links, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 9,
        emphasis: { disabled: true }, edgeLabel: { show: true }, labelLayout: { hideOverlap: true }
      }]
    }, { notMerge: true });
  }

  function drawLoopList() {
    var list = clear($('loop-list'));
    if (!D.loops.length) list.appendChild(el('li', T('no_loops')));
    D.loops.forEach(function (lp, i) {
      var li = el('li');
      var b = el('button', lp.label + ' — ' + lp.throughput_text);
      b.type = 'button';
      b.dataset.loop = String(i);
      if (state.loop === i) b.className = 'selected';
      b.addEventListener('click', function () { selectLoop(state.loop === i ? null : i); });
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  function selectLoop(i) {
    state.loop = i;
    state.focus = null;
    drawLoopList();
    drawNetwork();
    drawLoopFlow();
  }

  function drawLoopFlow() {
    var i = state.loop === null ? 0 : state.loop;
    var lp = D.loops[i];
    var title = $('loop-title');
    if (!lp) { title.textContent = T('no_loops'); chart('loopflow').clear(); return; }
    title.textContent = lp.label + ' · ' + T('throughput') + ' ' + lp.throughput_text + ' · ' + T('could_be') + ' ' + lp.range_text +
      ' · ' + T('firm') + ' ' + lp.firm_text;
    var steps = lp.nodes.concat([lp.nodes[0]]);
    var data = steps.map(function (n, k) {
      return { id: 's' + k, name: nodeName(n), x: k * 160, y: 0, symbolSize: 30, itemStyle: { color: D.nodes[n].in_story ? '#e74c3c' : '#4a7fb5' },
               label: { show: true, position: 'bottom', formatter: nodeName(n) }, tip: nodeName(n) };
    });
    var links = lp.hops.map(function (h, k) {
      return { source: 's' + k, target: 's' + (k + 1), tip: nodeName(h.source) + ' → ' + nodeName(h.target) + '\n' + h.amount_text + '\n' + h.deals.join(', '),
               lineStyle: { width: 3, type: h.unknown ? 'dashed' : 'solid', color: '#555' },
               label: { show: true, formatter: h.amount_text + (h.unknown ? ' + ?' : ''), fontSize: 12 } };
    });
    chart('loopflow').setOption({
      animation: false,
      tooltip: Object.assign({ formatter: function (p) { return p.data.tip; } }, tooltip),
      toolbox: toolbox('loop'),
      series: [{ type: 'graph', layout: 'none', data: data, links: links, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 10,
                 edgeLabel: { show: true }, left: 60, right: 60, emphasis: { disabled: true } }]
    }, { notMerge: true });
  }

  function showDeal(e) {
    var box = clear($('detail'));
    var t = el('table');
    t.appendChild(row([T('id'), T('parties'), T('kind'), T('status'), T('amount'), T('date'), T('note')], true));
    t.appendChild(row([e.id, nodeName(e.source) + ' → ' + nodeName(e.target), e.kind, e.status, e.amount_text, e.date || '',
                       e.note || '']));
    var tr = el('tr');
    var td = el('td');
    td.colSpan = 7;
    td.appendChild(link(e.url, e.evidence || ''));
    tr.appendChild(td);
    t.appendChild(tr);
    box.appendChild(t);
  }

  // ---- the story by year ---------------------------------------------------
  function drawChapters() {
    var list = clear($('chapters'));
    D.chapters.forEach(function (c) {
      var li = el('li');
      li.appendChild(el('p', T('chapter').replace('{year}', c.year).replace('{new}', c.new_deals).replace('{s}', c.new_deals === 1 ? '' : 's')
        .replace('{money}', c.new_money_text).replace('{deals}', c.deals).replace('{stated}', c.stated_text)
        .replace('{circular}', c.circular_text).replace('{share}', c.share_text)));
      if (c.loops_closed.length) li.appendChild(el('p', T('closed') + ': ' + c.loops_closed.join(' · ')));
      if (c.replaced.length) li.appendChild(el('p', T('replaced') + ': ' + c.replaced.join(' · ')));
      var b = el('button', T('show_year') + ' ' + c.year);
      b.dataset.year = String(c.year);
      b.addEventListener('click', function () {  // the slider at the last dated deal of that year: the network as it stood
        var i = -1;
        dates.forEach(function (d, k) { if (d <= c.end) i = k; });
        state.dateIndex = i < 0 ? 0 : i;
        $('date-slider').value = String(state.dateIndex);
        drawTimeline(); drawNetwork();
        $('network').scrollIntoView();
      });
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  // ---- timeline ----------------------------------------------------------
  function loopsAt() {
    return D.loops.filter(function (lp) {
      return lp.hops.every(function (h) {
        return D.edges.some(function (e) { return h.deals.indexOf(e.id) >= 0 && edgeShown(e); });
      });
    });
  }

  function drawTimeline() {
    var slider = $('date-slider');
    slider.max = String(dates.length);
    if (state.dateIndex === null) slider.value = String(dates.length);
    var d = currentDate();
    $('date-label').textContent = d === null ? '—' : d;
    var kinds = D.kinds.map(function (k) { return k.kind; });
    var kindColor = {};
    D.kinds.forEach(function (k) { kindColor[k.kind] = k.color; });
    var points = D.edges.filter(function (e) { return e.date && e.on && !state.disabled[e.id]; }).map(function (e) {
      return { value: [e.date, e.kind], symbolSize: e.amount ? 8 + 30 * Math.sqrt(e.amount / 1.4e12) : 8,
               itemStyle: { color: kindColor[e.kind], opacity: dateOk(e) ? 0.9 : 0.2, borderColor: e.in_story ? '#7b241c' : undefined,
                            borderWidth: e.in_story ? 2 : 0 },
               tip: e.date + '\n' + nodeName(e.source) + ' → ' + nodeName(e.target) + '\n' + e.amount_text + ' · ' + e.id };
    });
    chart('timeline').setOption({
      animation: false,
      tooltip: Object.assign({ formatter: function (p) { return p.data.tip; } }, tooltip),
      toolbox: toolbox('timeline'),
      grid: { left: 110, right: 30, top: 30, bottom: 30 },
      xAxis: { type: 'time' }, yAxis: { type: 'category', data: kinds },
      series: [{ type: 'scatter', data: points,
                 markLine: d === null ? undefined : { symbol: 'none', silent: true, data: [{ xAxis: d }], lineStyle: { color: '#c0392b' } } }]
    }, { notMerge: true });
    $('loops-at-title').textContent = d === null ? T('loops_all') : T('loops_at') + ' ' + d;
    var ul = clear($('loops-at'));
    var at = loopsAt();
    if (!at.length) ul.appendChild(el('li', T('no_loops')));
    at.forEach(function (lp) { ul.appendChild(el('li', lp.label + ' — ' + lp.throughput_text)); });
  }

  function drawPerYear() {
    var years = D.per_year;
    chart('per-year').setOption({
      animation: false,
      tooltip: Object.assign({ trigger: 'axis', formatter: function (ps) {
        var y = years[ps[0].dataIndex];
        return y.year + '\n' + T('stated_money') + ': ' + y.stated_text + '\n' + T('circular_money') + ': ' + y.circular_text +
               ' (' + y.share_text + ')';
      } }, tooltip),
      toolbox: toolbox('per-year'),
      legend: { data: [T('stated_money'), T('circular_money')], top: 0, left: 0 },
      grid: { left: 60, right: 30, top: 30, bottom: 30 },
      xAxis: { type: 'category', data: years.map(function (y) { return String(y.year); }) },
      yAxis: { type: 'value', axisLabel: { show: false } },  // money is written one way: the figures' own text, on the bars
      series: [{ name: T('stated_money'), type: 'bar', itemStyle: { color: '#7f8c8d' },
                 data: years.map(function (y) { return { value: y.stated, label: { show: y.stated > 0, position: 'top', formatter: y.stated_text } }; }) },
               { name: T('circular_money'), type: 'bar', itemStyle: { color: '#c0392b' },
                 data: years.map(function (y) { return { value: y.circular, label: { show: y.circular > 0, position: 'top', formatter: y.circular_text } }; }) }]
    }, { notMerge: true });
  }

  // ---- dependency --------------------------------------------------------
  function trace(a, b, target) {
    var box = clear($(target || 'trace'));
    var ids = (D.pair_deals[a + '|' + b] || []).concat(D.pair_deals[b + '|' + a] || []);
    box.appendChild(el('h3', T('trace') + ' ' + D.names[a] + ' ↔ ' + D.names[b]));
    box.appendChild(dealTable(D.edges.filter(function (e) { return ids.indexOf(e.id) >= 0; }), false));
  }

  function drawDependency() {
    var conc = D.dependency.concentration.filter(function (c) {
      return c.direction === 'revenue' && c.kind === 'all' && c.top_share !== null && c.counterparties > 0;
    }).sort(function (x, y) { return y.top_share - x.top_share; });
    chart('dependency-chart').setOption({
      animation: false,
      tooltip: Object.assign({ formatter: function (p) { return p.data.tip; } }, tooltip),
      toolbox: toolbox('dependency'),
      grid: { left: 10, right: 60, top: 30, bottom: 30, containLabel: true },
      xAxis: { type: 'value', max: 1, axisLabel: { formatter: function (v) { return Math.round(100 * v) + '%'; } } },
      yAxis: { type: 'category', inverse: true, data: conc.map(function (c) { return D.names[c.entity]; }), axisLabel: longNames },
      series: [{ type: 'bar', data: conc.map(function (c) {
        return { value: c.top_share, entity: c.entity, counterparty: c.top_counterparty, itemStyle: { color: c.level === 'highly concentrated' ? '#c0392b' : '#4a7fb5' },
                 label: { show: true, position: 'right', formatter: c.top_share_text },
                 tip: D.names[c.entity] + ': ' + c.top_share_text + ' ← ' + D.names[c.top_counterparty] + '\nHHI ' + Math.round(c.hhi) + ' · ' + c.level };
      }) }]
    }, { notMerge: true });
    var t = clear($('exposures'));
    t.appendChild(row([T('entity'), T('counterparty'), T('exposure'), T('buffer'), T('ratio')], true));
    D.dependency.exposures.filter(function (x) { return x.counterparty; }).forEach(function (x) {
      var tr = row([D.names[x.entity], D.names[x.counterparty], x.exposure_text, (x.buffer_assumed ? T('assumed') + ' ' : '') + x.buffer_text,
                    x.ratio_text]);
      tr.className = 'clickable';
      tr.addEventListener('click', function () { trace(x.entity, x.counterparty); });
      t.appendChild(tr);
    });
    var s = clear($('single-points'));
    s.appendChild(row([T('entity'), T('pays_share')], true));
    D.dependency.single_points_of_failure.forEach(function (x) { s.appendChild(row([D.names[x.entity], x.share_text])); });
  }

  // ---- stress ------------------------------------------------------------
  function drawStress() {
    var sel = clear($('stress-run'));
    D.stress.forEach(function (r, i) {
      var o = el('option', T('fail') + ': ' + D.names[r.failed] + ' (' + T('pay') + ' ' + r.pay_text + ')');
      o.value = String(i);
      sel.appendChild(o);
    });
    if (state.run >= D.stress.length) state.run = 0;
    sel.value = String(state.run);
    var run = D.stress[state.run];
    var summary = $('stress-summary');
    var table = clear($('stress-table'));
    if (!run) { summary.textContent = '—'; chart('stress-chart').clear(); return; }
    var sys = run.system[0];
    summary.textContent = run.scenario + ' · ' + T('system_loss') + ' ' + sys.total_loss_text + ' · ' +
      T('defaults') + ' ' + sys.defaults + ' · ' + T('amplification') + ' ' + sys.amplification_text;
    var hit = run.entities.filter(function (e) { return e.loss > 0; }).sort(function (a, b) { return b.loss - a.loss; });
    chart('stress-chart').setOption({
      animation: false,
      tooltip: Object.assign({ formatter: function (p) { return p.data.tip; } }, tooltip),
      toolbox: toolbox('stress'),
      grid: { left: 10, right: 60, top: 30, bottom: 30, containLabel: true },
      xAxis: { type: 'value', axisLabel: { show: false } },
      yAxis: { type: 'category', inverse: true, data: hit.map(function (e) { return e.name; }), axisLabel: longNames },
      series: [{ type: 'bar', data: hit.map(function (e) {
        return { value: e.loss, itemStyle: { color: e.defaulted ? '#c0392b' : '#e59866' }, label: { show: true, position: 'right', formatter: e.loss_text },
                 tip: e.name + ': ' + e.loss_text + (e.defaulted ? ' · ' + T('defaulted') : '') };
      }) }]
    }, { notMerge: true });
    table.appendChild(row([T('entity'), T('loss'), T('buffer'), T('defaulted'), T('wave')], true));
    hit.forEach(function (e) {
      var tr = row([e.name, e.loss_text, (e.buffer_assumed ? T('assumed') + ' ' : '') + e.buffer_text,
                    e.defaulted === null ? T('not_assessed') : e.defaulted ? T('yes') : T('no'), e.wave >= 0 ? e.wave : '']);
      tr.className = 'clickable';  // the deals between the failing entity and this one
      tr.addEventListener('click', function () { trace(run.failed, e.entity, 'stress-trace'); });
      table.appendChild(tr);
    });
  }

  // ---- deals and notes ---------------------------------------------------
  function dealTable(edges, toggles) {
    var t = el('table');
    t.appendChild(row((toggles ? [T('on')] : []).concat([T('id'), T('parties'), T('kind'), T('status'), T('amount'), T('date'), T('source')]), true));
    edges.forEach(function (e) {
      var cells = [];
      if (toggles) {
        var box = el('input');
        box.type = 'checkbox';
        box.checked = !state.disabled[e.id];
        box.dataset.deal = e.id;
        box.addEventListener('change', function () {
          if (box.checked) delete state.disabled[e.id]; else state.disabled[e.id] = true;
          if (D.meta.mode === 'explorer') recompute(); else { drawNetwork(); drawTimeline(); }
        });
        cells.push(box);
      }
      var who = el('span', nodeName(e.source) + ' → ' + nodeName(e.target) + ' ');
      if (e.in_story) who.appendChild(el('span', T('in_article'), 'badge'));
      cells.push(e.id, who, e.kind, e.status, e.amount_text, e.date || '', link(e.url, e.url ? (e.url.split('/')[2] || e.url) : (e.evidence || '')));
      t.appendChild(row(cells));
    });
    return t;
  }

  function drawDeals() {
    var host = $('deals');
    var t = dealTable(D.edges, true);
    host.parentNode.replaceChild(t, host);
    t.id = 'deals';
  }

  function drawText() {
    document.querySelectorAll('[data-t]').forEach(function (n) { n.textContent = T(n.dataset.t); });
    $('title').textContent = T('title') + (D.meta.mode === 'explorer' ? ' · ' + T('explorer') : '');
    $('subtitle').textContent = D.meta.origin + ' · ' + D.meta.rows + ' ' + T('deals') + ' · ' + D.meta.entities + ' ' + T('entities') +
      ' · ' + T('basis') + ': ' + (D.meta.basis === 'firm' ? T('firm_basis') : T('headline'));
    var nav = clear($('nav'));
    ['findings', 'network', 'loops', 'timeline', 'dependency', 'stress', 'deals', 'notes'].forEach(function (k) {
      var a = el('a', T(k));
      a.href = '#' + k + '-view';
      nav.appendChild(a);
    });
    var f = clear($('findings'));
    D.findings.forEach(function (s) { f.appendChild(el('li', s)); });
    var c = clear($('circularity'));
    c.appendChild(row([T('entity'), T('pays_out'), T('circular'), T('share'), T('could_be'), T('comes_back')], true));
    D.circularity.forEach(function (e) {
      c.appendChild(row([e.name, e.outflow_text, e.circular_text, e.share_text, e.upper_text, e.back_text]));
    });
    $('article-toggle').hidden = !D.meta.story;
    var n = clear($('notes'));
    D.notes.forEach(function (s) { n.appendChild(el('li', s)); });
    $('core-note').textContent = D.meta.core_note || '';
    var legend = clear($('legend'));
    D.kinds.forEach(function (k) {
      if (!D.edges.some(function (e) { return e.kind === k.kind; })) return;
      var sw = el('span', null, 'swatch');
      sw.style.background = k.color;
      legend.appendChild(sw);
      legend.appendChild(el('span', k.kind));
    });
    legend.appendChild(el('span', ' · ' + T('legend_solid')));
    if (D.meta.story) {
      var dot = el('span', ' ●');
      dot.style.color = '#e74c3c';
      legend.appendChild(dot);
      legend.appendChild(el('span', ' ' + T('story')));
    }
    var list = clear($('entity-names'));
    D.nodes.forEach(function (nd) { list.appendChild(el('option', null)).value = nd.name; });
    $('search').placeholder = T('search');
    $('footer').textContent = 'dealgraph ' + D.meta.version + ' · ECharts ' + D.meta.echarts + ' (Apache-2.0) · layout seed ' + D.meta.seed;
  }

  function renderAll() {
    dates = Array.from(new Set(D.edges.filter(function (e) { return e.date; }).map(function (e) { return e.date; }))).sort();
    if (state.loop !== null && state.loop >= D.loops.length) state.loop = null;
    drawText();
    drawLoopList();
    drawNetwork();
    drawLoopFlow();
    drawChapters();
    drawTimeline();
    drawPerYear();
    drawDependency();
    drawStress();
    drawDeals();
  }

  // ---- explorer ----------------------------------------------------------
  function setStatus(text) { $('status').textContent = text; }

  function whatIf() {
    var gw = $('usd-per-gw').value;
    return { lang: D.meta.lang, basis: $('basis').value, usd_per_gw: gw === '' ? null : Number(gw),
             disabled: Object.keys(state.disabled), fail: $('fail-entity').value || null, pay: Number($('pay-ratio').value || 0) };
  }

  function recompute() {
    setStatus('…');
    return fetch('api/report', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(whatIf()) })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { setStatus(res.body.detail ? String(res.body.detail) : 'error'); return; }
        D = res.body;
        state.run = 0;
        renderAll();
        setStatus('');
      })
      .catch(function (err) { setStatus(String(err)); });
  }

  function showProblems(problems) {
    var box = clear($('problems'));
    if (!problems || !problems.length) return;
    box.appendChild(el('h3', T('problems')));
    var t = el('table');
    t.appendChild(row([T('row'), T('column'), T('value'), T('message')], true));
    problems.forEach(function (p) { t.appendChild(row([p.row === null ? '' : p.row, p.column || '', p.value || '', p.message])); });
    box.appendChild(t);
  }

  function upload(file) {
    setStatus('…');
    file.arrayBuffer().then(function (buf) {
      // not a form's content type: the server refuses those, so no other site's page can upload
      return fetch('api/ledger?name=' + encodeURIComponent(file.name),
                   { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: buf });
    }).then(function (r) { return r.json(); }).then(function (body) {
      showProblems(body.problems);
      if (body.valid) { state.disabled = {}; setupExplorer(); return recompute(); }
      setStatus(body.detail ? String(body.detail) : '');
    }).catch(function (err) { setStatus(String(err)); });
  }

  function setupExplorer() {
    $('explorer-view').hidden = false;
    var basis = clear($('basis'));
    [['headline', T('headline')], ['firm', T('firm_basis')]].forEach(function (b) {
      var o = el('option', b[1]);
      o.value = b[0];
      basis.appendChild(o);
    });
    basis.value = D.meta.basis;
    var fail = clear($('fail-entity'));
    var none = el('option', '— ' + T('none'));
    none.value = '';
    fail.appendChild(none);
    Object.keys(D.names).forEach(function (e) {
      var o = el('option', D.names[e]);
      o.value = e;
      fail.appendChild(o);
    });
  }

  // ---- reading an article (explorer) --------------------------------------
  var proposals = [];  // the rows the last article proposed, as the person edits them

  function articleStatus(text) { $('article-status').textContent = text; }

  function choice(values, value, onChange) {
    var s = el('select');
    values.forEach(function (v) { var o = el('option', v); o.value = v; s.appendChild(o); });
    s.value = value;
    s.addEventListener('change', function () { onChange(this.value); });
    return s;
  }

  function field(value, type, onChange) {
    var i = el('input');
    i.type = type;
    if (type === 'number') { i.min = '0'; i.step = 'any'; }
    i.value = value === null || value === undefined ? '' : String(value);
    i.addEventListener('change', function () { onChange(this.value); });
    return i;
  }

  function drawProposals(result) {
    var t = clear($('proposals'));
    var skipped = clear($('skipped'));
    $('add-rows').disabled = !proposals.length;
    if (!proposals.length) { articleStatus(T('no_proposals')); }
    else {
      t.appendChild(row([T('accept'), T('source'), T('target'), T('amount'), T('cap'), T('status'), T('kind'), T('gw'), T('date'),
                         T('confidence'), T('evidence')], true));
      proposals.forEach(function (p, i) {
        var box = el('input');
        box.type = 'checkbox';
        box.checked = p.accept;
        box.dataset.proposal = String(i);
        box.addEventListener('change', function () { p.accept = this.checked; });
        var number = function (key) { return function (v) { p[key] = v === '' ? null : Number(v); }; };
        var text = function (key) { return function (v) { p[key] = v; }; };
        var evidence = el('span', p.evidence);
        evidence.title = p.why;  // a property: the text stays text
        var tr = row([box, field(p.source, 'text', text('source')), field(p.target, 'text', text('target')),
                      field(p.amount, 'number', number('amount')), choice(D.caps, p.cap, text('cap')),
                      choice(D.statuses, p.status, text('status')), choice(D.kinds.map(function (k) { return k.kind; }), p.kind, text('kind')),
                      field(p.gw, 'number', number('gw')), field(p.date, 'text', text('date')), p.confidence.toFixed(2), evidence]);
        tr.dataset.proposal = String(i);
        t.appendChild(tr);
      });
      articleStatus('');
    }
    if (result && result.skipped.length) {
      skipped.appendChild(el('h3', T('not_flows')));
      var list = el('ul');
      result.skipped.forEach(function (s) { list.appendChild(el('li', s.text + ': ' + s.why)); });
      skipped.appendChild(list);
    }
  }

  function readArticle() {
    articleStatus('…');
    var day = $('article-date').value;
    return fetch('api/extract', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                  body: JSON.stringify({ text: $('article-text').value, date: day === '' ? null : day }) })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { articleStatus(res.body.detail ? JSON.stringify(res.body.detail) : 'error'); return; }
        var result = res.body.result;
        proposals = result.rows.map(function (r) {
          return { accept: r.confidence >= 0.5, source: r.source, target: r.target, amount: r.amount, currency: r.currency, cap: r.cap,
                   status: r.status, kind: r.kind, gw: r.gw, date: r.date, years: r.years, evidence: r.evidence, why: r.why,
                   confidence: r.confidence };
        });
        drawProposals(result);
      })
      .catch(function (err) { articleStatus(String(err)); });
  }

  function addRows() {
    var rows = proposals.filter(function (p) { return p.accept; }).map(function (p) {
      return { source: p.source, target: p.target, amount: p.amount, currency: p.currency, cap: p.cap, status: p.status, kind: p.kind,
               gw: p.gw, date: p.date || null, years: p.years, evidence: p.evidence };
    });
    if (!rows.length) return Promise.resolve();
    articleStatus('…');
    return fetch('api/ledger/rows', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ rows: rows }) })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        showProblems(res.body.problems);
        if (!res.ok || !res.body.valid) {
          articleStatus(res.body.detail ? (typeof res.body.detail === 'string' ? res.body.detail : JSON.stringify(res.body.detail)) : 'error');
          return;
        }
        proposals = [];
        drawProposals(null);
        articleStatus(res.body.added.length + ' ' + T('added') + ': ' + res.body.added.join(', '));
        setupExplorer();
        return recompute();
      })
      .catch(function (err) { articleStatus(String(err)); });
  }

  // ---- wiring ------------------------------------------------------------
  function wire() {
    chart('dependency-chart').on('click', function (p) { trace(p.data.entity, p.data.counterparty); });
    chart('network').on('click', function (p) {
      if (p.dataType === 'node') { state.focus = state.focus === Number(p.data.id) ? null : Number(p.data.id); state.loop = null; drawLoopList(); drawNetwork(); }
      if (p.dataType === 'edge') {
        var e = D.edges.filter(function (x) { return x.id === p.data.dealId; })[0];
        if (e) showDeal(e);
      }
    });
    $('search').addEventListener('change', function () {
      var q = this.value.trim().toLowerCase();
      var hit = D.nodes.filter(function (n) { return n.name.toLowerCase() === q || n.entity.toLowerCase() === q; })[0] ||
                D.nodes.filter(function (n) { return q && n.name.toLowerCase().indexOf(q) >= 0; })[0];
      state.focus = hit ? hit.index : null;
      state.loop = null;
      drawLoopList();
      drawNetwork();
    });
    $('clear').addEventListener('click', function () { $('search').value = ''; state.focus = null; selectLoop(null); });
    $('date-slider').addEventListener('input', function () {
      var v = Number(this.value);
      state.dateIndex = v >= dates.length ? null : v;
      drawTimeline();
      drawNetwork();
    });
    $('article-only').addEventListener('change', function () { state.articleOnly = this.checked; drawNetwork(); });
    $('undated').addEventListener('change', function () { state.undated = this.checked; drawTimeline(); drawNetwork(); });
    $('stress-run').addEventListener('change', function () { state.run = Number(this.value); drawStress(); });
    if (D.meta.mode === 'explorer') {
      setupExplorer();
      $('recompute').addEventListener('click', recompute);
      $('ledger-file').addEventListener('change', function () { if (this.files.length) upload(this.files[0]); });
      $('article-view').hidden = false;
      $('read-article').addEventListener('click', readArticle);
      $('add-rows').addEventListener('click', addRows);
    }
    window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  }

  renderAll();
  wire();

  // A small read-only handle for tests and for people poking at the page.
  window.dealgraphView = {
    data: function () { return D; },
    state: state,
    selectLoop: selectLoop,
    recompute: recompute,
    proposals: function () { return proposals; },
    nodeCount: function () { return chart('network').getOption().series[0].data.length; },
    shownDeals: function () { return chart('network').getOption().series[0].links.map(function (l) { return l.dealId; }); },
    highlighted: function () {
      return chart('network').getOption().series[0].links.filter(function (l) { return l.highlighted; }).map(function (l) {
        return { source: Number(l.source), target: Number(l.target), deal: l.dealId };
      });
    }
  };
})();
