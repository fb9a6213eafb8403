// An etcd and a kube-apiserver of the test's own, from the stack's programs and PKI code,
// on free loopback ports with their own data: a fault test may hang (SIGSTOP) or kill
// them. There is no node: objects are stored and served, but no pod ever runs.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensurePki } from '../../../pipelines/stack/certs.js';
import { buildGoTool } from '../../../pipelines/stack/install.js';
import { paths } from '../../../pipelines/stack/layout.js';
import { freePort } from '../../../scripts/bench/fixtures/free-port.js';
import { TestProcess } from './test-process.js';

export class ApiserverInstance {
  readonly dir = mkdtempSync(join(tmpdir(), 'shipline-apiserver-'));
  private etcd?: TestProcess;
  private apiserver?: TestProcess;
  private argv: string[] = [];

  private constructor(readonly port: number) {}

  get kubeconfig(): string {
    return join(this.dir, 'kubeconfig');
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.apiserver?.pid;
  }

  static async start(): Promise<ApiserverInstance> {
    if (!existsSync(paths.kubeApiserver())) await buildGoTool('kube-apiserver');
    const instance = new ApiserverInstance(await freePort());
    const [client, peer] = [await freePort(), await freePort()];
    const pki = await ensurePki(join(instance.dir, 'pki'));
    const etcdUrl = `http://127.0.0.1:${client}`;
    instance.etcd = TestProcess.start(['/usr/bin/etcd',
      '--name=fault', `--data-dir=${join(instance.dir, 'etcd')}`, `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`, `--initial-cluster=fault=http://127.0.0.1:${peer}`, '--log-level=warn',
    ], { logFile: join(instance.dir, 'log') });
    instance.argv = [
      `--etcd-servers=${etcdUrl}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${instance.port}`, `--cert-dir=${pki.dir}`,
      `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`, `--client-ca-file=${pki.caCert}`,
      `--service-account-key-file=${pki.serviceAccountPub}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc', '--service-cluster-ip-range=10.0.0.0/24', '--authorization-mode=RBAC',
      '--enable-priority-and-fairness=false',
    ];
    const b64 = (file: string) => readFileSync(file).toString('base64');
    writeFileSync(instance.kubeconfig, stringify({
      apiVersion: 'v1', kind: 'Config',
      clusters: [{ name: 'fault', cluster: { server: instance.url, 'certificate-authority-data': b64(pki.caCert) } }],
      users: [{ name: 'admin', user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) } }],
      contexts: [{ name: 'fault', context: { cluster: 'fault', user: 'admin', namespace: 'default' } }],
      'current-context': 'fault',
    }), { mode: 0o600 });
    await instance.startApiserver();
    return instance;
  }

  /** Starts (or restarts, after kill) the apiserver and waits until it is ready. */
  async startApiserver(): Promise<void> {
    const apiserver = TestProcess.start([paths.kubeApiserver(), ...this.argv], { logFile: join(this.dir, 'log') });
    this.apiserver = apiserver;
    const pkiDir = join(this.dir, 'pki');
    const cert = readFileSync(join(pkiDir, 'admin.crt'));
    const key = readFileSync(join(pkiDir, 'admin.key'));
    const ca = readFileSync(join(pkiDir, 'ca.crt'));
    const { request } = await import('node:https');
    const ready = () => new Promise<boolean>((resolve) => {
      const req = request(`${this.url}/readyz`, { cert, key, ca, timeout: 2_000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    const deadline = Date.now() + 120_000;
    while (!(await ready())) {
      if (Date.now() > deadline || !apiserver.running) throw new Error(`kube-apiserver did not become ready on ${this.url} (log: ${this.dir}/log)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  hang(): void {
    this.apiserver?.hang();
  }

  resume(): void {
    this.apiserver?.resume();
  }

  async kill(): Promise<void> {
    await this.apiserver?.kill();
    this.apiserver = undefined;
  }

  async stop(): Promise<void> {
    await this.apiserver?.kill();
    await this.etcd?.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
