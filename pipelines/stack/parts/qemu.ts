// arm64 on amd64: QEMU user emulation registered with binfmt_misc (flag F, so the
// interpreter is opened at registration and works inside BuildKit's containers).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { run } from '../../adapters/process.js';
import { ExternalError } from '../../errors.js';
import type { Part, PartStatus } from '../part.js';

const binfmtDir = '/proc/sys/fs/binfmt_misc';
const entry = `${binfmtDir}/qemu-aarch64`;
const debianRule = '/usr/lib/binfmt.d/qemu-aarch64.conf';
const interpreter = '/usr/bin/qemu-aarch64-static';

async function qemuVersion(): Promise<string> {
  const result = await run([interpreter, '--version'], { nothrow: true });
  return /version (\S+)/.exec(result.stdout)?.[1] ?? 'unknown';
}

function registered(): boolean {
  try {
    return readFileSync(entry, 'utf8').startsWith('enabled');
  } catch {
    return false;
  }
}

export const qemu: Part = {
  name: 'qemu-binfmt',
  debianPackages: ['qemu-user-static'],
  async start() {
    if (registered()) return;
    if (!existsSync(`${binfmtDir}/register`)) {
      await run(['mount', '-t', 'binfmt_misc', 'binfmt_misc', binfmtDir]).catch((error: unknown) => {
        throw new ExternalError(`qemu-binfmt: cannot mount binfmt_misc on ${binfmtDir}`, {
          cause: error,
          hint: 'run as root on a kernel with binfmt_misc, or add an arm64 buildkitd node instead',
        });
      });
    }
    const rule = existsSync(debianRule)
      ? readFileSync(debianRule, 'utf8').trim()
      : ':qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/bin/qemu-aarch64-static:OCF';
    try {
      writeFileSync(`${binfmtDir}/register`, rule);
    } catch (error) {
      throw new ExternalError(`qemu-binfmt: cannot register qemu-aarch64 with binfmt_misc: ${String(error)}`);
    }
    if (!registered()) throw new ExternalError('qemu-binfmt: registration did not take effect');
  },
  // Registration is kernel state, not a process; leaving it is harmless and other
  // builders on the machine may rely on it.
  async stop() {},
  async status(): Promise<PartStatus> {
    const up = registered();
    return {
      name: this.name,
      version: existsSync(interpreter) ? await qemuVersion() : 'not installed',
      address: entry,
      up,
      note: up ? undefined : 'qemu-aarch64 is not registered with binfmt_misc',
    };
  },
};
