// Run Doctor report webview. Renders the report JSON (the same the CLI prints) with textContent only:
// evidence is log and response text and is never parsed as HTML. Links are step/evidence indexes; the
// extension resolves them from its own copy of the report, never from a path sent by this page.
// Its words come from the extension, translated, in the #strings JSON (doctorPanel.ts doctorPageStrings).
// @ts-check
(function () {
  const vscode = acquireVsCodeApi();
  const headerEl = /** @type {HTMLElement} */ (document.getElementById('header'));
  const stepsEl = /** @type {HTMLElement} */ (document.getElementById('steps'));
  const copyEl = /** @type {HTMLButtonElement} */ (document.getElementById('copy'));
  const rerunEl = /** @type {HTMLButtonElement} */ (document.getElementById('rerun'));
  const S = JSON.parse(/** @type {HTMLElement} */ (document.getElementById('strings')).textContent || '{}');
  const STATUS = S.status || {};
  const ICON = { passed: '✓', failed: '✗', skipped: '–', running: '…', pending: '·' };

  /** A translated text with its {0}, {1}... filled (one pass: an argument's own braces stay as they are). */
  function fmt(template, ...args) {
    return String(template).replace(/\{(\d+)\}/g, (m, i) => (i < args.length ? String(args[i]) : m));
  }

  /** A label and the space before what follows it (none after a full-width colon, which carries its own). */
  function label(text) {
    return /[\u3000-\u303f\uff00-\uffef]$/.test(text) ? text : `${text} `;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function base(file) {
    return String(file).split(/[\\/]/).pop();
  }

  function openLink(step, text, evidenceIndex) {
    const a = el('a', 'link', text);
    a.href = '#';
    a.title = S.openInEditor;
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      vscode.postMessage({ type: 'open', step, evidence: evidenceIndex });
    });
    return a;
  }

  function table(rows, head) {
    const t = el('table', 'details');
    const tr = el('tr');
    for (const h of head) tr.appendChild(el('th', undefined, h));
    t.appendChild(tr);
    for (const r of rows) {
      const row = el('tr', r.cls);
      for (const c of r.cells) row.appendChild(el('td', undefined, c));
      t.appendChild(row);
    }
    return t;
  }

  function details(s) {
    const d = s.details;
    if (!d) return undefined;
    if (d.kind === 'azure' && d.differences.length) {
      return table(
        d.differences.map((x) => ({ cls: x.differs ? 'differs' : '', cells: [(S.fields && S.fields[x.field]) || x.field, x.local, x.azure, x.differs === null ? '?' : x.differs ? S.differs : S.same] })),
        [S.setting, S.localRun, 'Azure', ''],
      );
    }
    if (d.kind === 'capacity') {
      const frag = el('div');
      frag.appendChild(
        table(
          [{ cells: [String(d.requests), String(d.concurrency), String(d.errors), fmt(S.milliseconds, d.latencyMs.p50), fmt(S.milliseconds, d.latencyMs.p90), fmt(S.milliseconds, d.latencyMs.p99), fmt(S.perSecond, d.throughputRps)] }],
          [S.requests, S.concurrent, S.errors, 'p50', 'p90', 'p99', S.answers],
        ),
      );
      if (d.replicas) frag.appendChild(el('pre', 'yaml', d.replicas.yaml));
      return frag;
    }
    if (d.kind === 'scoring' && d.body) {
      const box = el('details', 'body');
      box.appendChild(el('summary', undefined, fmt(S.responseBody, d.status || S.noStatus, d.latencyMs)));
      box.appendChild(el('pre', undefined, d.body));
      return box;
    }
    if (d.kind === 'model' && d.references.length) {
      return table(
        d.references.map((r) => ({ cls: r.found ? '' : 'differs', cells: [r.path, String(r.line), r.found ? S.found : S.missing] })),
        [S.pathOpened, S.line, S.inModel],
      );
    }
    return undefined;
  }

  function renderStep(s, index) {
    const li = el('li', `step status-${s.status}`);
    li.dataset.step = s.id;
    const head = el('div', 'step-head');
    head.appendChild(el('span', 'icon', ICON[s.status] || '?'));
    head.appendChild(el('span', 'title', `${s.number}. ${s.title}`));
    head.appendChild(el('span', 'badge', STATUS[s.status] || s.status));
    if (typeof s.durationMs === 'number' && s.status !== 'skipped') head.appendChild(el('span', 'time', fmt(S.seconds, (s.durationMs / 1000).toFixed(1))));
    li.appendChild(head);
    if (s.summary) li.appendChild(el('p', 'summary', s.summary));
    if (s.link) {
      const p = el('p', 'where', label(S.where));
      p.appendChild(openLink(index, `${base(s.link.file)}:${s.link.line}`));
      li.appendChild(p);
    }
    if (s.status === 'failed' && s.evidence && s.evidence.length) {
      li.appendChild(el('div', 'label', S.evidence));
      s.evidence.forEach((ev, i) => {
        const d = el('div', `evidence src-${ev.source}`);
        if (ev.location) {
          d.appendChild(openLink(index, `${base(ev.location.file)}:${ev.location.line}`, i));
          d.appendChild(document.createTextNode(' '));
        } else if (ev.logLine) d.appendChild(el('span', 'logline', label(fmt(S.logLine, ev.logLine))));
        d.appendChild(document.createTextNode(ev.text));
        li.appendChild(d);
      });
    }
    if (s.fix && s.fix.length && s.status !== 'passed') {
      li.appendChild(el('div', 'label', S.fix));
      const ol = el('ol', 'fix');
      for (const f of s.fix) ol.appendChild(el('li', undefined, f));
      li.appendChild(ol);
    }
    if (s.notes && s.notes.length) {
      const notes = el('details', 'notes');
      notes.appendChild(el('summary', undefined, s.notes.length === 1 ? S.oneNote : fmt(S.notes, s.notes.length)));
      for (const n of s.notes) notes.appendChild(el('p', undefined, n));
      if (s.status === 'failed' || s.id === 'azure' || s.id === 'capacity') notes.open = true;
      li.appendChild(notes);
    }
    const extra = details(s);
    if (extra) li.appendChild(extra);
    if (s.docs && s.status === 'failed') {
      const a = el('a', 'link docs', S.guide);
      a.href = '#';
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        vscode.postMessage({ type: 'docs', step: index });
      });
      li.appendChild(a);
    }
    return li;
  }

  function renderHeader(r, running) {
    headerEl.textContent = '';
    const failed = r.steps.find((s) => s.status === 'failed');
    const outcome = running ? 'running' : r.outcome;
    headerEl.className = `header outcome-${outcome}`;
    const h = el('h1', undefined, fmt(S.title, r.target.name));
    headerEl.appendChild(h);
    const verdict = running
      ? S.running
      : r.outcome === 'cancelled'
        ? S.cancelled
        : failed
          ? fmt(S.stepFailed, failed.number, failed.title)
          : r.mode === 'static'
            ? S.staticPassed
            : S.noFailure;
    headerEl.appendChild(el('p', 'verdict', verdict));
    const kind = (S.targetKinds && S.targetKinds[r.target.kind]) || r.target.kind;
    const meta = el('p', 'meta', `${kind}${r.target.file ? ` · ${base(r.target.file)}` : ''}${r.project.image ? ` · ${fmt(S.image, r.project.image)}` : ''}${running ? '' : ` · ${fmt(S.seconds, (r.durationMs / 1000).toFixed(1))}`}`);
    headerEl.appendChild(meta);
    if (r.mode === 'static') headerEl.appendChild(el('p', 'restricted', S.restricted));
    for (const n of r.project.notes || []) headerEl.appendChild(el('p', 'meta', n));
  }

  function render(r, running) {
    renderHeader(r, running);
    stepsEl.textContent = '';
    r.steps.forEach((s, i) => stepsEl.appendChild(renderStep(s, i)));
    document.body.dataset.state = running ? 'running' : 'done';
    copyEl.disabled = running;
    rerunEl.disabled = running;
  }

  // The page's own chrome, before any report arrives.
  copyEl.textContent = S.copy;
  rerunEl.textContent = S.rerun;
  headerEl.appendChild(el('h1', undefined, S.heading));
  headerEl.appendChild(el('p', 'verdict', S.starting));

  window.addEventListener('message', (event) => {
    const m = event.data;
    if (m && m.type === 'report' && m.report && Array.isArray(m.report.steps)) render(m.report, !!m.running);
  });
  copyEl.addEventListener('click', () => vscode.postMessage({ type: 'copyMarkdown' }));
  rerunEl.addEventListener('click', () => vscode.postMessage({ type: 'rerun' }));
  vscode.postMessage({ type: 'ready' });
})();
