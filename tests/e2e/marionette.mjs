// A minimal client for Firefox's Marionette protocol (length-prefixed JSON over TCP), enough
// to open a page in headless Firefox and run scripts in it. Used to check the single file in
// Firefox from file:// when Debian's firefox-esr is installed; no driver binary needed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

export async function firefox(binary) {
  const port = await freePort();
  const profile = mkdtempSync(join(tmpdir(), 'guestpack-ff-'));
  // Quiet, offline-friendly profile: nothing but the page should try the network.
  writeFileSync(join(profile, 'user.js'), [
    `user_pref("marionette.port", ${port});`,
    'user_pref("browser.shell.checkDefaultBrowser", false);',
    'user_pref("datareporting.policy.dataSubmissionEnabled", false);',
    'user_pref("app.update.disabledForTesting", true);',
    'user_pref("browser.aboutwelcome.enabled", false);',
  ].join('\n'));
  const proc = spawn(binary, ['--headless', '--marionette', '--no-remote', '--profile', profile], { stdio: 'ignore' });
  let sock;
  for (let i = 0; ; i++) {
    try {
      sock = await new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
      break;
    } catch (e) {
      if (i > 300) { proc.kill(); throw e; }
      await sleep(100);
    }
  }
  let buf = Buffer.alloc(0);
  const waiting = [];
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const colon = buf.indexOf(':');
      if (colon < 0) return;
      const len = Number(buf.subarray(0, colon).toString());
      if (buf.length < colon + 1 + len) return;
      const msg = JSON.parse(buf.subarray(colon + 1, colon + 1 + len).toString());
      buf = buf.subarray(colon + 1 + len);
      const w = waiting.shift();
      if (w) w(msg);
    }
  });
  const next = () => new Promise((r) => waiting.push(r));
  await next(); // the server's hello
  let id = 0;
  const command = async (name, params = {}) => {
    const msgId = ++id;
    const body = Buffer.from(JSON.stringify([0, msgId, name, params]));
    const reply = next();
    sock.write(`${body.length}:`);
    sock.write(body);
    const [, , error, result] = await reply;
    if (error) throw new Error(`${name}: ${error.error}: ${error.message}`);
    return result;
  };
  await command('WebDriver:NewSession', { capabilities: {} });
  return {
    navigate: (url) => command('WebDriver:Navigate', { url }),
    /** Runs `fn(...args)` in the page; a returned promise is awaited. */
    run: async (fn, ...args) => (await command('WebDriver:ExecuteScript', {
      script: `return (${fn}).apply(null, arguments)`, args })).value,
    async close() {
      try { await command('Marionette:Quit'); } catch { /* already gone */ }
      sock.destroy();
      proc.kill();
      await sleep(200);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
