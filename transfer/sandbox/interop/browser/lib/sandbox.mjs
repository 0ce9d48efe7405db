// A `ferry sandbox` process for one test file: started from the binary the
// make recipe built (FERRY_BIN), on a free loopback port, its store in a
// fresh temporary folder; read through its /_sandbox/ inspection routes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const startTimeoutMs = 20_000;
const stopTimeoutMs = 10_000;
const inspectTimeoutMs = 10_000;

/**
 * startSandbox runs `ferry sandbox --addr 127.0.0.1:0 --dir D ...args` and
 * resolves once it printed "ferry sandbox listening on URL". The result has
 * the base URL, the credentials (GET /_sandbox/credentials), tree(api),
 * log() and stop(), which ends the process and removes its folder.
 */
export async function startSandbox(args = []) {
  const bin = process.env.FERRY_BIN;
  if (!bin) {
    throw new Error('FERRY_BIN is not set: build ferry (go build -o DIR/ferry .) and set FERRY_BIN to it (make interop-browser does)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'ferry-interop-'));
  const child = spawn(bin, ['sandbox', '--addr', '127.0.0.1:0', '--dir', join(dir, 'store'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));
  let base;
  try {
    base = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`ferry sandbox printed no URL within ${startTimeoutMs} ms; stderr: ${err}`)),
        startTimeoutMs,
      );
      child.stdout.on('data', (d) => {
        out += d;
        const m = /ferry sandbox listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      exited.then(({ code, sig }) => {
        clearTimeout(timer);
        reject(new Error(`ferry sandbox exited (${code ?? sig}) before listening; stderr: ${err}`));
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const get = async (path) => {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(inspectTimeoutMs) });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const credentials = await get('/_sandbox/credentials');
  return {
    base,
    args,
    /** credential returns the credential api/kind/name ({value, note, ...}). */
    credential(api, kind, name) {
      const c = credentials.find((c) => c.api === api && c.kind === kind && (name === undefined || c.name === name));
      if (!c) throw new Error(`the sandbox lists no ${api} ${kind} ${name ?? ''} credential`);
      return c;
    },
    /** cred returns the value of the credential api/kind/name. */
    cred(api, kind, name) {
      return this.credential(api, kind, name).value;
    },
    /** tree lists the store entries of one API (/_sandbox/tree). */
    tree: (api) => get(`/_sandbox/tree?api=${encodeURIComponent(api)}`),
    /** log lists the recent requests, secrets redacted (/_sandbox/log). */
    log: () => get('/_sandbox/log'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
