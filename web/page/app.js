// guestpack page: inputs, live validation, build and save. All packaging runs in the wasm
// worker (web/worker-api/); this file only gathers inputs, renders reports and moves bytes
// from the worker to a file. Nothing leaves the device: there is no network code here.
//
// Two ways the engine is loaded:
//  - the site (dist/index.html): wasm, glue and worker are files next to the page;
//  - the single file (dist/guestpack.html): the wasm and the worker source are base64 blocks
//    in the page; the worker runs from a blob: URL, the only kind file:// allows.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  // ?download=1: every save control becomes a plain download (no dialog), for automation.
  const pickerAvailable = typeof window.showSaveFilePicker === 'function' && params.get('download') !== '1';
  const CUSTOM_SPEC = 'custom';
  const DEFAULT_SPEC = 'win7-virtio-win.json';
  const CHUNK = 1 << 20;

  const state = {
    drivers: null, // File, or 'sample'
    guestTools: null, // File or null (built-in)
    specFile: null, // {name, text}
    report: null,
    fatal: null,
    checking: false,
    generation: 0, // bumps on every input change; stale replies are dropped
    outputs: null, // [{key, name, len}] of the current build
    busy: null, // {controller, what} while building or saving
  };

  let engine = null; // {module, workerUrl, glueUrl}
  let client = null;

  // ---------- engine ----------

  function base64Bytes(id) {
    const bin = atob($(id).textContent.replace(/\s+/g, ''));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  async function loadEngine() {
    if ($('gp-wasm')) {
      // Compiled asynchronously: Chromium refuses synchronous compiles of big modules here.
      const module = await WebAssembly.compile(base64Bytes('gp-wasm'));
      const source = new Blob([base64Bytes('gp-worker')], { type: 'text/javascript' });
      return { module, workerUrl: URL.createObjectURL(source) };
    }
    const module = await WebAssembly.compileStreaming(fetch('assets/guestpack_bg.wasm'));
    return { module, workerUrl: 'assets/guestpack-worker.js', glueUrl: 'assets/guestpack.js' };
  }

  async function startClient() {
    client = await GuestpackClient.start(engine);
    return client;
  }

  // ---------- small helpers ----------

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('data-') || k.startsWith('aria-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  }

  function fmtBytes(n) {
    if (n < 1024) return `${n} B`;
    const units = ['KiB', 'MiB', 'GiB'];
    let v = n / 1024, i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
  }

  function saveBlob(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    // The download has its own reference by now; keep the URL briefly for slow browsers.
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  function isAbort(e) {
    return e && e.name === 'AbortError';
  }

  // ---------- options ----------

  class InputProblem extends Error {}

  function options() {
    const o = {};
    const spec = $('spec-select').value;
    if (spec === CUSTOM_SPEC) {
      if (!state.specFile) throw new InputProblem('choose your spec.json file, or pick a shipped spec');
      o.spec = state.specFile.name;
      o.specText = state.specFile.text;
    } else {
      o.spec = spec;
    }
    const text = (id) => $(id).value.trim();
    if (text('version')) o.version = text('version');
    if (text('build-id')) o.buildId = text('build-id');
    if (text('volume-label')) o.volumeId = text('volume-label');
    o.signingPolicy = $('signing-policy').value;
    const sde = text('source-date-epoch');
    if (sde) {
      const n = Number(sde);
      if (!/^-?\d+$/.test(sde) || !Number.isSafeInteger(n)) {
        throw new InputProblem(`SOURCE_DATE_EPOCH "${sde}" is not a whole number of seconds`);
      }
      o.sourceDateEpoch = n;
    }
    return o;
  }

  function showEpochDate() {
    const v = $('source-date-epoch').value.trim() || '0';
    const ok = /^-?\d+$/.test(v) && Math.abs(Number(v)) <= 8.64e12;
    $('sde-date').textContent = ok
      ? new Date(Number(v) * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC')
      : 'not a number of seconds';
  }

  // ---------- validation ----------

  let checkTimer = 0;

  function inputsChanged() {
    state.generation++;
    dropOutputs();
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 120);
    render();
  }

  async function check() {
    const gen = state.generation;
    if (!state.drivers || !client) { render(); return; }
    let opts;
    try {
      opts = options();
    } catch (e) {
      if (!(e instanceof InputProblem)) throw e;
      Object.assign(state, { report: null, fatal: e.message, checking: false });
      render();
      return;
    }
    state.checking = true;
    render();
    try {
      const report = await client.validate(state.drivers, opts, { guestTools: state.guestTools || undefined });
      if (gen !== state.generation) return;
      Object.assign(state, { report, fatal: null });
    } catch (e) {
      if (gen !== state.generation || isAbort(e)) return;
      Object.assign(state, { report: null, fatal: e.message });
    }
    state.checking = false;
    render();
  }

  // ---------- build and save ----------

  function dropOutputs() {
    if (state.outputs && client) client.cancel().catch(() => {});
    state.outputs = null;
  }

  function progress(label, done, total) {
    $('progress').hidden = false;
    $('progress-label').textContent = label;
    const bar = $('progress-bar');
    if (total == null) {
      bar.removeAttribute('value');
      $('progress-text').textContent = '';
    } else {
      bar.max = Math.max(total, 1);
      bar.value = done;
      const pct = total ? Math.floor((done / total) * 100) : 100;
      $('progress-text').textContent = `${fmtBytes(done)} of ${fmtBytes(total)} (${pct}%)`;
    }
  }

  async function build() {
    const gen = state.generation;
    const controller = new AbortController();
    state.busy = { controller, what: 'build' };
    $('build-note').textContent = '';
    dropOutputs();
    render();
    progress('Reading, hashing and laying out every file…', 0, null);
    $('progress-text').textContent = 'The ISO and zip are planned in full before the first byte is written.';
    try {
      const res = await client.build(state.drivers, options(), {
        guestTools: state.guestTools || undefined, signal: controller.signal });
      if (gen !== state.generation) return;
      state.report = res.report;
      if (res.accepted) {
        state.outputs = res.outputs;
        showManifest(res.manifest);
        const total = res.outputs.reduce((s, o) => s + o.len, 0);
        $('progress-label').textContent = 'Built';
        $('progress-text').textContent = `Ready to save: ${fmtBytes(total)} in three files.`;
        $('progress-bar').max = 1;
        $('progress-bar').value = 1;
      } else {
        $('progress').hidden = true;
      }
    } catch (e) {
      $('progress').hidden = true;
      if (isAbort(e)) await restartAfterCancel('Build cancelled.');
      else state.fatal = e.message;
    } finally {
      state.busy = null;
      render();
    }
  }

  async function save(key) {
    const out = state.outputs && state.outputs.find((o) => o.key === key);
    if (!out) return;
    let writable = null;
    if (pickerAvailable) {
      try {
        const handle = await window.showSaveFilePicker({ suggestedName: out.name, id: 'guestpack-output' });
        writable = await handle.createWritable();
      } catch (e) {
        if (isAbort(e)) return; // the dialog was dismissed
        setSaveStatus(`Could not open a file to save ${out.name}: ${e.message}. Offering a download instead.`);
      }
    }
    const controller = new AbortController();
    state.busy = { controller, what: 'save' };
    $('build-note').textContent = '';
    render();
    const onProgress = (n) => progress(`Saving ${out.name}`, n, out.len);
    onProgress(0);
    try {
      await client.rewind(key);
      if (writable) {
        await client.pump(key, writable, { chunk: CHUNK, signal: controller.signal, onProgress });
      } else {
        // No save dialog: collect the chunks into a Blob and hand it to the browser.
        const parts = [];
        let done = 0;
        for (;;) {
          const bytes = await client.nextChunk(key, CHUNK, controller.signal);
          if (bytes === undefined) break;
          parts.push(bytes);
          done += bytes.length;
          onProgress(done);
        }
        saveBlob(new Blob(parts, { type: key === 'manifest' ? 'application/json' : 'application/octet-stream' }), out.name);
      }
      progress(`Saved ${out.name}`, out.len, out.len);
      setSaveStatus(`${out.name} saved (${fmtBytes(out.len)}).`);
    } catch (e) {
      if (isAbort(e)) await restartAfterCancel(`Saving ${out.name} cancelled; nothing was written.`);
      else setSaveStatus(`Saving ${out.name} failed: ${e.message}`);
    } finally {
      state.busy = null;
      render();
    }
  }

  function setSaveStatus(text) {
    $('save-mode').textContent = text;
  }

  // Cancel terminates the worker (a running wasm call cannot be interrupted); a new one
  // starts from the already compiled module, and the inputs are checked again.
  async function restartAfterCancel(message) {
    state.outputs = null;
    $('progress').hidden = true;
    $('build-note').textContent = message;
    await startClient();
    inputsChanged();
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

  // ---------- rendering ----------

  function render() {
    const r = state.report;
    const busy = !!state.busy;
    const fatal = $('fatal');
    fatal.hidden = !state.fatal;
    fatal.textContent = state.fatal ? `Cannot check these inputs: ${state.fatal}` : '';

    const status = $('check-status');
    if (!client) status.textContent = 'Starting the packaging engine…';
    else if (!state.drivers) status.textContent = 'Choose a driver bundle, or try the sample, to check it.';
    else if (state.checking) status.textContent = 'Checking…';
    else if (r) {
      status.textContent = r.errors
        ? `Rejected: ${r.errors} error${r.errors === 1 ? '' : 's'}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}. Fix the errors below to build.`
        : `Accepted${r.warnings ? ` with ${r.warnings} warning${r.warnings === 1 ? '' : 's'}` : ''}: ready to build.`;
    } else if (state.fatal) status.textContent = 'Not checked.';
    status.className = `status ${r && !state.checking ? (r.errors ? 'bad' : 'good') : ''}`;

    $('report').hidden = !r;
    if (r) renderReport(r);

    const button = $('build-button');
    let why = '';
    if (!client) why = 'The packaging engine is starting.';
    else if (!state.drivers) why = 'Choose a driver bundle first.';
    else if (state.fatal) why = 'Fix the problem shown above first.';
    else if (state.checking || !r) why = 'Checking the inputs…';
    else if (r.errors) why = `Building is disabled: ${r.errors} error${r.errors === 1 ? '' : 's'} must be fixed first (see Findings).`;
    else if (busy) why = state.busy.what === 'build' ? 'Building…' : 'Saving…';
    else if (state.outputs) why = 'Built. Save the outputs below, or change inputs to build again.';
    else why = 'Ready: validation passed.';
    button.disabled = !!why && !why.startsWith('Ready') && !why.startsWith('Built');
    if (busy) button.disabled = true;
    $('build-why').textContent = why;
    $('build-why').className = `why ${r && r.errors ? 'bad' : ''}`;
    $('cancel-button').hidden = !busy;

    for (const id of ['bundle-input', 'sample-button', 'spec-select', 'spec-input', 'guest-tools-input', 'gt-clear',
      'version', 'build-id', 'volume-label', 'signing-policy', 'source-date-epoch']) {
      $(id).disabled = busy;
    }
    $('drop').classList.toggle('disabled', busy);

    $('outputs').hidden = !state.outputs;
    if (state.outputs) {
      for (const o of state.outputs) {
        const b = $(`download-${o.key}`);
        b.textContent = `${pickerAvailable ? 'Save' : 'Download'} ${o.name}`;
        b.disabled = busy;
        $(`size-${o.key}`).textContent = fmtBytes(o.len);
      }
      if (!$('save-mode').textContent) {
        setSaveStatus(pickerAvailable
          ? 'Each button asks where to save and streams the file there, chunk by chunk.'
          : 'Each button downloads the file through your browser.');
      }
    } else {
      setSaveStatus('');
    }
  }

  // Spec patterns are regexes (`PCI\\VEN_1AF4&DEV_1041\b`); shown as the ID they match,
  // which also folds them into the same IDs listed by config/devices.cmd.
  function readableId(pattern) {
    return pattern.replace(/\\b$/, '').replace(/\\\\/g, '\\');
  }

  function renderReport(r) {
    const body = $('drivers-body');
    body.replaceChildren();
    // Missing required drivers first (the reason a build is refused), then by name and arch.
    const rank = (p) => (p.state === 'missing' && p.required ? 0 : 1);
    const packages = [...r.packages].sort((a, b) => rank(a) - rank(b)
      || (a.driver < b.driver ? -1 : a.driver > b.driver ? 1 : 0) || (a.arch < b.arch ? -1 : 1));
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
      body.append(el('tr', { 'data-driver': p.driver, 'data-arch': p.arch, 'data-state': p.state },
        el('th', { scope: 'row' }, el('code', { text: p.driver })),
        el('td', { text: p.arch }),
        el('td', {}, el('span', { class: `pill ${cls}`, text: stateText }), ` ${kind}`),
        el('td', { class: 'num', text: String(p.files) }),
        el('td', {}, p.hwidsMatched.length
          ? el('ul', { class: 'hwids' }, ...[...new Set(p.hwidsMatched.map(readableId))].map((h) => el('li', {}, el('code', { text: h }))))
          : el('span', { class: 'muted', text: p.state === 'present' ? 'none' : '–' })),
        el('td', {}, p.state !== 'present' ? el('span', { class: 'muted', text: '–' })
          : el('span', { class: `pill ${p.infRefsOk ? 'good' : 'bad'}`, text: p.infRefsOk ? 'OK' : 'problems' }))));
    }
    if (!r.packages.length) {
      body.append(el('tr', {}, el('td', { colSpan: 6, class: 'muted', text: 'No driver folders found.' })));
    }

    const list = $('findings');
    list.replaceChildren();
    const order = { error: 0, warning: 1, info: 2 };
    const sorted = r.findings.map((f, i) => [f, i]).sort((a, b) => order[a[0].severity] - order[b[0].severity] || a[1] - b[1]);
    for (const [f] of sorted) {
      const where = f.path ? `${f.path}${f.line ? `:${f.line}` : ''}` : 'inputs';
      list.append(el('li', { class: `finding ${f.severity}`, 'data-severity': f.severity, 'data-code': f.code },
        el('p', { class: 'finding-head' },
          el('span', { class: `sev ${f.severity}`, text: f.severity }), ' ',
          el('code', { class: 'code', text: f.code }), ' ',
          el('span', { class: 'where' }, el('code', { text: where }))),
        el('p', { class: 'msg', text: f.message }),
        f.help ? el('p', { class: 'help' }, el('strong', { text: 'Fix: ' }), f.help) : null));
    }
    $('findings-count').textContent = r.findings.length
      ? `(${r.errors} error${r.errors === 1 ? '' : 's'}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}, ${r.findings.length - r.errors - r.warnings} info)`
      : '';
    $('no-findings').hidden = r.findings.length > 0;
    list.hidden = r.findings.length === 0;
  }

  // ---------- inputs ----------

  function setDrivers(drivers) {
    state.drivers = drivers;
    $('drivers-chosen').textContent = drivers === 'sample'
      ? 'Using the built-in sample drivers.'
      : `Driver bundle: ${drivers.name} (${fmtBytes(drivers.size)}).`;
    if (drivers === 'sample') $('bundle-input').value = '';
    inputsChanged();
  }

  async function setSpecFile(file) {
    if (!file) {
      state.specFile = null;
    } else {
      state.specFile = { name: file.name, text: await file.text() };
      $('spec-select').value = CUSTOM_SPEC;
    }
    inputsChanged();
  }

  function route(files) {
    for (const f of files) {
      if (/\.json$/i.test(f.name)) setSpecFile(f);
      else setDrivers(f);
    }
  }

  function wire() {
    $('bundle-input').addEventListener('change', (e) => { if (e.target.files[0]) setDrivers(e.target.files[0]); });
    $('sample-button').addEventListener('click', () => setDrivers('sample'));
    $('spec-input').addEventListener('change', (e) => setSpecFile(e.target.files[0]));
    $('spec-select').addEventListener('change', inputsChanged);
    $('guest-tools-input').addEventListener('change', (e) => {
      state.guestTools = e.target.files[0] || null;
      $('gt-clear').hidden = !state.guestTools;
      inputsChanged();
    });
    $('gt-clear').addEventListener('click', () => {
      state.guestTools = null;
      $('guest-tools-input').value = '';
      $('gt-clear').hidden = true;
      inputsChanged();
    });
    for (const id of ['version', 'build-id', 'volume-label', 'signing-policy', 'source-date-epoch']) {
      $(id).addEventListener('input', inputsChanged);
    }
    $('source-date-epoch').addEventListener('input', showEpochDate);
    $('build-button').addEventListener('click', build);
    $('cancel-button').addEventListener('click', () => { if (state.busy) state.busy.controller.abort(); });
    for (const b of document.querySelectorAll('button.save')) b.addEventListener('click', () => save(b.dataset.key));
    $('findings-json').addEventListener('click', () => {
      if (!state.report) return;
      const json = JSON.stringify({ findings: state.report.findings.map(({ text, ...f }) => f),
        packages: state.report.packages, errors: state.report.errors, warnings: state.report.warnings }, null, 2);
      saveBlob(new Blob([json + '\n'], { type: 'application/json' }), 'findings.json');
    });

    const drop = $('drop');
    const stop = (e) => { e.preventDefault(); e.stopPropagation(); };
    for (const t of ['dragenter', 'dragover']) drop.addEventListener(t, (e) => { stop(e); if (!state.busy) drop.classList.add('over'); });
    for (const t of ['dragleave', 'dragend']) drop.addEventListener(t, () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      stop(e);
      drop.classList.remove('over');
      if (!state.busy && e.dataTransfer && e.dataTransfer.files.length) route([...e.dataTransfer.files]);
    });
    // A file dropped beside the zone must not make the browser navigate away from the page.
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => e.preventDefault());
  }

  async function main() {
    wire();
    showEpochDate();
    render();
    try {
      engine = await loadEngine();
      await startClient();
    } catch (e) {
      $('engine').textContent = `The packaging engine could not start: ${e.message}`;
      $('engine').className = 'engine alert';
      return;
    }
    const { specs, version } = await client.specs();
    const select = $('spec-select');
    for (const s of specs) select.append(el('option', { value: s, text: s }));
    select.append(el('option', { value: CUSTOM_SPEC, text: 'Use my own spec.json…' }));
    select.value = specs.includes(DEFAULT_SPEC) ? DEFAULT_SPEC : specs[0];
    if (state.specFile) select.value = CUSTOM_SPEC;
    $('tool-version').textContent = version;
    $('engine').textContent = 'Ready. Everything below runs offline, in this tab.';
    $('engine').dataset.ready = '1';
    document.documentElement.dataset.ready = '1';
    inputsChanged();
  }

  main();
})();
