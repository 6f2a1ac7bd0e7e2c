// guestpack page: the summary bar, the one place to look. It sits by the drop zone and stays
// in view on scroll; it says what the check found, what the media will hold, how far long
// work has come (with the time left once it can be told), and holds the one next step:
// Build, then Save all. Drawn from the page's state and the core's report alone. Loaded
// before app.js, which creates it.
'use strict';

// eslint-disable-next-line no-unused-vars
function createSummary({ $, fmtBytes }) {
  let started = null; // {label, at, from}: when the work on the bar began, for the time left

  // What the media will hold, from the report's package rows: per architecture (and per
  // Windows version, on media for several), driver folders taken of those found, those left
  // out and required ones missing. `label` names the group: "amd64", or "w10 amd64".
  function holdings(r) {
    const oses = [...new Set(r.packages.map((p) => p.os))];
    const arches = [...new Set(r.packages.map((p) => p.arch))].sort();
    const per = [];
    for (const os of oses) {
      for (const arch of arches) {
        const rows = r.packages.filter((p) => p.os === os && p.arch === arch);
        if (!rows.length) continue;
        const taken = rows.filter((p) => p.state === 'present').length;
        const found = taken + rows.filter((p) => p.state === 'unlisted').length;
        const missing = rows.filter((p) => p.state === 'missing' && p.required).length;
        per.push({ label: os ? `${os} ${arch}` : arch, taken, found, missing });
      }
    }
    return { per, several: oses.some((os) => os) };
  }

  function countsText(r) {
    const { per, several } = holdings(r);
    if (!per.length) return { text: 'No driver folders found.', most: false };
    const same = per.every((p) => p.taken === per[0].taken && p.found === per[0].found && p.missing === per[0].missing);
    const taken = (p) => `${p.taken} of ${p.found} driver folder${p.found === 1 ? '' : 's'}`;
    const rest = (p) => {
      const out = p.found - p.taken;
      return (out ? `; ${out} left out (not in the spec)` : '') + (p.missing ? `; ${p.missing} required missing` : '');
    };
    const each = several ? 'per Windows version and architecture' : 'per architecture';
    const text = same
      ? `${taken(per[0])} ${each} (${per.map((p) => p.label).join(', ')})${rest(per[0])}.`
      : `${per.map((p) => `${p.label}: ${taken(p)}${rest(p)}`).join(' · ')}.`;
    // Most of what was found left out: the media would be far from the bundle.
    const most = per.some((p) => p.found > 1 && p.taken * 2 < p.found);
    return { text, most };
  }

  function status(text, cls) {
    $('summary-status').textContent = text;
    $('summary-bar').className = `summary-bar ${cls || ''}`;
  }

  /** `s`: the page's state plus {engineReady, gate, primary: {label, enabled}}. */
  function render(s) {
    const r = s.report;
    let counts = '';
    if (!s.engineReady) status('Starting the packaging engine…');
    else if (!s.drivers) status('Choose a driver bundle (drop it anywhere on the page), or try the sample drivers.');
    else if (s.fatal) status(`Cannot check these inputs: ${s.fatalText}`, 'bad');
    else if (s.checking || !r) status('Checking…');
    else {
      const c = countsText(r);
      counts = c.text;
      if (r.errors) {
        status(`Rejected: ${r.errors} error${r.errors === 1 ? '' : 's'}${r.warnings ? `, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}` : ''}. Fix the errors to build (see Findings).`, 'bad');
      } else if (s.busy && s.busy.what === 'build') status('Building…', 'good');
      else if (s.busy) status(`Saving ${s.busy.name || ''}…`, 'good');
      else if (s.outputs) {
        const total = s.outputs.reduce((n, o) => n + o.len, 0);
        const saved = s.outputs.filter((o) => s.saved[o.key]);
        status(saved.length === s.outputs.length
          ? `Saved all three: ${saved.map((o) => o.name).join(', ')}.`
          : `Built: ${fmtBytes(total)} in three files.${saved.length ? ` Saved: ${saved.map((o) => o.name).join(', ')}.` : ' Save them.'}`, 'good');
      } else if (c.most) {
        status(`Accepted, but the media would leave out most of the bundle's driver folders${r.warnings ? ` (${r.warnings} warning${r.warnings === 1 ? '' : 's'})` : ''}: choose a spec that lists them, or make one.`, 'warn');
      } else {
        status(`Accepted${r.warnings ? ` with ${r.warnings} warning${r.warnings === 1 ? '' : 's'}` : ''}: ready to build.`, r.warnings ? 'good has-warnings' : 'good');
      }
    }
    $('summary-counts').textContent = counts;
    $('summary-counts').hidden = !counts;
    const b = $('primary-action');
    b.textContent = s.primary.label;
    b.disabled = !s.primary.enabled;
    $('summary-cancel').hidden = !s.busy;
    // Which inputs the bar speaks of (tests wait for the one after their own change).
    $('summary-bar').dataset.inputs = s.checking ? '' : String(s.generation);
  }

  /** Shows work in progress: `total` null for work of unknown length. */
  function progress(label, done, total) {
    const box = $('summary-progress');
    box.hidden = false;
    const bar = $('summary-progress-bar');
    if (!started || started.label !== label) started = { label, at: performance.now(), from: done || 0 };
    if (total == null) {
      bar.removeAttribute('value');
      $('summary-progress-text').textContent = label;
      return;
    }
    bar.max = Math.max(total, 1);
    bar.value = done;
    const pct = total ? Math.floor((done / total) * 100) : 100;
    let left = '';
    const secs = (performance.now() - started.at) / 1000;
    const moved = done - started.from;
    // Told once there is something to go by: a second of work and a few percent done.
    if (done < total && secs >= 1 && moved > 0 && moved / total >= 0.03) {
      const rest = Math.ceil(((total - done) / moved) * secs);
      left = ` · about ${rest < 60 ? `${rest} s` : `${Math.ceil(rest / 60)} min`} left`;
    }
    $('summary-progress-text').textContent = `${label}: ${fmtBytes(done)} of ${fmtBytes(total)} (${pct}%)${left}`;
    bar.dataset.value = String(done);
  }

  function done() {
    started = null;
    $('summary-progress').hidden = true;
  }

  /** True when the media would leave out most of the driver folders found (amber, not green). */
  function mostLeftOut(r) {
    return !!r && countsText(r).most;
  }

  return { render, progress, done, mostLeftOut };
}
