// guestpack page: saving the built media. Each output is streamed from the workers chunk by
// chunk into a file the user picked (File System Access) or, without that, collected and
// handed to the browser as a download. Chunks come as bytes and Blobs (slices of the dropped
// file and of compressed bytes the workers kept): Blobs go into the file or the download as
// they are, so most of an output's bytes never pass through the page. "Save all" writes the
// three at once into one folder the user picks (one dialog), or downloads the three at once.
// The page remembers which were saved. Loaded before app.js, which creates it.
'use strict';

// eslint-disable-next-line no-unused-vars
function createSaver(page) {
  const { $, fmtBytes, saveBlob, isAbort, state, CHUNK } = page;
  const params = new URLSearchParams(location.search);
  // ?download=1: every save control becomes a plain download (no dialog), for automation.
  const plain = params.get('download') === '1';
  const filePicker = typeof window.showSaveFilePicker === 'function' && !plain;
  const folderPicker = typeof window.showDirectoryPicker === 'function' && !plain;

  // Streams one output into `writable`, or downloads it when there is none. Throws on failure
  // (an abort as AbortError).
  async function write(out, writable, signal, onProgress = (n) => page.progress(`Saving ${out.name}`, n, out.len)) {
    const client = page.client();
    onProgress(0);
    await client.rewind(out.key);
    if (writable) {
      // Writes of up to 16 chunks: each write of a file is a round trip to the browser.
      await client.pump(out.key, writable, { chunk: CHUNK, signal, onProgress, blobs: true, batch: 16 * CHUNK });
    } else {
      const parts = [];
      let done = 0;
      for (;;) {
        const got = await client.nextParts(out.key, CHUNK, signal);
        if (got === undefined) break;
        for (const part of got) {
          parts.push(part);
          done += part instanceof Blob ? part.size : part.length;
        }
        onProgress(done);
      }
      saveBlob(new Blob(parts, { type: out.key === 'manifest' ? 'application/json' : 'application/octet-stream' }), out.name);
    }
    state.saved[out.key] = true;
  }

  // Runs `fn` as the page's one busy task (Cancel aborts it); says how it ended.
  async function busy(what, fn) {
    const controller = new AbortController();
    state.busy = { controller, what: 'save', name: what };
    $('build-note').textContent = '';
    page.render();
    try {
      await fn(controller.signal);
      return true;
    } catch (e) {
      if (isAbort(e)) await page.restartAfterCancel(`Saving ${what} cancelled; nothing more was written.`);
      else status(`Saving ${what} failed: ${e.message}`);
      return false;
    } finally {
      state.busy = null;
      page.done();
      page.render();
    }
  }

  function status(text) {
    $('save-mode').textContent = text;
  }

  async function save(key) {
    const out = state.outputs && state.outputs.find((o) => o.key === key);
    if (!out) return;
    let writable = null;
    if (filePicker) {
      try {
        const handle = await window.showSaveFilePicker({ suggestedName: out.name, id: 'guestpack-output' });
        writable = await handle.createWritable();
      } catch (e) {
        if (isAbort(e)) return; // the dialog was dismissed
        status(`Could not open a file to save ${out.name}: ${e.message}. Offering a download instead.`);
      }
    }
    if (await busy(out.name, (signal) => write(out, writable, signal))) {
      status(`${out.name} saved (${fmtBytes(out.len)}).`);
    }
  }

  async function saveAll() {
    const outs = state.outputs || [];
    if (!outs.length) return;
    let folder = null;
    if (folderPicker) {
      try {
        folder = await window.showDirectoryPicker({ id: 'guestpack-outputs', mode: 'readwrite' });
      } catch (e) {
        if (isAbort(e)) return; // the dialog was dismissed
        status(`Could not open a folder: ${e.message}. Downloading the three files instead.`);
      }
    }
    // The three at once: the workers make the zip's pieces while the browser writes the
    // image's, and one bar shows all of it.
    const ok = await busy('all three files', async (signal) => {
      const total = outs.reduce((n, o) => n + o.len, 0);
      const done = outs.map(() => 0);
      const label = 'Saving all three files';
      page.progress(label, 0, total);
      const writables = [];
      for (const out of outs) {
        writables.push(folder ? await (await folder.getFileHandle(out.name, { create: true })).createWritable() : null);
      }
      await Promise.all(outs.map((out, i) => write(out, writables[i], signal, (n) => {
        done[i] = n;
        page.progress(label, done.reduce((a, b) => a + b, 0), total);
      })));
    });
    if (ok) {
      status(folder
        ? `Saved ${outs.map((o) => o.name).join(', ')} into the folder “${folder.name}”.`
        : `Downloaded ${outs.map((o) => o.name).join(', ')}.`);
    }
  }

  function render() {
    for (const o of state.outputs || []) {
      const b = $(`download-${o.key}`);
      b.textContent = `${filePicker ? 'Save' : 'Download'} ${o.name}`;
      b.disabled = !!state.busy;
      $(`size-${o.key}`).textContent = fmtBytes(o.len);
      const mark = $(`saved-${o.key}`);
      mark.textContent = state.saved[o.key] ? 'saved' : 'not saved yet';
      mark.className = `saved pill ${state.saved[o.key] ? 'good' : 'muted'}`;
    }
    $('save-all').disabled = !!state.busy;
    $('save-all').textContent = folderPicker ? 'Save all into a folder…' : 'Download all three';
    if (state.outputs && !$('save-mode').textContent) {
      status(folderPicker
        ? '“Save all” asks for a folder once and streams the three files into it; each button below saves one file where you choose.'
        : 'Each button downloads its file through your browser; “Download all three” downloads them at once.');
    }
    if (!state.outputs) status('');
  }

  return { save, saveAll, render, get folderPicker() { return folderPicker; } };
}
