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
  const CUSTOM_SPEC = 'custom';
  // Bytes per output request to the workers: most are Blob slices, which cost nothing to
  // hand over, so fewer, larger requests (at most this many bytes held per chunk).
  // ?chunk=N (bytes) sets it, for tests that watch a small output arrive in pieces.
  const asked = Number(params.get('chunk'));
  const CHUNK = Number.isInteger(asked) && asked >= 4096 ? asked : 4 << 20;

  // ?workers=N: how many workers share a build (default: one per core, at most 4).
  const WORKERS = Number(params.get('workers')) || undefined;

  const state = {
    drivers: null, // File, or 'sample'
    os: [], // the OS folders chosen for a driver input with several: the chooser's, then the ticked ones
    guestTools: null, // File or null (built-in)
    saved: {}, // output key -> true once saved
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
    const spec = specs.current();
    if ($('spec-select').value === CUSTOM_SPEC) {
      if (!spec) throw new InputProblem('choose your spec.json file, make one from the bundle, or pick a shipped spec');
      o.spec = spec.name;
      o.specText = spec.text;
    } else {
      o.spec = $('spec-select').value;
    }
    const text = (id) => $(id).value.trim();
    if (text('version')) o.version = text('version');
    if (text('build-id')) o.buildId = text('build-id');
    if (text('volume-label')) o.volumeId = text('volume-label');
    o.signingPolicy = $('signing-policy').value;
    if (state.os.length) o.os = state.os;
    // An input with OS folders takes its target from the Windows version chosen there.
    if (!$('target-field').hidden && $('target-os').value) o.targetOs = [$('target-os').value];
    if ($('restore-crlf').checked) o.restoreCrlf = true;
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

  // The input limits filled in under Options, as typed (`512M`): the core parses them and
  // names the option of a value it cannot read (the rest keep the command line's defaults).
  function limitOptions() {
    const o = {};
    for (const input of document.querySelectorAll('[data-limit]')) {
      const v = input.value.trim();
      if (v) o[input.dataset.limit] = v;
    }
    return o;
  }

  // A core error whose fix is an option names it (and whether to raise or correct it): on
  // this page that option is a field.
  function pageMessage(e) {
    const input = e.option && document.querySelector(`[data-limit="${e.option}"]`);
    return input ? `${e.message} (${e.fix} “${input.labels[0].textContent}” under Options → Input limits)` : e.message;
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
  // How long typing in a field must pause before the inputs are checked again (ms).
  const TYPING_PAUSE = 120;

  // A new file, a choice in a menu: checked at once (after the current event, so changes made
  // together are checked together). Typing: checked once the typing pauses.
  function inputsChanged(delay = 0) {
    state.generation++;
    dropOutputs();
    // Everything derived from the old inputs goes: a build's "ready to save", its note.
    $('progress').hidden = true;
    $('build-note').textContent = '';
    summary.done();
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, typeof delay === 'number' ? delay : 0);
    // From now until the check of these inputs answers, the last result is not theirs: say
    // "Checking…", never a stale "Accepted".
    state.checking = !!state.drivers;
    if (state.checking) state.fatal = null;
    render();
  }

  async function check() {
    const gen = state.generation;
    if (!state.drivers || !client) { state.checking = false; render(); return; }
    let opts;
    try {
      opts = options();
    } catch (e) {
      if (!(e instanceof InputProblem)) throw e;
      Object.assign(state, { report: null, fatal: e, checking: false });
      render();
      return;
    }
    state.checking = true;
    state.checkRead = null;
    render();
    // The check reads and hashes every file the catalogs cover, so it does the build's
    // reading too: the client keeps those digests, and Build then only plans.
    const onProgress = (done, total) => {
      if (gen !== state.generation) return;
      state.checkRead = { done, total };
      renderCheckStatus();
      summary.progress('Reading and hashing', done, total);
    };
    try {
      const { report } = await client.build(state.drivers, opts, { guestTools: state.guestTools || undefined, onProgress });
      if (gen !== state.generation) return;
      Object.assign(state, { report, fatal: null });
      // The spec follows the bundle: a shipped spec that takes its driver folders is chosen.
      if (specs.follow(report)) { inputsChanged(); return; }
    } catch (e) {
      if (gen !== state.generation || isAbort(e)) return;
      Object.assign(state, { report: null, fatal: e });
    }
    state.checking = false;
    summary.done();
    specs.editorStatus(state.fatal);
    render();
  }

  // ---------- build and save ----------

  function dropOutputs() {
    if (state.outputs && client) client.cancel().catch(() => {});
    state.outputs = null;
    state.saved = {};
  }

  function progress(label, done, total) {
    summary.progress(label, done, total);
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
        view.manifest(res.manifest);
        const total = res.outputs.reduce((s, o) => s + o.len, 0);
        $('progress-label').textContent = 'Built';
        $('progress-text').textContent = `Ready to save: ${fmtBytes(total)} in three files.`;
        $('progress-bar').max = 1;
        $('progress-bar').value = 1;
        // The next step is in the bar: Save all.
        setTimeout(() => $('primary-action').focus(), 0);
      } else {
        $('progress').hidden = true;
      }
    } catch (e) {
      $('progress').hidden = true;
      if (isAbort(e)) await restartAfterCancel('Build cancelled.');
      else state.fatal = e;
    } finally {
      state.busy = null;
      summary.done();
      render();
    }
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
    // The inputs did not change: what happened to the build or save is still news.
    $('build-note').textContent = message;
  }

  // ---------- rendering ----------

  // Whether building is possible now, decided from the page's state, and the line that says why.
  function buildGate(r, busy) {
    if (!client) return { why: 'The packaging engine is starting.', ready: false };
    if (!state.drivers) return { why: 'Choose a driver bundle first.', ready: false };
    if (state.fatal) return { why: 'Fix the problem shown above first.', ready: false };
    if (state.checking || !r) return { why: 'Checking the inputs…', ready: false };
    if (r.errors) return { why: `Building is disabled: ${r.errors} error${r.errors === 1 ? '' : 's'} must be fixed first (see Findings).`, ready: false };
    if (busy) return { why: state.busy.what === 'build' ? 'Building…' : 'Saving…', ready: false };
    if (state.outputs) return { why: 'Built. Save the outputs (Save all, at the top), or change inputs to build again.', ready: true };
    return { why: 'Ready: validation passed.', ready: true };
  }

  // The one line that says what the check found, or how far it has read.
  function renderCheckStatus() {
    view.checkStatus($('check-status'), { ...state, engineReady: !!client, mostLeftOut: summary.mostLeftOut(state.report) });
  }

  function render() {
    const r = state.report;
    const busy = !!state.busy;
    const fatal = $('fatal');
    fatal.hidden = !state.fatal;
    fatal.textContent = state.fatal ? `Cannot check these inputs: ${pageMessage(state.fatal)}` : '';

    renderCheckStatus();

    $('report').hidden = !r;
    if (r) view.report(r);
    windows.render(r);
    if (r && !state.checking) $('target-field').hidden = r.layout.oses.length > 0;
    // The repair is offered once a check found an INF it fixes (and stays while it is on).
    $('crlf-field').hidden = !$('restore-crlf').checked && !(r && r.findings.some((f) => f.code === 'CAT003'));

    const button = $('build-button');
    const { why, ready } = buildGate(r, busy);
    button.disabled = !ready;
    $('build-why').textContent = why;
    $('build-why').className = `why ${r && r.errors ? 'bad' : ''}`;
    $('cancel-button').hidden = !busy;

    for (const id of ['bundle-input', 'sample-button', 'spec-select', 'spec-input', 'guest-tools-input', 'gt-clear',
      'version', 'build-id', 'volume-label', 'signing-policy', 'source-date-epoch', 'os-select', 'target-os',
      'restore-crlf', 'mode-verify']) {
      $(id).disabled = busy;
    }
    windows.disable(busy);
    $('drop').classList.toggle('disabled', busy);
    for (const input of document.querySelectorAll('[data-limit]')) input.disabled = busy;

    $('outputs').hidden = !state.outputs;
    saver.render();
    // The one next step, in the summary bar: Build, then Save all.
    const primary = state.outputs
      ? { label: saver.folderPicker ? 'Save all…' : 'Download all', enabled: !busy }
      : { label: busy && state.busy.what === 'build' ? 'Building…' : 'Build media', enabled: ready };
    $('build-button').classList.toggle('primary', !state.outputs);
    $('build-button').classList.toggle('secondary', !!state.outputs);
    summary.render({ ...state, engineReady: !!client, primary, fatalText: state.fatal ? pageMessage(state.fatal) : '' });
    specs.render();
  }

  // ---------- inputs ----------

  // What the page took from the last files given, and what it left: one line under the drop
  // zone, so the file inputs and that line never disagree.
  const taken = { drivers: '', spec: '', ignored: [] };

  function sayChosen() {
    const parts = [taken.drivers, taken.spec].filter(Boolean);
    if (taken.ignored.length) parts.push(`Ignored: ${taken.ignored.join(', ')} (one driver bundle and one spec at a time).`);
    $('drivers-chosen').textContent = parts.join(' ') || 'No driver bundle chosen yet.';
  }

  // Shows a dropped file in its file input too (the input would otherwise say "No file chosen").
  function showInInput(id, file) {
    try {
      const dt = new DataTransfer();
      dt.items.add(file);
      $(id).files = dt.files;
    } catch { /* a browser without a settable FileList: the line under the zone names it */ }
  }

  function setDrivers(drivers) {
    state.drivers = drivers;
    state.os = [];
    taken.drivers = drivers === 'sample'
      ? 'Using the built-in sample drivers.'
      : `Driver bundle: ${drivers.name} (${fmtBytes(drivers.size)}).`;
    if (drivers === 'sample') $('bundle-input').value = '';
    specs.newBundle();
    sayChosen();
    inputsChanged();
  }

  async function setSpecFile(file) {
    specs.setOwn(file ? { name: file.name, text: await file.text() } : null);
    taken.spec = file ? `Spec: ${file.name} (your own).` : '';
    sayChosen();
    inputsChanged();
  }

  // Files given at once (a drop): the first bundle and the first .json are taken, the rest
  // named as ignored.
  function route(files) {
    const specFile = files.find((f) => /\.json$/i.test(f.name));
    const bundle = files.find((f) => !/\.json$/i.test(f.name));
    taken.ignored = files.filter((f) => f !== specFile && f !== bundle).map((f) => f.name);
    if (specFile) { showInInput('spec-input', specFile); setSpecFile(specFile); }
    if (bundle) { showInInput('bundle-input', bundle); setDrivers(bundle); }
    sayChosen();
  }

  // ---------- modes ----------

  // The report and manifest tables (view.js) are drawn from the core's JSON alone.
  const view = createView({ $, el, fmtBytes });
  const summary = createSummary({ $, fmtBytes });
  const windows = createWindows({ $, el, state, changed: () => inputsChanged() });
  let specTimer = 0;
  const specs = createSpecs({
    $, el, saveBlob, CUSTOM_SPEC, client: () => client, drivers: () => state.drivers, os: () => state.os[0] || null,
    changed: () => inputsChanged(),
  });
  const saver = createSaver({
    $, fmtBytes, saveBlob, isAbort, state, CHUNK, progress, render, restartAfterCancel,
    client: () => client, done: () => summary.done(),
  });

  // Verify mode lives in verify.js; it gets the helpers it shares with build mode.
  const verify = createVerifyMode({
    $, el, fmtBytes, saveBlob, isAbort, InputProblem, limitOptions, pageMessage,
    client: () => client,
    // Cancelling a verification stops the workers: start new ones; a build made before is
    // gone with them.
    async restartEngine() {
      client.terminate();
      await startClient();
      state.outputs = null;
      inputsChanged();
    },
  });

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
      $(id).addEventListener('click', () => { if (!state.busy && !verify.busy) setMode(id === 'mode-verify' ? 'verify' : 'build'); });
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

  function wire() {
    $('bundle-input').addEventListener('change', (e) => { if (e.target.files[0]) setDrivers(e.target.files[0]); });
    $('sample-button').addEventListener('click', () => setDrivers('sample'));
    $('spec-input').addEventListener('change', (e) => setSpecFile(e.target.files[0]));
    specs.wire((fn) => { clearTimeout(specTimer); specTimer = setTimeout(fn, TYPING_PAUSE); });
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
    const typed = () => inputsChanged(TYPING_PAUSE);
    for (const id of ['version', 'build-id', 'volume-label', 'source-date-epoch']) $(id).addEventListener('input', typed);
    $('signing-policy').addEventListener('change', () => inputsChanged());
    for (const input of document.querySelectorAll('[data-limit]')) input.addEventListener('input', typed);
    windows.wire();
    for (const id of ['target-os', 'restore-crlf']) $(id).addEventListener('change', () => inputsChanged());
    wireModes();
    verify.wire();
    $('source-date-epoch').addEventListener('input', showEpochDate);
    $('build-button').addEventListener('click', build);
    $('cancel-button').addEventListener('click', () => { if (state.busy) state.busy.controller.abort(); });
    for (const b of document.querySelectorAll('button.save')) b.addEventListener('click', () => saver.save(b.dataset.key));
    $('save-all').addEventListener('click', () => saver.saveAll());
    $('primary-action').addEventListener('click', () => (state.outputs ? saver.saveAll() : build()));
    $('summary-cancel').addEventListener('click', () => { if (state.busy) state.busy.controller.abort(); });
    $('findings-json').addEventListener('click', () => {
      if (!state.report) return;
      // The core's report as the worker returned it: the same JSON `guestpack --report` writes.
      saveBlob(new Blob([JSON.stringify(state.report, null, 2) + '\n'], { type: 'application/json' }), 'findings.json');
    });

    // Files dropped anywhere on the page are taken: by build mode, or by verify mode when it
    // is shown. (The browser would otherwise open the file in place of the page.)
    const drop = $('drop');
    const verifying = () => !$('verify-mode').hidden;
    window.addEventListener('dragover', (e) => {
      e.preventDefault();
      if (!state.busy && !verifying()) drop.classList.add('over');
    });
    for (const t of ['dragleave', 'dragend']) window.addEventListener(t, () => drop.classList.remove('over'));
    window.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const files = e.dataTransfer ? [...e.dataTransfer.files] : [];
      if (!files.length) return;
      if (verifying()) verify.take(files);
      else if (!state.busy) route(files);
    });
    // Leaving or reloading during a build or a save would lose it: the browser asks first.
    window.addEventListener('beforeunload', (e) => {
      if (state.busy && (state.busy.what === 'build' || state.busy.what === 'save')) {
        e.preventDefault();
        e.returnValue = '';
      }
    });
    // Leaving anyway: a streamed save is aborted, so the browser discards the half-written
    // file instead of leaving a truncated one under the output's name.
    window.addEventListener('pagehide', () => {
      if (state.busy) state.busy.controller.abort();
    });
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
    const shipped = await client.specs();
    specs.fill(shipped, shipped.defaultSpec);
    $('tool-version').textContent = shipped.version;
    for (const w of client.constants.windowsNames) $('target-os').append(el('option', { value: w, text: w }));
    $('engine').textContent = 'Ready. Everything below runs offline, in this tab.';
    $('engine').dataset.ready = '1';
    verify.render();
    document.documentElement.dataset.ready = '1';
    inputsChanged();
  }

  main();
})();
