// `shipline version`: shipline, Node, and the versions of the parts it talks to.
import type { Command } from 'commander';
import { loadConfig } from '../../pipelines/config/load.js';
import type { ComponentVersion } from '../../pipelines/cluster/versions.js';
import { withClusterFlags, type ClusterFlags } from '../command-kit/cluster-flags.js';
import { statusWord } from '../command-kit/colour.js';
import { printReport, withOutput, type OutputFlags } from '../command-kit/output-format.js';

interface VersionFlags extends ClusterFlags, OutputFlags {
  config?: string;
  timeout: string;
}

export function formatVersions(components: ComponentVersion[]): string {
  return components
    .map((c) => {
      const value = c.status === 'ok' ? (c.version ?? 'unknown version') : statusWord(c.status === 'absent' ? 'missing' : 'unreachable');
      return `${c.name.padEnd(9)} ${value}${c.detail ? ` (${c.detail})` : ''}`;
    })
    .join('\n');
}

/** The builder and kubeconfig the config names; without --config, a missing or invalid ./shipline.yaml names none. */
function configHints(file: string | undefined): { builder?: string; kubeconfig?: string } {
  try {
    const { config } = loadConfig(file);
    return { builder: config.builder.name, kubeconfig: config.cluster.kubeconfig };
  } catch (error) {
    if (file !== undefined) throw error;
    return {};
  }
}

export function registerVersionCommand(program: Command): void {
  withOutput(
    withClusterFlags(program.command('version'), false)
      .description('versions of shipline, Node and — when they answer — buildx, BuildKit, the cluster and its routing implementation')
      .option('-c, --config <file>', 'config naming the builder and cluster (default: ./shipline.yaml)')
      .option('--timeout <seconds>', 'how long each part may take to answer', '3'),
    ['json', 'yaml'],
  ).action(async (flags: VersionFlags) => {
    const seconds = Number(flags.timeout);
    if (!(seconds > 0 && Number.isFinite(seconds))) {
      const { InputError } = await import('../../pipelines/errors.js');
      throw new InputError(`--timeout ${flags.timeout}: not a positive number of seconds`, { hint: 'e.g. --timeout 3' });
    }
    const hints = configHints(flags.config);
    const { probeVersions } = await import('../../pipelines/cluster/versions.js');
    const components = await probeVersions({ kubeconfig: flags.kubeconfig, context: flags.context, builder: hints.builder, configKubeconfig: hints.kubeconfig, timeoutMs: seconds * 1000 });
    await printReport(flags, { kind: 'Version', data: { components }, text: () => formatVersions(components) });
  });
}
