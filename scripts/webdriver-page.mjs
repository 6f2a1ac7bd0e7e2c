// Opens a page in headless Chromium through chromedriver (plain WebDriver over HTTP, no
// packages) and waits until the element #result holds a "N passed, N failed" line; prints
// the element's text. Usage: node webdriver-page.mjs URL [timeout-seconds]
import { spawn } from 'node:child_process';
import net from 'node:net';

const [url, timeoutArg] = process.argv.slice(2);
const timeout = Number(timeoutArg || 120) * 1000;
const driverBin = process.env.CHROMEDRIVER || '/usr/bin/chromedriver';

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const driver = spawn(driverBin, [`--port=${port}`], { stdio: 'ignore' });
const base = `http://127.0.0.1:${port}`;
const call = async (method, path, body) => {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const j = await r.json();
  if (j.value && j.value.error) throw new Error(`${path}: ${j.value.message}`);
  return j.value;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let session;
try {
  for (let i = 0; ; i++) {
    try { await call('GET', '/status'); break; } catch (e) { if (i > 100) throw e; await sleep(100); }
  }
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--disable-background-networking', '--disable-component-update', '--no-first-run'];
  session = (await call('POST', '/session', { capabilities: { alwaysMatch: { 'goog:chromeOptions': { args } } } })).sessionId;
  await call('POST', `/session/${session}/url`, { url });
  const end = Date.now() + timeout;
  let text = '';
  while (Date.now() < end) {
    text = await call('POST', `/session/${session}/execute/sync`, {
      script: "const e = document.getElementById('result'); return e ? e.textContent : '';", args: [] });
    if (/\d+ passed, \d+ failed/.test(text)) break;
    await sleep(200);
  }
  console.log(text || '(page produced no result)');
} finally {
  if (session) await call('DELETE', `/session/${session}`).catch(() => {});
  driver.kill();
}
