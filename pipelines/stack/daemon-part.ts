// A Part that is one long-running program on loopback ports.
import { PreconditionError } from '../errors.js';
import { recordedPid, requireFreePorts, runningPid, startDaemon, stopDaemon, waitUntil } from './daemon.js';
import type { Part, PartStatus } from './part.js';

export interface DaemonSpec {
  name: string;
  address: string;
  ports: readonly number[];
  debianPackages?: readonly string[];
  install?(): Promise<void>;
  /** Prepares config and state files; runs before every start. */
  prepare?(): Promise<void>;
  argv(): readonly string[];
  env?(): NodeJS.ProcessEnv;
  ready(): Promise<boolean>;
  version(): Promise<string>;
  startTimeoutMs?: number;
}

export function daemonPart(spec: DaemonSpec): Part {
  return {
    name: spec.name,
    debianPackages: spec.debianPackages,
    install: spec.install,
    async start() {
      if (runningPid(spec.name) !== undefined) {
        await waitUntil(spec.name, spec.ready, spec.startTimeoutMs ?? 60_000);
        return;
      }
      if (recordedPid(spec.name) !== undefined) await stopDaemon(spec.name);
      if (await spec.ready().catch(() => false)) {
        throw new PreconditionError(`${spec.name}: something the stack did not start already answers at ${spec.address}`, {
          hint: 'stop it, or run `stack down` if an earlier stack lost its PID files',
        });
      }
      await requireFreePorts(spec.name, spec.ports);
      await spec.prepare?.();
      startDaemon(spec.name, spec.argv(), spec.env?.());
      await waitUntil(spec.name, spec.ready, spec.startTimeoutMs ?? 60_000);
    },
    async stop() {
      await stopDaemon(spec.name);
    },
    async status(): Promise<PartStatus> {
      const ours = runningPid(spec.name) !== undefined;
      const up = await spec.ready().catch(() => false);
      return {
        name: spec.name,
        version: up ? await spec.version().catch(() => 'unknown') : '-',
        address: spec.address,
        up,
        note: up && !ours ? 'not started by the stack' : !up && ours ? 'process alive but not answering' : undefined,
      };
    },
  };
}
