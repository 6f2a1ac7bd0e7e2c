// guestpack page: which Windows versions the media is for, when the driver input has OS
// folders (virtio-win <driver>/<os>/<arch>, or Win7/, Win10/ … above flat arch folders). The
// menu chooses the first; ticks add the others to the same medium. The choice lives in
// state.os (the menu's, then the ticked ones in the input's order), which app.js passes to the
// core as the `os` option. Loaded before app.js, which creates it.
'use strict';

// eslint-disable-next-line no-unused-vars
function createWindows({ $, el, state, changed }) {
  // The menu appears once a check found OS folders and lists exactly those.
  function render(r) {
    const oses = (r && r.layout && r.layout.oses) || [];
    const field = $('os-field');
    if (!oses.length) {
      // Keep the choice while a new check runs; drop it once the input has no OS folders.
      if (r && !state.checking) field.hidden = true;
      return;
    }
    field.hidden = false;
    const select = $('os-select');
    const chosen = (r.layout.os || state.os[0] || '');
    const want = ['', ...oses];
    const have = [...select.options].map((o) => o.value);
    if (want.join('\n') !== have.join('\n')) {
      select.replaceChildren(el('option', { value: '', text: `Choose one of ${oses.length}…`, disabled: true }),
        ...oses.map((os) => el('option', { value: os, text: os })));
    }
    select.value = oses.find((o) => o.toLowerCase() === chosen.toLowerCase()) || '';
    $('os-hint').textContent = oses.length > 1
      ? `The bundle has drivers for ${oses.length} Windows versions (its OS folders); the one chosen is packaged, and any ticked below with it.`
      : `The bundle's drivers are for ${oses[0]} (its only OS folder).`;
    renderMore(oses, select.value);
  }

  // Ticks for the other OS folders, once a first one is chosen.
  function renderMore(oses, first) {
    const others = first ? oses.filter((o) => o !== first) : [];
    $('os-more').hidden = !others.length;
    const list = $('os-more-list');
    const have = [...list.querySelectorAll('input')].map((i) => i.value);
    if (have.join('\n') !== others.join('\n')) {
      list.replaceChildren(...others.map((os) => el('label', {},
        el('input', { type: 'checkbox', value: os, 'data-testid': `os-more-${os}` }), ` ${os}`)));
    }
    for (const tick of list.querySelectorAll('input')) tick.checked = state.os.slice(1).includes(tick.value);
  }

  function disable(busy) {
    for (const tick of $('os-more-list').querySelectorAll('input')) tick.disabled = busy;
  }

  function wire() {
    $('os-select').addEventListener('change', (e) => {
      const first = e.target.value;
      state.os = first ? [first, ...state.os.slice(1).filter((o) => o !== first)] : [];
      changed();
    });
    $('os-more-list').addEventListener('change', () => {
      const ticked = [...$('os-more-list').querySelectorAll('input:checked')].map((i) => i.value);
      state.os = [state.os[0], ...ticked];
      changed();
    });
  }

  return { render, disable, wire };
}
