// A Prometheus of the test's own (the stack's program, /usr/bin/prometheus) on a free
// loopback port with its own storage: a fault test may hang (SIGSTOP) or kill it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../scripts/bench/fixtures/free-port.js';
import { TestProcess } from './test-process.js';

export class PrometheusInstance {
  private child?: TestProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'shipline-prometheus-'));

  private constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrometheusInstance> {
    const instance = new PrometheusInstance(await freePort());
    const config = join(instance.dir, 'prometheus.yml');
    writeFileSync(config, 'global: { scrape_interval: 15s }\nscrape_configs: []\n');
    const child = TestProcess.start([
      '/usr/bin/prometheus',
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(instance.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${instance.port}`,
    ], { logFile: join(instance.dir, 'prometheus.log') });
    instance.child = child;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`${instance.url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return instance;
      if (Date.now() > deadline || !child.running) throw new Error(`Prometheus did not come up on ${instance.url} (log: ${instance.dir}/prometheus.log)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  hang(): void {
    this.child?.hang();
  }

  resume(): void {
    this.child?.resume();
  }

  async stop(): Promise<void> {
    await this.child?.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
