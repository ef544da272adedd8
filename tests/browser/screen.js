// What is wrong with the text on the screen, as sentences: run on a page element
// (the page, or one demo) by harness.screen_problems.
(root => {
  const found = [];
  const name = graph => {
    const demo = graph.closest('.privlab-demo');
    const title = demo && demo.querySelector('b');
    return title ? `"${title.textContent}"` : 'a chart';
  };
  const inside = (inner, outer, slack) => inner.left >= outer.left - slack
    && inner.right <= outer.right + slack && inner.top >= outer.top - slack
    && inner.bottom <= outer.bottom + slack;
  for (const graph of root.querySelectorAll('.js-plotly-plot')) {
    if (!graph.data || !graph._fullLayout) continue;
    const where = name(graph);
    const box = graph.querySelector('.main-svg').getBoundingClientRect();
    // Table cells: drawn text wherever the data has text.
    const tables = graph.querySelectorAll('.table');
    graph.data.filter(trace => trace.type === 'table').forEach((trace, index) => {
      for (const part of ['header', 'cells']) {
        const values = (trace[part] && trace[part].values) || [];
        const wanted = values.flat().filter(v => String(v ?? '').trim()).length;
        if (!wanted) continue;
        const table = tables[index];
        if (!table) { found.push(`${where}: table ${index + 1} is not drawn`); continue; }
        const drawn = Array.from(table.querySelectorAll('.cell-text'))
          .filter(node => node.textContent.trim()).length;
        if (drawn === 0)
          found.push(`${where}: table ${index + 1} has text in its data but none drawn`);
      }
      for (const node of graph.querySelectorAll('.cell-text')) {
        const datum = node.__data__;
        if (!datum || !datum.calcdata) continue;
        const source = datum.calcdata.cells && datum.column
          ? (datum.calcdata.cells.values[datum.column.specIndex] || [])[datum.rowNumber] : null;
        const text = node.textContent.trim();
        if (source !== null && source !== undefined && String(source).trim() && !text
            && datum.rowNumber >= 0)
          found.push(`${where}: a table cell is drawn empty; its data says ${JSON.stringify(String(source).slice(0, 40))}`);
        if (text && datum.column && datum.column.columnWidth) {
          const width = node.getBBox().width;
          if (width > datum.column.columnWidth + 1)
            found.push(`${where}: table text ${JSON.stringify(text.slice(0, 40))} is wider than its column (${Math.round(width)} > ${Math.round(datum.column.columnWidth)} px)`);
        }
      }
    });
    // Table text inside its own cell: a header or a row of several lines measured
    // before the chart was on the page is drawn off its cell, over its neighbours.
    for (const cell of graph.querySelectorAll('.table .column-cell')) {
      const rect = cell.querySelector('.cell-rect');
      const text = cell.querySelector('.cell-text');
      if (!rect || !text || !text.textContent.trim()) continue;
      const outer = rect.getBoundingClientRect();
      if (!outer.height || !outer.width) continue;
      if (!inside(text.getBoundingClientRect(), outer, 2))
        found.push(`${where}: table text ${JSON.stringify(text.textContent.slice(0, 40))} spills out of its cell`);
    }
    // Titles: drawn where the layout has one, and inside the chart.
    const title = graph._fullLayout.title && graph._fullLayout.title.text;
    const drawnTitle = graph.querySelector('.gtitle');
    if (title && title.trim() && !(drawnTitle && drawnTitle.textContent.trim()))
      found.push(`${where}: its title is not drawn`);
    for (const node of graph.querySelectorAll('.gtitle, .xtitle, .ytitle, [class*="x2title"], [class*="y2title"], .legendtext, .annotation-text, .g-xtitle text, .g-ytitle text')) {
      if (!node.textContent.trim()) continue;
      if (!inside(node.getBoundingClientRect(), box, 2))
        found.push(`${where}: the text ${JSON.stringify(node.textContent.slice(0, 50))} runs outside the chart`);
    }
    // Titles, axis titles, legend entries and notes never sit on one another.
    const labels = Array.from(graph.querySelectorAll('.gtitle, .xtitle, .ytitle, [class*="x2title"], [class*="y2title"], .legendtext, .annotation-text'))
      .filter(node => node.textContent.trim()).map(node => [node, node.getBoundingClientRect()]);
    const apart = (a, b) => a.right <= b.left + 1 || b.right <= a.left + 1 || a.bottom <= b.top + 1 || b.bottom <= a.top + 1;
    labels.forEach(([node, box], i) => labels.slice(i + 1).forEach(([other, otherBox]) => {
      if (!node.contains(other) && !other.contains(node) && !apart(box, otherBox))
        found.push(`${where}: the texts ${JSON.stringify(node.textContent.slice(0, 30))} and ${JSON.stringify(other.textContent.slice(0, 30))} overlap`);
    }));
    // Tick labels: drawn on every visible axis with data, and each number where it stands.
    for (const [key, axis] of Object.entries(graph._fullLayout)) {
      if (!/^[xy]axis\d*$/.test(key) || !axis.visible || !axis.showticklabels) continue;
      if (!axis._vals || !(axis.type === 'linear' || axis.type === 'log')) continue;
      const labels = axis._vals.filter(tick => tick.text !== undefined && String(tick.text).trim() !== '');
      const anchored = graph._fullData.some(t => t.visible !== false && (t[key[0] + 'axis'] || key[0]) === key.replace('axis', ''));
      if (anchored && labels.length === 0) found.push(`${where}: ${key} has no tick labels`);
      if (axis.ticktext && axis.ticktext.length) continue;  // labels the chart wrote itself
      for (const tick of labels) {
        const text = String(tick.text).replace(/<[^>]*>/g, '').replace(/\u2212/g, '-').replace(/,/g, '').trim();
        const match = text.match(/^(-?[\d.]+)(e[+-]?\d+)?\s*([kMGTpnμµm]?)\s*%?$/);
        if (!match) continue;
        const scale = {'': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3, 'µ': 1e-6, 'μ': 1e-6, n: 1e-9, p: 1e-12}[match[3]];
        let number = parseFloat(match[1] + (match[2] || '')) * scale;
        if (text.endsWith('%') && axis.tickformat && axis.tickformat.includes('%')) number /= 100;
        const at = axis.type === 'log' ? Math.pow(10, tick.x) : tick.x;
        const tolerance = Math.max(Math.abs(at) * 0.06, axis.type === 'log' ? 0 : Math.abs(axis.dtick || 0) * 0.01, 1e-12);
        if (Math.abs(number - at) > tolerance && !(text.endsWith('%') && Math.abs(number / 100 - at) <= tolerance))
          found.push(`${where}: ${key} tick label "${tick.text}" stands at ${at.toPrecision(3)}`);
      }
    }
  }
  // Widget text: slider readouts, labels and buttons show all of their text.
  for (const node of root.querySelectorAll('.privlab-demo .widget-readout, .privlab-demo .widget-label, .privlab-demo button, .privlab-demo .widget-html-content b')) {
    if (!node.textContent.trim() || !node.checkVisibility()) continue;
    if (node.scrollWidth > node.clientWidth + 1)
      found.push(`${name(node)}: the text ${JSON.stringify(node.textContent.slice(0, 50))} is cut (${node.scrollWidth} px in ${node.clientWidth} px)`);
  }
  return [...new Set(found)];
})
