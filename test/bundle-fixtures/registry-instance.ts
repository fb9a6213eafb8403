// A registry instance of our own (Debian docker-registry) on a free loopback port, with its
// own storage, optionally behind htpasswd or token auth; stopped and restarted by PID.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, type RunningProcess } from '../../pipelines/adapters/process.js';
import { freePort } from '../support/free-port.js';

export { freePort };

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'htpasswd'; file: string }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };


async function waitUntilUp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === 200 || res.status === 401) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`registry at ${url} did not come up in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class RegistryInstance {
  private child: { process: RunningProcess; exited: boolean } | undefined;
  readonly dir: string;

  private constructor(
    readonly port: number,
    private readonly auth: RegistryAuth,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'shipline-registry-'));
    mkdirSync(join(this.dir, 'data'));
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.process.pid;
  }

  static async start(auth: RegistryAuth = { kind: 'none' }): Promise<RegistryInstance> {
    const instance = new RegistryInstance(await freePort(), auth);
    await instance.startProcess();
    return instance;
  }

  private config(): string {
    const lines = [
      'version: 0.1',
      'log: { level: error, accesslog: { disabled: true } }',
      'storage:',
      `  filesystem: { rootdirectory: ${JSON.stringify(join(this.dir, 'data'))} }`,
      '  delete: { enabled: true }',
      `http: { addr: "${this.address}", secret: "shipline-test" }`,
    ];
    if (this.auth.kind === 'htpasswd') lines.push('auth:', `  htpasswd: { realm: shipline-test, path: ${JSON.stringify(this.auth.file)} }`);
    if (this.auth.kind === 'token') {
      const a = this.auth;
      lines.push('auth:', '  token:', `    realm: ${JSON.stringify(a.realm)}`, `    service: ${a.service}`, `    issuer: ${a.issuer}`, `    rootcertbundle: ${JSON.stringify(a.rootCertBundle)}`);
    }
    return `${lines.join('\n')}\n`;
  }

  async startProcess(): Promise<void> {
    const configFile = join(this.dir, 'config.yml');
    writeFileSync(configFile, this.config());
    const log = join(this.dir, 'registry.log');
    const child = { process: start(['docker-registry', 'serve', configFile], { nothrow: true, onStdout: (chunk) => appendFileSync(log, chunk), onStderr: (chunk) => appendFileSync(log, chunk) }), exited: false };
    void child.process.result.finally(() => (child.exited = true));
    this.child = child;
    await waitUntilUp(`http://${this.address}/v2/`, 15_000);
  }

  /** SIGKILL, as a crash would; storage is kept for a restart. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exited) return;
    process.kill(child.process.pid, 'SIGKILL');
    await child.process.result;
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
