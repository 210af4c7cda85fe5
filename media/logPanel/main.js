// Log panel webview. Renders rows with textContent only (log text is never parsed as HTML).
// @ts-check
(function () {
  const vscode = acquireVsCodeApi();
  const logEl = /** @type {HTMLElement} */ (document.getElementById('log'));
  const cardEl = /** @type {HTMLElement} */ (document.getElementById('card'));
  const statusEl = /** @type {HTMLElement} */ (document.getElementById('status'));
  const filterEl = /** @type {HTMLInputElement} */ (document.getElementById('filter'));
  const followEl = /** @type {HTMLInputElement} */ (document.getElementById('follow'));
  const pauseEl = /** @type {HTMLButtonElement} */ (document.getElementById('pause'));
  const copyEl = /** @type {HTMLButtonElement} */ (document.getElementById('copy'));
  // Texts are looked up by their English, as l10n.t does: the host puts the translations on <body data-l10n>
  // (src/views/logPanel.ts, webviewStrings); without them (a test page) the English shows.
  /** @type {Record<string, string>} */
  let strings = {};
  try {
    strings = JSON.parse(document.body.getAttribute('data-l10n') || '{}') || {};
  } catch {
    strings = {};
  }
  /** @param {string} english @param {...(string|number)} args */
  function tr(english, ...args) {
    const text = typeof strings[english] === 'string' ? strings[english] : english;
    return text.replace(/\{(\d+)\}/g, (m, i) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
  }
  let maxRows = 5000;
  let paused = false;
  let missed = 0;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function frameLink(frame) {
    const a = el('a', 'link frame', tr('{0}, line {1}', frame.path, frame.line));
    a.title = tr('Open this frame in the editor');
    a.addEventListener('click', () => vscode.postMessage({ type: 'openFrame', path: frame.path, line: frame.line }));
    return a;
  }

  function row(line) {
    const r = el('div', `row sev-${line.severity}${line.signature ? ' hit' : ''}`);
    r.id = `l-${line.n}`;
    r.dataset.n = String(line.n);
    r.dataset.len = String(line.text.length);
    r.appendChild(el('span', 'n', String(line.n)));
    if (line.frame) {
      const t = line.text;
      const i = t.indexOf(line.frame.path);
      if (i >= 0) {
        r.appendChild(document.createTextNode(t.slice(0, i)));
        const a = el('a', 'link frame', line.frame.path);
        a.title = tr('Open this frame in the editor');
        a.addEventListener('click', () => vscode.postMessage({ type: 'openFrame', path: line.frame.path, line: line.frame.line }));
        r.appendChild(a);
        r.appendChild(document.createTextNode(t.slice(i + line.frame.path.length)));
      } else r.appendChild(document.createTextNode(t));
    } else r.appendChild(document.createTextNode(line.text));
    return r;
  }

  // The DOM holds at most maxRows rows and maxChars characters of log text, counting the rows inside
  // collapsed noise groups (a group is one element but may hold thousands of rows).
  let maxChars = 8 * 1024 * 1024;
  let rowCount = 0;
  let charCount = 0;

  function setSummary(group) {
    const count = Number(group.dataset.count);
    group.firstElementChild.textContent = count === 1 ? tr('1 harmless line (noise, not the cause)') : tr('{0} harmless lines (noise, not the cause)', count);
  }

  function append(lines) {
    const frag = document.createDocumentFragment();
    let last = logEl.lastElementChild;
    for (const line of lines) {
      const r = row(line);
      rowCount++;
      charCount += line.text.length;
      if (line.noise) {
        // Consecutive harmless lines collapse into one group.
        let group = last && last.tagName === 'DETAILS' ? last : null;
        if (!group) {
          group = el('details', 'noise');
          group.dataset.count = '0';
          group.dataset.chars = '0';
          group.appendChild(el('summary', undefined, ''));
          frag.appendChild(group);
        }
        group.appendChild(r);
        group.dataset.count = String(Number(group.dataset.count) + 1);
        group.dataset.chars = String(Number(group.dataset.chars) + line.text.length);
        setSummary(group);
        last = group;
      } else {
        last = r;
        frag.appendChild(r);
      }
    }
    logEl.appendChild(frag);
    trim();
    if (followEl.checked) logEl.scrollTop = logEl.scrollHeight;
  }

  /** Drops the oldest rows (a whole group at once when all of it has to go) until the limits hold. */
  function trim() {
    while ((rowCount > maxRows || charCount > maxChars) && logEl.firstElementChild) {
      const first = logEl.firstElementChild;
      if (first.tagName !== 'DETAILS') {
        removeRow(first);
        continue;
      }
      const count = Number(first.dataset.count);
      const chars = Number(first.dataset.chars);
      if (rowCount - count >= maxRows || charCount - chars >= maxChars) {
        rowCount -= count;
        charCount -= chars;
        first.remove();
        continue;
      }
      const r = first.querySelector('.row');
      if (r) {
        first.dataset.chars = String(chars - Number(r.dataset.len));
        removeRow(r);
      }
      first.dataset.count = String(count - 1);
      if (count - 1 <= 0) first.remove();
      else setSummary(first);
    }
  }

  function removeRow(r) {
    rowCount--;
    charCount -= Number(r.dataset.len);
    r.remove();
  }

  const PHASES = {
    import: tr('importing the entry script'),
    init: 'init()',
    run: tr('run(), handling a request'),
    response: tr('after run() returned (serialising its answer)'),
    server_start: tr("the inference server's own start"),
    build: tr('the image build'),
    scheduling: tr('placing the replica'),
    control_plane: tr('the Azure ML control plane'),
    request: tr('the answer to a request'),
    client: tr('the SDK or CLI on your machine'),
  };

  function confidenceText(c) {
    return c >= 0.8 ? tr('high confidence ({0})', c.toFixed(2)) : c >= 0.6 ? tr('medium confidence ({0})', c.toFixed(2)) : tr('low confidence ({0})', c.toFixed(2));
  }

  function fact(label, value) {
    const p = el('p', 'fact');
    p.appendChild(el('span', 'label', tr('{0}: ', label)));
    if (typeof value === 'string') p.appendChild(document.createTextNode(value));
    else p.appendChild(value);
    return p;
  }

  function renderCard(e) {
    const p = e.primary;
    cardEl.textContent = '';
    cardEl.className = `card ${p.category === 'no_failure' ? 'sev-none' : p.id === 'unrecognised' ? 'sev-unknown' : 'sev-failure'}`;
    const title = el('div', 'card-title', p.title);
    title.appendChild(el('span', 'badge', p.category));
    cardEl.appendChild(title);
    cardEl.appendChild(el('div', `confidence conf-${p.confidence >= 0.8 ? 'high' : p.confidence >= 0.6 ? 'medium' : 'low'}`, confidenceText(p.confidence)));
    cardEl.appendChild(el('p', 'explanation', p.explanation));
    if (p.phase) cardEl.appendChild(fact(tr('Phase'), PHASES[p.phase] || p.phase));
    if (p.exception) cardEl.appendChild(fact(tr('Exception'), p.exception.type ? `${p.exception.type}${p.exception.message ? `: ${p.exception.message}` : ''}` : p.exception.message));
    if (p.location) {
      const where = el('p', 'where', tr('Where: '));
      where.appendChild(frameLink(p.location));
      where.appendChild(document.createTextNode(p.location.function ? tr(' in {0}()', p.location.function) : ''));
      cardEl.appendChild(where);
      if (p.location.source) cardEl.appendChild(el('div', 'source', p.location.source));
    }
    if (p.entryFrame && !(p.location && p.location.path === p.entryFrame.path && p.location.line === p.entryFrame.line)) {
      const entry = el('p', 'where', tr('In the entry script: '));
      entry.appendChild(frameLink(p.entryFrame));
      cardEl.appendChild(entry);
    }
    if (p.traceback && p.traceback.truncated) cardEl.appendChild(el('p', 'also', tr('The traceback is cut off at line {0}: the exception line is not in the log.', p.traceback.endLine)));
    if (p.evidence.length) {
      cardEl.appendChild(el('div', 'label', tr('Evidence:')));
      for (const ev of p.evidence) {
        const d = el('div', 'evidence');
        const a = el('a', 'link', tr('line {0}', ev.line));
        a.addEventListener('click', () => {
          const target = document.getElementById(`l-${ev.line}`);
          if (target) {
            followEl.checked = false;
            const group = target.closest('details');
            if (group) group.open = true;
            target.scrollIntoView({ block: 'center' });
            target.classList.add('flash');
            setTimeout(() => target.classList.remove('flash'), 1500);
          }
        });
        d.appendChild(a);
        d.appendChild(document.createTextNode(`: ${ev.text}`));
        cardEl.appendChild(d);
      }
    }
    if (p.fix.length) {
      cardEl.appendChild(el('div', 'label', tr('Fix:')));
      const ol = el('ol', 'fix');
      for (const f of p.fix) ol.appendChild(el('li', undefined, f));
      cardEl.appendChild(ol);
    }
    if (p.collect && p.collect.length) {
      cardEl.appendChild(el('div', 'label', tr('Collect next:')));
      const ul = el('ul', 'collect');
      for (const c of p.collect) {
        const li = el('li', undefined, c.what);
        if (c.command) li.appendChild(el('code', 'command', c.command));
        ul.appendChild(li);
      }
      cardEl.appendChild(ul);
    }
    const docs = el('a', 'link docs', tr('Troubleshooting guide'));
    docs.addEventListener('click', () => vscode.postMessage({ type: 'openLink', url: p.docs }));
    cardEl.appendChild(docs);
    const others = e.findings.filter((f) => f.id !== p.id).slice(0, 3);
    if (others.length) cardEl.appendChild(el('p', 'also', tr('Also seen: {0}', others.map((f) => `${f.title} (${f.count})`).join('; '))));
    if (e.noise.length) cardEl.appendChild(el('p', 'also', tr('Ignored as harmless: {0}', e.noise.map((n) => `${n.title} (${n.count})`).join('; '))));
  }

  window.addEventListener('message', (event) => {
    const m = event.data;
    switch (m.type) {
      case 'reset':
        logEl.textContent = '';
        rowCount = 0;
        charCount = 0;
        if (m.limits) {
          maxRows = m.limits.rows;
          maxChars = m.limits.chars;
        }
        if (typeof m.filter === 'string' && filterEl.value !== m.filter && document.activeElement !== filterEl) filterEl.value = m.filter;
        append(m.lines);
        missed = 0;
        break;
      case 'lines':
        if (paused) missed += m.lines.length;
        else append(m.lines);
        break;
      case 'diagnosis':
        renderCard(m.explanation);
        break;
      case 'status':
        statusEl.textContent = tr('{0} · {1} lines', m.text, m.lines) + (m.dropped ? tr(' ({0} kept)', m.kept) : '') + (paused && missed ? tr(' · paused, {0} new', missed) : '');
        document.body.dataset.state = m.state;
        break;
    }
  });

  let filterTimer;
  filterEl.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => vscode.postMessage({ type: 'filter', text: filterEl.value }), 200);
  });
  pauseEl.addEventListener('click', () => {
    paused = !paused;
    pauseEl.textContent = paused ? tr('Resume') : tr('Pause');
    vscode.postMessage({ type: paused ? 'pause' : 'resume' });
  });
  copyEl.addEventListener('click', () => vscode.postMessage({ type: 'copyDiagnosis' }));
  logEl.addEventListener('wheel', (ev) => {
    if (ev.deltaY < 0) followEl.checked = false;
  });
  vscode.postMessage({ type: 'ready' });
})();
