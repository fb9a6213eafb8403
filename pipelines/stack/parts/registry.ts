// The OCI distribution registry (Debian docker-registry) on 127.0.0.1:5000, plain HTTP.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../adapters/process.js';
import { daemonPart } from '../daemon-part.js';
import { paths, ports, registryAddress } from '../layout.js';
import { answers } from '../probe.js';

const dir = () => join(paths.state(), 'registry');
const configFile = () => join(dir(), 'config.yml');

export const registry = daemonPart({
  name: 'registry',
  address: `http://${registryAddress}`,
  ports: [ports.registry],
  debianPackages: ['docker-registry'],
  async prepare() {
    mkdirSync(join(dir(), 'data'), { recursive: true });
    writeFileSync(
      configFile(),
      [
        'version: 0.1',
        'log: { level: warn }',
        'storage:',
        `  filesystem: { rootdirectory: ${JSON.stringify(join(dir(), 'data'))} }`,
        '  delete: { enabled: true }',
        `http: { addr: "${registryAddress}" }`,
        '',
      ].join('\n'),
    );
  },
  argv: () => ['docker-registry', 'serve', configFile()],
  ready: () => answers(`http://${registryAddress}/v2/`),
  async version() {
    const out = (await run(['docker-registry', '--version'])).stdout;
    return /(\d+\.\d+\.\d+\S*)/.exec(out)?.[1] ?? out.trim();
  },
});
