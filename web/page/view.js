// guestpack page: the report (layout, driver table, findings), the check's status line and the
// manifest tables, drawn from the core's JSON and the page's state alone (the one report
// shape, specs/report.schema.json). Loaded before app.js, which creates it with the page's DOM
// helpers.
'use strict';

// eslint-disable-next-line no-unused-vars
function createView({ $, el, fmtBytes }) {
  // Findings that ask for a choice name an option; this page offers it as the control named here.
  const CHOICE_CONTROLS = { os: 'Windows version', signingPolicy: 'Signing policy', spec: 'Packaging spec' };
  // More findings of one code than this are shown as one group that opens to list them.
  const GROUP_OVER = 3;
  const TICK_CONTROLS = { restoreCrlf: 'Restore CRLF line endings' };

  // One line per INF's catalog: name, algorithms, Windows covered, files matched, repairs.
  function catalogCell(p) {
    if (p.state !== 'present' || !p.catalogs.length) return el('span', { class: 'muted', text: '–' });
    return el('ul', { class: 'catalogs' }, ...p.catalogs.map((c) => {
      const ok = c.readable && c.matched === c.checked;
      const name = c.catalog ? c.catalog.split('/').pop() : 'none named';
      const facts = c.readable ? [c.algorithms.join('+'), c.windows.length ? `NT ${c.windows.join(', ')}` : 'any Windows',
        `${c.matched}/${c.checked} files match`, c.repaired.length ? `${c.repaired.length} repaired` : ''] : ['unreadable'];
      return el('li', { 'data-catalog': c.catalog }, el('span', { class: `pill ${ok ? 'good' : 'bad'}`, text: ok ? 'OK' : 'problems' }),
        ' ', el('code', { text: name }), ` · ${facts.filter(Boolean).join(' · ')}`);
    }));
  }

  // Who signed each catalog (once per catalog): common name and kind; the chain, digests and
  // timestamp when the row is expanded.
  const KINDS = {
    'microsoft-whql': 'Microsoft WHQL', 'microsoft-attestation': 'Microsoft attestation', microsoft: 'Microsoft',
    'cross-signed': 'cross-signed', test: 'test / self-signed', unknown: 'unknown',
  };
  const ENDS = {
    'microsoft-root': 'ends at Microsoft root', 'cross-signed': 'cross-signed by Microsoft Code Verification Root',
    root: 'ends at root', 'issuer-missing': 'stops: issuer not available', broken: 'broken',
  };
  function signerCell(p) {
    const seen = new Set();
    const rows = p.state !== 'present' ? [] : p.catalogs.filter((c) => c.signer && !seen.has(c.catalog) && seen.add(c.catalog));
    if (!rows.length) return el('span', { class: 'muted', text: '–' });
    return el('ul', { class: 'signers' }, ...rows.map(({ catalog, signer: s }) => {
      const who = s.commonName || s.subject || 'no signer certificate';
      const ok = s.verified;
      const facts = [s.digests.map((d) => d.toUpperCase()).join(' + '),
        s.timestamp ? `timestamped by ${s.timestamp.signer || 'an unknown signer'}${s.timestamp.time ? ` at ${s.timestamp.time}` : ''}` : 'no timestamp',
        s.signingTime ? `signed ${s.signingTime}` : ''].filter(Boolean).join(' · ');
      return el('li', { 'data-catalog': catalog, 'data-kind': s.kind },
        el('details', {},
          el('summary', {}, el('span', { class: `pill ${ok ? 'good' : 'bad'}`, text: ok ? KINDS[s.kind] || s.kind : 'signature broken' }),
            ' ', el('span', { 'data-testid': 'signer-name', text: who })),
          s.problem ? el('p', { class: 'facts bad', text: s.problem }) : '',
          el('ol', { 'data-testid': 'signer-chain' }, ...s.chain.map((c) => el('li', {},
            el('span', { text: c.subject }), ' ', el('code', { class: 'hash', text: c.thumbprint })))),
          el('p', { class: 'facts muted', text: [s.chainEnd ? `${ENDS[s.chainEnd] || s.chainEnd}${s.chainEndName && s.chainEnd !== 'root' ? `: ${s.chainEndName}` : ''}` : '', facts].filter(Boolean).join(' · ') })));
    }));
  }

  function showManifest(text) {
    $('manifest-text').textContent = text;
    const body = $('manifest-body');
    body.replaceChildren();
    let m;
    try { m = JSON.parse(text); } catch { return; }
    for (const f of m.files) {
      body.append(el('tr', {},
        el('td', {}, el('code', { text: f.path })),
        el('td', { class: 'num', text: f.size.toLocaleString('en') }),
        el('td', { class: 'hash' }, el('code', { text: f.sha256 }))));
    }
    const total = m.files.reduce((s, f) => s + f.size, 0);
    $('manifest-summary').textContent =
      `${m.package.name} ${m.package.version} (build ${m.package.build_id}), signing policy ${m.signing_policy}, ` +
      `spec ${m.inputs.spec.name}: ${m.files.length} files, ${fmtBytes(total)}.`;
  }

  function renderLayout(layout) {
    const shapes = { 'per-arch': '<arch>/<driver>/', 'virtio-win': '<driver>/<os>/<arch>/', flat: 'one folder per architecture, drivers side by side' };
    const where = layout.root ? ` inside ${layout.root}/` : '';
    const several = layout.osFolders.map((f) => f.name);
    const os = several.length ? `, Windows versions ${several.join(', ')}`
      : layout.os ? `, Windows version ${layout.os}` : layout.oses.length ? ', no Windows version chosen yet' : '';
    const drivers = layout.drivers.length;
    $('layout-summary').textContent = `${layout.kind} (${shapes[layout.kind] || layout.kind})${where}${os}: ` +
      `${drivers} driver folder${drivers === 1 ? '' : 's'} found.`;
    const list = $('layout-list');
    list.replaceChildren(...layout.drivers.map((d) => el('li', { 'data-arch': d.arch, 'data-driver': d.driver },
      el('code', { text: `${d.arch}/${d.driver}` }), ' ← ', el('code', { text: d.source || '(root)' }),
      el('span', { class: 'files', text: ` · ${d.files.length} file${d.files.length === 1 ? '' : 's'}: ${d.files.map((f) => f.split('/').pop()).join(', ')}` }))));
    $('layout-details').hidden = drivers === 0;
  }

  // Driver × Windows version × arch at a glance, from the report's coverage matrix.
  const COVERAGE = {
    present: ['good', 'yes'], 'missing-required': ['bad', 'missing'], 'missing-optional': ['warn', 'absent'],
    'not-checked': ['muted', 'not checked'],
  };
  function renderCoverage(c) {
    const head = $('coverage-head');
    const cols = c.columns;
    const rows = [];
    if (cols.some((x) => x.os)) {
      const groups = [];
      for (const x of cols) {
        if (groups.length && groups[groups.length - 1].os === x.os) groups[groups.length - 1].n += 1;
        else groups.push({ os: x.os, n: 1 });
      }
      rows.push(el('tr', {}, el('td', {}), ...groups.map((g) => el('th', { scope: 'colgroup', colSpan: g.n, text: g.os || '' }))));
    }
    rows.push(el('tr', {}, el('th', { scope: 'col', text: 'Driver' }), ...cols.map((x) => el('th', { scope: 'col', text: x.arch }))));
    head.replaceChildren(...rows);
    $('coverage-body').replaceChildren(...c.rows.map((r) => el('tr', { 'data-driver': r.driver },
      el('th', { scope: 'row' }, el('code', { text: r.driver }), r.required ? '' : el('span', { class: 'muted', text: ' optional' })),
      ...r.cells.map((cell, i) => {
        const [cls, text] = COVERAGE[cell] || ['muted', cell];
        return el('td', { 'data-os': cols[i].os || '', 'data-arch': cols[i].arch, 'data-cell': cell },
          el('span', { class: `pill ${cls}`, text }));
      }))));
    if (!c.rows.length) {
      $('coverage-body').append(el('tr', {}, el('td', { class: 'muted', text: 'No spec driver to show.' })));
    }
  }

  // The spec's tools and the tool folders it does not list: where each came from and, per
  // architecture, its installer and what its bytes say (an MSI's product, a program's fit).
  function renderTools(tools) {
    $('tools-section').hidden = !tools.length;
    const listed = tools.filter((t) => t.state !== 'unlisted');
    const missingReq = listed.filter((t) => t.required && (t.state === 'missing' || t.installers.some((i) => !i.ok))).length;
    $('tools-summary').textContent = [`${listed.filter((t) => t.state === 'present').length} of ${listed.length} tool${listed.length === 1 ? '' : 's'} of the spec present`,
      missingReq ? `${missingReq} required with problems` : '',
      tools.length > listed.length ? `${tools.length - listed.length} copied but not installed (not in the spec)` : ''].filter(Boolean).join(' · ');
    $('tools-summary').className = `summary ${missingReq ? 'bad' : ''}`;
    $('tools-body').replaceChildren(...tools.map((t) => {
      const stateText = t.state === 'present' ? 'present' : t.state === 'missing' ? 'missing' : 'not in spec';
      const cls = t.state === 'missing' ? (t.required ? 'bad' : 'warn') : t.state === 'present' ? 'good' : 'muted';
      const installers = t.installers.map((i) => {
        const what = !i.present ? 'not found' : !i.ok ? 'not what it claims (see the findings)'
          : i.productCode ? [i.productName, i.productVersion, `product ${i.productCode}`].filter(Boolean).join(' · ') : `${i.kind} that runs on ${i.arch}`;
        return el('li', { 'data-arch': i.arch, 'data-ok': String(i.ok) },
          el('span', { class: `pill ${i.ok ? 'good' : 'bad'}`, text: i.arch }), ' ',
          el('code', { text: i.path.split('/').pop() }), ` · ${what}`);
      });
      return el('tr', { 'data-tool': t.name, 'data-state': t.state },
        el('th', { scope: 'row' }, el('code', { text: t.name })),
        el('td', { 'data-label': 'Status' }, el('span', { class: `pill ${cls}`, text: stateText }), ` ${t.required ? 'required' : 'optional'}`),
        el('td', { 'data-label': 'From' }, t.source ? el('code', { text: t.source }) : el('span', { class: 'muted', text: '–' }),
          t.files.length ? el('span', { class: 'files', text: ` · ${t.files.length} file${t.files.length === 1 ? '' : 's'}` }) : ''),
        el('td', { 'data-label': 'Installers' }, installers.length ? el('ul', { class: 'installers' }, ...installers)
          : el('span', { class: 'muted', text: t.state === 'unlisted' ? 'none (copied as it is)' : '–' })));
    }));
  }

  function renderReport(r) {
    if (r.layout) renderLayout(r.layout);
    renderCoverage(r.coverage);
    renderTools(r.tools || []);
    const body = $('drivers-body');
    body.replaceChildren();
    // Missing required drivers first (the reason a build is refused), then by name and arch.
    const rank = (p) => (p.state === 'missing' && p.required ? 0 : 1);
    const packages = [...r.packages].sort((a, b) => rank(a) - rank(b)
      || (a.driver < b.driver ? -1 : a.driver > b.driver ? 1 : 0) || (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
    const count = (f) => r.packages.filter(f).length;
    const present = count((p) => p.state === 'present');
    const missingReq = count((p) => p.state === 'missing' && p.required);
    const missingOpt = count((p) => p.state === 'missing' && !p.required);
    const unlisted = count((p) => p.state === 'unlisted');
    $('drivers-summary').textContent = [`${present} present`,
      missingReq ? `${missingReq} required missing` : '', missingOpt ? `${missingOpt} optional missing` : '',
      unlisted ? `${unlisted} not in the spec (not packaged)` : ''].filter(Boolean).join(' · ');
    $('drivers-summary').className = `summary ${missingReq ? 'bad' : ''}`;
    for (const p of packages) {
      const stateText = p.state === 'present' ? 'present' : p.state === 'missing' ? 'missing' : 'not in spec';
      const cls = p.state === 'missing' ? (p.required ? 'bad' : 'warn') : p.state === 'present' ? 'good' : 'muted';
      const kind = p.required ? 'required' : 'optional';
      body.append(el('tr', { 'data-driver': p.driver, 'data-arch': p.arch, 'data-os': p.os || '', 'data-state': p.state },
        el('th', { scope: 'row' }, el('code', { text: p.driver })),
        el('td', { text: p.os ? `${p.os} ${p.arch}` : p.arch, 'data-label': 'Arch' }),
        el('td', { 'data-label': 'Status' }, el('span', { class: `pill ${cls}`, text: stateText }), ` ${kind}`),
        el('td', { class: 'num', text: String(p.files), 'data-label': 'Files' }),
        el('td', { 'data-label': 'Hardware IDs' }, p.hwidsMatched.length
          ? el('ul', { class: 'hwids' }, ...p.hwidsMatched.map((h) => el('li', {}, el('code', { text: h }))))
          : el('span', { class: 'muted', text: p.state === 'present' ? 'none' : '–' })),
        el('td', { 'data-label': 'INF references' }, p.state !== 'present' ? el('span', { class: 'muted', text: '–' })
          : el('span', { class: `pill ${p.infRefsOk ? 'good' : 'bad'}`, text: p.infRefsOk ? 'OK' : 'problems' })),
        el('td', { 'data-testid': 'catalog-cell', 'data-label': 'Catalog' }, catalogCell(p)),
        el('td', { 'data-testid': 'signer-cell', 'data-label': 'Signer' }, signerCell(p))));
    }
    if (!r.packages.length) {
      body.append(el('tr', {}, el('td', { colSpan: 8, class: 'muted', text: 'No driver folders found.' })));
    }

    const list = $('findings');
    list.replaceChildren();
    const order = { error: 0, warning: 1, info: 2 };
    const sorted = r.findings.map((f, i) => [f, i]).sort((a, b) => order[a[0].severity] - order[b[0].severity] || a[1] - b[1]);
    const items = sorted.map(([f]) => findingItem(f));
    // Many findings of one code (22 folders not in the spec) become one line that opens.
    const byCode = new Map();
    sorted.forEach(([f], i) => {
      const k = `${f.severity} ${f.code}`;
      if (!byCode.has(k)) byCode.set(k, []);
      byCode.get(k).push(i);
    });
    const placed = new Set();
    sorted.forEach(([f], i) => {
      if (placed.has(i)) return;
      const same = byCode.get(`${f.severity} ${f.code}`);
      if (same.length <= GROUP_OVER) { placed.add(i); list.append(items[i]); return; }
      same.forEach((j) => placed.add(j));
      const inner = el('ol', { class: 'findings grouped' }, ...same.map((j) => items[j]));
      list.append(el('li', { class: `finding group ${f.severity}`, 'data-severity': f.severity, 'data-code': f.code, 'data-group': String(same.length) },
        el('details', {},
          el('summary', { class: 'finding-head' },
            el('span', { class: `sev ${f.severity}`, text: f.severity }), ' ',
            el('code', { class: 'code', text: f.code }), ' ',
            el('span', { text: `${same.length} findings like: ${f.message}` })),
          inner)));
    });
    $('findings-count').textContent = r.findings.length
      ? `(${r.errors} error${r.errors === 1 ? '' : 's'}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}, ${r.findings.length - r.errors - r.warnings} info)`
      : '';
    $('no-findings').hidden = r.findings.length > 0;
    list.hidden = r.findings.length === 0;
  }

  function findingItem(f) {
    // A finding that asks for a choice names the option; on this page that choice is a menu.
    // A limit to raise names its option: on this page, a field under Options → Input limits.
    const control = f.choice && CHOICE_CONTROLS[f.choice.option];
    const tick = f.choice && TICK_CONTROLS[f.choice.option];
    const limit = f.choice && document.querySelector(`[data-limit="${f.choice.option}"]`);
    const help = tick ? `Tick “${tick}” in the inputs above, or fix the file itself (git’s line-ending conversion is the usual cause).`
      : control ? `Choose ${f.choice.values.join(' or ')} under “${control}” in the inputs above.`
      : limit ? `${f.help}; or raise “${limit.labels[0].textContent}” under Options → Input limits.` : f.help;
    const where = f.path ? `${f.path}${f.line ? `:${f.line}` : ''}` : 'inputs';
    // A note needs no fixing: its help is a plain hint.
    const helpLine = !help ? null : f.severity === 'info'
      ? el('p', { class: 'help note' }, help)
      : el('p', { class: 'help' }, el('strong', { text: 'Fix: ' }), help);
    return el('li', { class: `finding ${f.severity}`, 'data-severity': f.severity, 'data-code': f.code },
      el('p', { class: 'finding-head' },
        el('span', { class: `sev ${f.severity}`, text: f.severity }), ' ',
        el('code', { class: 'code', text: f.code }), ' ',
        el('span', { class: 'where' }, el('code', { text: where }))),
      el('p', { class: 'msg', text: f.message }),
      helpLine);
  }

  // The check's one status line: what was found, or how far the check has read. `s` is the
  // page's state plus `engineReady`.
  function checkStatus(status, s) {
    const r = s.report;
    if (!s.engineReady) status.textContent = 'Starting the packaging engine…';
    else if (!s.drivers) status.textContent = 'Choose a driver bundle, or try the sample, to check it.';
    else if (s.checking) {
      const p = s.checkRead;
      status.textContent = p && p.total
        ? `Checking… read and hashed ${fmtBytes(p.done)} of ${fmtBytes(p.total)} (${Math.floor((p.done / p.total) * 100)}%)`
        : 'Checking…';
    } else if (r) {
      status.textContent = r.errors
        ? `Rejected: ${r.errors} error${r.errors === 1 ? '' : 's'}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}. Fix the errors below to build.`
        : s.mostLeftOut
          ? `Accepted with ${r.warnings} warning${r.warnings === 1 ? '' : 's'}, but the media would leave out most of the bundle's driver folders: choose a spec that lists them.`
          : `Accepted${r.warnings ? ` with ${r.warnings} warning${r.warnings === 1 ? '' : 's'}` : ''}: ready to build.`;
    } else if (s.fatal) status.textContent = 'Not checked.';
    status.className = `status ${r && !s.checking ? (r.errors ? 'bad' : s.mostLeftOut ? 'warn' : 'good') : ''}`;
    // Which inputs the verdict shown is for (tests wait for the one after their own change).
    status.dataset.inputs = s.checking ? '' : String(s.generation);
  }

  return { report: renderReport, manifest: showManifest, checkStatus };
}
