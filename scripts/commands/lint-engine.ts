// lint's engine (manifests/lint.ts). From the bundle it is the classic script
// dist/cli/lint-engine.cjs, run with V8's compiled form of it kept in lint's cache (an ES
// module is compiled anew on every start: 85 ms instead of 50). From source (tsx, vitest)
// it is the module itself.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledFunction, readCode, saveCompiledCode } from '../../manifests/code-cache.js';

export type LintEngine = typeof import('../../manifests/lint.js');

export async function loadLintEngine(): Promise<LintEngine & { saveCompiledCode(): void }> {
  const script = fileURLToPath(new URL('./lint-engine.cjs', import.meta.url));
  if (!existsSync(script)) return { ...(await import('../../manifests/lint.js')), saveCompiledCode };
  const module = { exports: {} as LintEngine };
  const { code, key } = readCode(script);
  const run = compiledFunction(code, ['exports', 'require', 'module', '__filename', '__dirname'], script, 'lint-engine', key);
  run(module.exports, createRequire(script), module, script, dirname(script));
  return { ...module.exports, saveCompiledCode };
}
