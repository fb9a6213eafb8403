// Which kubeconfig a command uses, with kubectl's precedence: --kubeconfig, then the
// config's cluster.kubeconfig, then KUBECONFIG (a colon-separated list, merged as kubectl
// merges it), then ~/.kube/config, then the local stack's. Errors name the file or
// context that is missing and list the contexts that exist.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '../adapters/kube-config.js';
import { InputError, PreconditionError } from '../errors.js';
import { localStackKubeconfig } from '../local-stack-paths.js';

export interface KubeconfigChoice {
  /** Where the files came from, for messages. */
  source: '--kubeconfig' | 'cluster.kubeconfig' | 'KUBECONFIG' | '~/.kube/config' | 'local stack';
  /** The files read, in order (several only from KUBECONFIG). */
  files: string[];
}

export interface KubeconfigRequest {
  kubeconfig?: string;
  configKubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** Picks the files; throws when an explicitly named file does not exist. */
export function chooseKubeconfig(request: KubeconfigRequest): KubeconfigChoice {
  const env = request.env ?? process.env;
  if (request.kubeconfig !== undefined) return explicit('--kubeconfig', request.kubeconfig);
  if (request.configKubeconfig !== undefined) return explicit('cluster.kubeconfig', request.configKubeconfig);
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (listed.length > 0) {
    // As kubectl: files of the list that do not exist are skipped; none at all is an error.
    const files = [...new Set(listed)].filter((p) => existsSync(p));
    if (files.length === 0) {
      throw new PreconditionError(`KUBECONFIG names ${listed.join(delimiter)}: no such file`, {
        hint: 'point KUBECONFIG at an existing kubeconfig, or unset it to use ~/.kube/config',
      });
    }
    return { source: 'KUBECONFIG', files };
  }
  const home = join(request.home ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return { source: '~/.kube/config', files: [home] };
  const stack = localStackKubeconfig();
  if (!existsSync(stack)) {
    throw new PreconditionError(`no kubeconfig: KUBECONFIG is unset, ${home} does not exist, and the local stack's ${stack} does not either`, {
      hint: 'pass --kubeconfig FILE, set KUBECONFIG, or start the local cluster with `npm run stack:up`',
    });
  }
  return { source: 'local stack', files: [stack] };
}

function explicit(source: '--kubeconfig' | 'cluster.kubeconfig', file: string): KubeconfigChoice {
  if (!existsSync(file)) {
    throw new InputError(`${source} ${file}: no such file`, {
      hint: source === '--kubeconfig' ? 'check the path given to --kubeconfig' : 'check cluster.kubeconfig in the config, or pass --kubeconfig',
    });
  }
  return { source, files: [file] };
}

/** Reads the files and merges them as kubectl does: the first file to set a name or the current context wins. */
export function readKubeconfig(choice: KubeconfigChoice): KubeConfig {
  const parts = choice.files.map((file) => {
    const config = new KubeConfig();
    try {
      config.loadFromFile(file);
    } catch (error) {
      throw new InputError(`kubeconfig ${file}: cannot read (${(error as Error).message.split('\n')[0]})`, {
        hint: 'check that it is a kubeconfig file (kubectl config view --kubeconfig FILE)',
      });
    }
    return config;
  });
  if (parts.length === 1) return parts[0]!;
  const firstByName = <T extends { name: string }>(lists: T[][]) => {
    const seen = new Map<string, T>();
    for (const item of lists.flat()) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: firstByName(parts.map((p) => p.clusters)),
    users: firstByName(parts.map((p) => p.users)),
    contexts: firstByName(parts.map((p) => p.contexts)),
    currentContext: parts.map((p) => p.currentContext).find((c) => c) ?? '',
  });
  return merged;
}

/** Selects the context (--context, else the file's current one) and checks it and its cluster exist. */
export function selectContext(config: KubeConfig, choice: KubeconfigChoice, context: string | undefined): void {
  const where = choice.files.join(delimiter);
  const names = config.contexts.map((c) => c.name);
  const list = names.length > 0 ? `contexts: ${names.join(', ')}` : 'it has no contexts';
  if (context !== undefined) {
    if (!names.includes(context)) {
      throw new InputError(`context ${context} is not in ${where}; ${list}`, {
        hint: names.length > 0 ? `pass one of them with --context, or another file with --kubeconfig` : 'pass another file with --kubeconfig',
      });
    }
    config.setCurrentContext(context);
  } else if (!config.currentContext) {
    throw new PreconditionError(`${where} sets no current context; ${list}`, {
      hint: names.length > 0 ? `pass --context ${names[0]} (or set one with \`kubectl config use-context\`)` : 'pass another file with --kubeconfig',
    });
  } else if (!names.includes(config.currentContext)) {
    throw new PreconditionError(`the current context ${config.currentContext} of ${where} is not defined in it; ${list}`, {
      hint: 'pass --context NAME, or fix current-context with `kubectl config use-context`',
    });
  }
  const selected = config.getContextObject(config.currentContext)!;
  if (!config.getCluster(selected.cluster)) {
    const clusters = config.clusters.map((c) => c.name);
    throw new PreconditionError(`context ${selected.name} names cluster ${selected.cluster}, which is not in ${where}; clusters: ${clusters.join(', ') || 'none'}`, {
      hint: 'fix the context in the kubeconfig (kubectl config set-context)',
    });
  }
}
