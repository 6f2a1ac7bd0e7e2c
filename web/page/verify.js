// guestpack page, verify mode: checks an ISO or zip against the manifest.json at its root (or
// one the user chooses), in the packaging workers, and lists missing, changed and extra files.
// Loaded before app.js, which creates it with the page's shared helpers; it decides nothing
// about media itself (the core's verify does).
'use strict';

// eslint-disable-next-line no-unused-vars
function createVerifyMode(page) {
  const { $, el, fmtBytes, saveBlob, isAbort, InputProblem, limitOptions, pageMessage } = page;

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
    v.ignored = '';
    delete $('verify-status').dataset.verified;
  }

  function renderVerify() {
    const v = verifyState;
    const busy = !!v.busy;
    $('verify-button').disabled = busy || !v.media || !page.client();
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
    // Files dropped with the media that were not taken stay named under the result.
    if (v.ignored) status.textContent += ` ${v.ignored}`;
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
      const result = await page.client().verify(v.media, { manifestText: v.manifest ? v.manifest.text : undefined, signal: controller.signal, options: limits });
      if (generation === v.generation) v.result = result;
    } catch (e) {
      if (generation !== v.generation && !isAbort(e)) {
        // A failure of a verification nobody waits for any more: the next one reports.
      } else if (e instanceof InputProblem) {
        verifyStatus(`Cannot verify ${v.media.name}: ${e.message}`, 'bad');
      } else if (isAbort(e)) {
        verifyStatus('Verification cancelled.');
        // Cancelling stopped the workers: a build made before is gone with them.
        await page.restartEngine();
      } else {
        verifyStatus(`Cannot verify ${v.media.name}: ${pageMessage(e)}`, 'bad');
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

  // Files dropped on the page in verify mode: the first ISO or zip is the media, the first
  // .json its manifest; each is shown in its file input; the rest are named as ignored.
  async function take(files) {
    const v = verifyState;
    if (v.busy) return;
    const manifest = files.find((f) => /\.json$/i.test(f.name));
    const media = files.find((f) => f !== manifest);
    const ignored = files.filter((f) => f !== manifest && f !== media).map((f) => f.name);
    const show = (id, f) => {
      try { const dt = new DataTransfer(); dt.items.add(f); $(id).files = dt.files; } catch { /* named in the status */ }
    };
    if (manifest) {
      show('verify-manifest-input', manifest);
      v.manifest = { name: manifest.name, text: await manifest.text() };
    }
    if (media) { show('verify-input', media); v.media = media; }
    verifyChoiceChanged();
    v.ignored = ignored.length ? `Ignored: ${ignored.join(', ')} (one medium and one manifest at a time).` : '';
    const said = [media ? `Media: ${media.name} (${fmtBytes(media.size)}).` : '', manifest ? `Manifest: ${manifest.name}.` : '',
      v.ignored].filter(Boolean).join(' ');
    verifyStatus(v.media ? said : `${said} Now drop or choose the ISO or zip to verify.`);
    renderVerify();
    if (v.media) runVerify();
  }

  return {
    render: renderVerify,
    wire: wireVerify,
    take,
    /** True while a verification runs (the page then keeps the mode tabs still). */
    get busy() { return !!verifyState.busy; },
  };
}
