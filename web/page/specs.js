// guestpack page: the spec chooser and the spec panel. Shipped specs are listed by their own
// title; after a check the spec follows the bundle (the core's SPEC010 finding names the
// shipped spec that takes the bundle's driver folders) until the user picks one; the panel
// explains specs, shows and downloads them, and makes one from the bundle (core code, the
// same as `guestpack spec`) to edit in place. Loaded before app.js, which creates it.
'use strict';

// eslint-disable-next-line no-unused-vars
function createSpecs({ $, el, saveBlob, client, drivers, os, changed, CUSTOM_SPEC }) {
  const s = {
    details: [], // [{name, title, description, text}] of the shipped specs
    schema: '',
    picked: false, // the user chose a spec: it is no longer chosen for them
    reason: '', // why the spec in use was chosen for this bundle
    own: null, // {name, text}: a dropped spec.json or the one being edited
    editing: false,
  };

  function fill(specs, defaultSpec) {
    s.details = specs.details;
    s.schema = specs.schema;
    const select = $('spec-select');
    for (const d of s.details) {
      select.append(el('option', { value: d.name, text: d.title ? `${d.title} (${d.name})` : d.name }));
    }
    select.append(el('option', { value: CUSTOM_SPEC, text: 'Use my own spec.json…' }));
    select.value = specs.specs.includes(defaultSpec) ? defaultSpec : specs.specs[0];
    if (s.own) select.value = CUSTOM_SPEC;
    render();
  }

  function shipped(name) {
    return s.details.find((d) => d.name === name);
  }

  // The spec in use: {name, text} (shipped or the user's own), or null when none is at hand.
  function current() {
    const v = $('spec-select').value;
    if (v === CUSTOM_SPEC) return s.own;
    const d = shipped(v);
    return d ? { name: d.name, text: d.text } : null;
  }

  function render() {
    const d = shipped($('spec-select').value);
    $('spec-title').textContent = d && d.description ? d.description : '';
    $('spec-reason').hidden = !s.reason;
    $('spec-reason').textContent = s.reason;
    $('spec-make').disabled = !drivers();
    const now = current();
    $('spec-view').disabled = !now;
    $('spec-download').disabled = !now;
    if (!$('spec-text').hidden && now) $('spec-text').textContent = now.text;
  }

  // A new driver input: the spec follows it again, unless the user's own spec is chosen.
  function newBundle() {
    if ($('spec-select').value !== CUSTOM_SPEC) s.picked = false;
    s.reason = '';
    render();
  }

  // After a check: switches to the shipped spec the core found fits better, once per input,
  // and says why. Returns true when it switched (the caller checks again).
  function follow(report) {
    if (s.picked || $('spec-select').value === CUSTOM_SPEC || drivers() === 'sample') return false;
    const hint = report && report.findings.find((f) => f.code === 'SPEC010' && f.choice && f.choice.option === 'spec');
    const name = hint && hint.choice.values[0];
    if (!name || !shipped(name) || name === $('spec-select').value) return false;
    $('spec-select').value = name;
    s.reason = `Chosen for this bundle: ${hint.message.replace(/^the shipped spec /, '')}. Pick another above to change it.`;
    render();
    return true;
  }

  async function makeFromBundle() {
    const status = $('spec-editor-status');
    $('spec-editor-wrap').hidden = false;
    status.textContent = 'Making a spec from the driver folders…';
    try {
      const made = await client().makeSpec(drivers(), os() ? { os: os() } : {});
      if (!made.spec) {
        status.textContent = `No spec made: ${made.findings.map((f) => f.message).join('; ') || 'no driver folders found'}`;
        return;
      }
      $('spec-editor').value = made.spec;
      const spec = JSON.parse(made.spec);
      const n = spec.drivers.length;
      const tools = (spec.tools || []).map((t) => t.name);
      const withTools = tools.length ? `, and ${tools.length === 1 ? 'an optional tool' : `${tools.length} optional tools`} (${tools.join(', ')})` : '';
      useEdited(`Made from the bundle: ${n} driver folder${n === 1 ? '' : 's'}, each required where it is${withTools}. In use now; edit it here.`);
    } catch (e) {
      status.textContent = `No spec made: ${e.message}`;
    }
  }

  // The editor's text is the spec in use; the core parses it on the check that follows, so a
  // mistake shows as the check's error naming the field or line.
  function useEdited(message) {
    s.own = { name: 'my-spec.json', text: $('spec-editor').value };
    s.picked = true;
    s.reason = '';
    $('spec-select').value = CUSTOM_SPEC;
    $('spec-editor-status').textContent = message || '';
    render();
    changed();
  }

  function editorStatus(fatal) {
    if (!s.own || s.own.name !== 'my-spec.json' || $('spec-editor-wrap').hidden) return;
    const st = $('spec-editor-status');
    if (fatal) {
      st.textContent = `Not usable yet: ${fatal.message}`;
      st.className = 'hint bad';
    } else if (st.className.includes('bad')) {
      st.textContent = 'The spec reads correctly and is in use.';
      st.className = 'hint';
    }
  }

  function wire(typed) {
    $('spec-select').addEventListener('change', () => {
      s.picked = true;
      s.reason = '';
      render();
      changed();
    });
    $('spec-view').addEventListener('click', () => {
      const pre = $('spec-text');
      pre.hidden = !pre.hidden;
      $('spec-view').textContent = pre.hidden ? 'View the chosen spec' : 'Hide the spec';
      render();
    });
    $('spec-download').addEventListener('click', () => {
      const now = current();
      if (now) saveBlob(new Blob([now.text], { type: 'application/json' }), now.name);
    });
    $('schema-download').addEventListener('click', () => {
      saveBlob(new Blob([s.schema], { type: 'application/schema+json' }), 'packaging-spec.schema.json');
    });
    $('spec-make').addEventListener('click', makeFromBundle);
    $('spec-editor').addEventListener('input', () => typed(() => useEdited('')));
    $('spec-editor-download').addEventListener('click', () => {
      saveBlob(new Blob([$('spec-editor').value], { type: 'application/json' }), 'my-spec.json');
    });
  }

  return {
    fill, follow, newBundle, render, wire, current, editorStatus,
    /** A spec file the user dropped or chose: it is used as it is. */
    setOwn(spec) {
      s.own = spec;
      s.picked = !!spec;
      s.reason = '';
      if (spec) $('spec-select').value = CUSTOM_SPEC;
      render();
    },
    get reason() { return s.reason; },
  };
}
