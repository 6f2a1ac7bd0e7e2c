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
  // Findings that ask for a choice name an option; this page offers it as the control named here.
  const CHOICE_CONTROLS = { os: 'Windows version' };
  const CHUNK = 1 << 20;

  // ?workers=N: how many workers share a build (default: one per core, at most 4).
  const WORKERS = Number(params.get('workers')) || undefined;

  const state = {
    drivers: null, // File, or 'sample'
    os: null, // the OS folder chosen for a driver input with several
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
    client = await GuestpackClient.start({ ...engine, workers: WORKERS });
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
    if (state.os) o.os = state.os;
    Object.assign(o, limitOptions());
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

  // The input limits filled in under Options (the rest keep the command line's defaults).
  function limitOptions() {
    const o = {};
    for (const input of document.querySelectorAll('[data-limit]')) {
      const v = input.value.trim();
      if (!v) continue;
      const n = input.dataset.size ? parseSize(v) : (/^\d+$/.test(v) ? Number(v) : null);
      if (n == null || !Number.isSafeInteger(n)) {
        throw new InputProblem(`${input.labels[0].textContent} "${v}" is not ${input.dataset.size ? 'a size (e.g. 512M or 4G)' : 'a whole number'}`);
      }
      o[input.dataset.limit] = n;
    }
    return o;
  }

  // The command line's size syntax: a whole number with an optional K, M, G or T (binary).
  function parseSize(text) {
    const m = /^(\d+)\s*([KMGT]?)(i?B)?$/i.exec(text);
    if (!m) return null;
    const n = Number(m[1]) * 2 ** (10 * ' KMGT'.indexOf(m[2].toUpperCase() || ' '));
    return Number.isSafeInteger(n) ? n : null;
  }

  // Core messages name the command-line flag that raises a limit; here it is a field.
  function pageMessage(message) {
    return message.replace(/\(raise it with (--max-[a-z-]+)\)/, (all, flag) => {
      const input = document.querySelector(`[data-flag="${flag}"]`);
      return input ? `(raise “${input.labels[0].textContent}” under Options → Input limits)` : all;
    });
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
    progress('Checking the inputs…', 0, null);
    $('progress-text').textContent = 'The ISO and zip are planned in full before the first byte is written.';
    const onProgress = (done, total) => progress('Reading and hashing every file…', done, total);
    try {
      const res = await client.build(state.drivers, options(), {
        guestTools: state.guestTools || undefined, signal: controller.signal, onProgress });
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
    // The workers may still be inside a wasm call (a cancel between chunks finds them idle,
    // one during a build does not): stop them all and start fresh ones. Until they are up,
    // the page shows the engine as starting and offers nothing to click.
    if (client) client.terminate();
    client = null;
    state.report = null;
    render();
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
    fatal.textContent = state.fatal ? `Cannot check these inputs: ${pageMessage(state.fatal)}` : '';

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
    renderOs(r);

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
      'version', 'build-id', 'volume-label', 'signing-policy', 'source-date-epoch', 'os-select', 'mode-verify']) {
      $(id).disabled = busy;
    }
    $('drop').classList.toggle('disabled', busy);
    for (const input of document.querySelectorAll('[data-limit]')) input.disabled = busy;

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

  // The OS chooser appears once a check found OS folders (virtio-win <driver>/<os>/<arch>, or
  // Win7/, Win10/ … above flat arch folders) and lists exactly those.
  function renderOs(r) {
    const oses = (r && r.layout && r.layout.oses) || [];
    const field = $('os-field');
    if (!oses.length) {
      // Keep the choice while a new check runs; drop it once the input has no OS folders.
      if (r && !state.checking) field.hidden = true;
      return;
    }
    field.hidden = false;
    const select = $('os-select');
    const chosen = (r.layout.os || state.os || '');
    const want = ['', ...oses];
    const have = [...select.options].map((o) => o.value);
    if (want.join('\n') !== have.join('\n')) {
      select.replaceChildren(el('option', { value: '', text: `Choose one of ${oses.length}…`, disabled: true }),
        ...oses.map((os) => el('option', { value: os, text: os })));
    }
    select.value = oses.find((o) => o.toLowerCase() === chosen.toLowerCase()) || '';
    $('os-hint').textContent = oses.length > 1
      ? `The bundle has drivers for ${oses.length} Windows versions (its OS folders); the one chosen is packaged.`
      : `The bundle's drivers are for ${oses[0]} (its only OS folder).`;
  }

  function renderLayout(layout) {
    const shapes = { 'per-arch': '<arch>/<driver>/', 'virtio-win': '<driver>/<os>/<arch>/', flat: 'one folder per architecture, drivers side by side' };
    const where = layout.root ? ` inside ${layout.root}/` : '';
    const os = layout.os ? `, Windows version ${layout.os}` : layout.oses.length ? ', no Windows version chosen yet' : '';
    const drivers = layout.drivers.length;
    $('layout-summary').textContent = `${layout.kind} (${shapes[layout.kind] || layout.kind})${where}${os}: ` +
      `${drivers} driver folder${drivers === 1 ? '' : 's'} found.`;
    const list = $('layout-list');
    list.replaceChildren(...layout.drivers.map((d) => el('li', { 'data-arch': d.arch, 'data-driver': d.driver },
      el('code', { text: `${d.arch}/${d.driver}` }), ' ← ', el('code', { text: d.source || '(root)' }),
      el('span', { class: 'files', text: ` · ${d.files.length} file${d.files.length === 1 ? '' : 's'}: ${d.files.map((f) => f.split('/').pop()).join(', ')}` }))));
    $('layout-details').hidden = drivers === 0;
  }

  function renderReport(r) {
    if (r.layout) renderLayout(r.layout);
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
      // A finding that asks for a choice names the option; on this page that choice is a menu.
      const control = f.choice && CHOICE_CONTROLS[f.choice.option];
      const help = control ? `Choose one under “${control}” in the inputs above.` : f.help;
      const where = f.path ? `${f.path}${f.line ? `:${f.line}` : ''}` : 'inputs';
      list.append(el('li', { class: `finding ${f.severity}`, 'data-severity': f.severity, 'data-code': f.code },
        el('p', { class: 'finding-head' },
          el('span', { class: `sev ${f.severity}`, text: f.severity }), ' ',
          el('code', { class: 'code', text: f.code }), ' ',
          el('span', { class: 'where' }, el('code', { text: where }))),
        el('p', { class: 'msg', text: f.message }),
        help ? el('p', { class: 'help' }, el('strong', { text: 'Fix: ' }), help) : null));
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
    state.os = null;
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

  // ---------- modes ----------

  function setMode(mode) {
    const verify = mode === 'verify';
    $('build-mode').hidden = verify;
    $('verify-mode').hidden = !verify;
    for (const [id, on] of [['mode-build', !verify], ['mode-verify', verify]]) {
      $(id).setAttribute('aria-selected', String(on));
      $(id).tabIndex = on ? 0 : -1;
    }
  }

  function wireModes() {
    const tabs = ['mode-build', 'mode-verify'];
    for (const id of tabs) {
      $(id).addEventListener('click', () => { if (!state.busy && !verifyState.busy) setMode(id === 'mode-verify' ? 'verify' : 'build'); });
      // Arrow keys move between the tabs (the ARIA tabs pattern).
      $(id).addEventListener('keydown', (e) => {
        if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
        const other = $(tabs[1 - tabs.indexOf(id)]);
        if (other.disabled) return;
        other.focus();
        other.click();
      });
    }
    if (params.get('mode') === 'verify' || location.hash === '#verify') setMode('verify');
  }

  // ---------- verify ----------

  // `generation` bumps whenever the media or the manifest changes: a verification started for
  // an older choice is not shown, and a choice made while one runs is verified right after it.
  const verifyState = { media: null, manifest: null, result: null, busy: null, generation: 0, pending: false };

  // What a finished verification was of, on the status line (`data-verified`), so anyone
  // waiting for a result can tell this verification's from an earlier one's.
  const verifyKey = (v) => `${v.media ? v.media.name : ''}|${v.manifest ? v.manifest.name : ''}`;

  function verifyChoiceChanged() {
    const v = verifyState;
    v.generation += 1;
    v.result = null;
    delete $('verify-status').dataset.verified;
  }

  function renderVerify() {
    const v = verifyState;
    const busy = !!v.busy;
    $('verify-button').disabled = busy || !v.media || !client;
    $('verify-cancel').hidden = !busy;
    for (const id of ['verify-input', 'verify-manifest-input', 'verify-manifest-clear', 'mode-build']) $(id).disabled = busy;
    $('verify-manifest-clear').hidden = !v.manifest;
    const r = v.result;
    $('verify-results').hidden = !r;
    if (!r) return;
    const body = $('verify-body');
    body.replaceChildren();
    if (r.ok) body.append(el('tr', {}, el('td', { colSpan: 3, class: 'muted', text: `No problems: all ${r.listed} files match.` })));
    const row = (path, problem, details) => body.append(el('tr', { 'data-problem': problem, 'data-path': path },
      el('td', {}, el('code', { text: path })), el('td', {}, el('span', { class: `pill ${problem === 'extra' ? 'warn' : 'bad'}`, text: problem })),
      el('td', { text: details })));
    for (const p of r.missing) row(p, 'missing', 'listed in the manifest, not on the media');
    for (const c of r.changed) {
      row(c.path, 'changed', c.error ? `cannot be read: ${c.error}`
        : c.actualSize !== c.expectedSize ? `${c.actualSize} bytes, the manifest says ${c.expectedSize}`
          : `SHA-256 ${c.actualSha256}, the manifest says ${c.expectedSha256}`);
    }
    for (const p of r.extra) row(p, 'extra', 'on the media, not in the manifest');
    const problems = r.missing.length + r.changed.length + r.extra.length;
    $('verify-count').textContent = `(${r.missing.length} missing, ${r.changed.length} changed, ${r.extra.length} extra)`;
    $('verify-results-h').firstChild.textContent = r.ok ? 'Result ' : 'Problems ';
    const status = $('verify-status');
    const what = `${r.package || 'media'}${r.version ? ` ${r.version}` : ''}`;
    status.textContent = r.ok
      ? `OK: all ${r.listed} files of ${what} match the manifest (size and SHA-256), and there is nothing else.`
      : `Mismatch: ${problems} problem${problems === 1 ? '' : 's'} in ${what} (${r.matched} of ${r.listed} files match).`;
    status.className = `status ${r.ok ? 'good' : 'bad'}`;
  }

  function verifyStatus(text, cls = '') {
    $('verify-status').textContent = text;
    $('verify-status').className = `status ${cls}`;
  }

  async function runVerify() {
    const v = verifyState;
    if (!v.media) return;
    if (v.busy) { v.pending = true; return; }
    const generation = v.generation;
    const controller = new AbortController();
    v.busy = { controller };
    v.result = null;
    verifyStatus(`Verifying ${v.media.name}: reading and hashing every file…`);
    renderVerify();
    try {
      const limits = limitOptions();
      const result = await client.verify(v.media, { manifestText: v.manifest ? v.manifest.text : undefined, signal: controller.signal, options: limits });
      if (generation === v.generation) v.result = result;
    } catch (e) {
      if (generation !== v.generation && !isAbort(e)) {
        // A failure of a verification nobody waits for any more: the next one reports.
      } else if (e instanceof InputProblem) {
        verifyStatus(`Cannot verify ${v.media.name}: ${e.message}`, 'bad');
      } else if (isAbort(e)) {
        verifyStatus('Verification cancelled.');
        // Cancelling stopped the workers: a build made before is gone with them.
        client.terminate();
        await startClient();
        state.outputs = null;
        inputsChanged();
      } else {
        verifyStatus(`Cannot verify ${v.media.name}: ${pageMessage(e.message)}`, 'bad');
      }
    } finally {
      v.busy = null;
      const stale = generation !== v.generation;
      if (!stale) $('verify-status').dataset.verified = verifyKey(v);
      renderVerify();
      if (v.pending) {
        v.pending = false;
        if (stale && v.media) runVerify();
      }
    }
  }

  function wireVerify() {
    const v = verifyState;
    $('verify-input').addEventListener('change', (e) => {
      v.media = e.target.files[0] || null;
      verifyChoiceChanged();
      verifyStatus(v.media ? `Ready to verify ${v.media.name} (${fmtBytes(v.media.size)}).` : 'Choose an ISO or zip to verify.');
      renderVerify();
      if (v.media) runVerify();
    });
    $('verify-manifest-input').addEventListener('change', async (e) => {
      const f = e.target.files[0];
      v.manifest = f ? { name: f.name, text: await f.text() } : null;
      verifyChoiceChanged();
      renderVerify();
      if (v.media) runVerify();
    });
    $('verify-manifest-clear').addEventListener('click', () => {
      v.manifest = null;
      $('verify-manifest-input').value = '';
      verifyChoiceChanged();
      renderVerify();
      if (v.media) runVerify();
    });
    $('verify-button').addEventListener('click', runVerify);
    $('verify-cancel').addEventListener('click', () => { if (v.busy) v.busy.controller.abort(); });
    $('verify-json').addEventListener('click', () => {
      if (!v.result) return;
      saveBlob(new Blob([JSON.stringify(v.result, null, 2) + '\n'], { type: 'application/json' }), 'verify.json');
    });
    renderVerify();
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
    for (const input of document.querySelectorAll('[data-limit]')) input.addEventListener('input', inputsChanged);
    $('os-select').addEventListener('change', (e) => { state.os = e.target.value || null; inputsChanged(); });
    wireModes();
    wireVerify();
    $('source-date-epoch').addEventListener('input', showEpochDate);
    $('build-button').addEventListener('click', build);
    $('cancel-button').addEventListener('click', () => { if (state.busy) state.busy.controller.abort(); });
    for (const b of document.querySelectorAll('button.save')) b.addEventListener('click', () => save(b.dataset.key));
    $('findings-json').addEventListener('click', () => {
      if (!state.report) return;
      // The core's report as the worker returned it: the same JSON `guestpack --report` writes.
      saveBlob(new Blob([JSON.stringify(state.report, null, 2) + '\n'], { type: 'application/json' }), 'findings.json');
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
    const { specs, defaultSpec, version } = await client.specs();
    const select = $('spec-select');
    for (const s of specs) select.append(el('option', { value: s, text: s }));
    select.append(el('option', { value: CUSTOM_SPEC, text: 'Use my own spec.json…' }));
    select.value = specs.includes(defaultSpec) ? defaultSpec : specs[0];
    if (state.specFile) select.value = CUSTOM_SPEC;
    $('tool-version').textContent = version;
    $('engine').textContent = 'Ready. Everything below runs offline, in this tab.';
    $('engine').dataset.ready = '1';
    renderVerify();
    document.documentElement.dataset.ready = '1';
    inputsChanged();
  }

  main();
})();
