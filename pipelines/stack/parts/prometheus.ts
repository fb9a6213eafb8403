// Prometheus (Debian) on 127.0.0.1:9090 for rollout gates. It scrapes whatever target
// files are dropped into its targets/ folder (file service discovery), every second.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../adapters/process.js';
import { daemonPart } from '../daemon-part.js';
import { host, paths, ports } from '../layout.js';
import { answers } from '../probe.js';

export const prometheusUrl = `http://${host}:${ports.prometheus}`;
const dir = () => join(paths.state(), 'prometheus');
/** Drop `<name>.json` ([{ targets: ["127.0.0.1:18080"], labels: {...} }]) here to have it scraped. */
export const prometheusTargetsDir = () => join(dir(), 'targets');

export const prometheus = daemonPart({
  name: 'prometheus',
  address: prometheusUrl,
  ports: [ports.prometheus],
  debianPackages: ['prometheus'],
  async prepare() {
    mkdirSync(prometheusTargetsDir(), { recursive: true });
    mkdirSync(join(dir(), 'data'), { recursive: true });
    writeFileSync(
      join(dir(), 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: shipline',
        '    metrics_path: /cgi-bin/metrics',
        '    file_sd_configs:',
        `      - files: [${JSON.stringify(join(prometheusTargetsDir(), '*.json'))}]`,
        '        refresh_interval: 1s',
        // The data plane's own request counts and latencies, per backend Service.
        '  - job_name: traefik',
        '    static_configs:',
        `      - targets: [${JSON.stringify(`${host}:${ports.traefikInternal}`)}]`,
        '',
      ].join('\n'),
    );
  },
  argv: () => [
    '/usr/bin/prometheus',
    `--config.file=${join(dir(), 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir(), 'data')}`,
    `--web.listen-address=${host}:${ports.prometheus}`,
    '--storage.tsdb.retention.time=1d',
  ],
  ready: () => answers(`${prometheusUrl}/-/ready`),
  async version() {
    const out = await run(['/usr/bin/prometheus', '--version'], { nothrow: true });
    return /version (\S+)/.exec(out.stdout + out.stderr)?.[1] ?? 'unknown';
  },
});
