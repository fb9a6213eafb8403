// shipline.yaml given to `shipline lint` (or `shipline validate`): the whole config checked
// offline, every section, each problem as a lint finding with its line and its fix.
import { basename } from 'node:path';
import type { Finding } from '../../manifests/lint.js';
import type { YamlFile } from '../../pipelines/model/config-issues.js';
import { ShiplineError } from '../../pipelines/errors.js';

const sections = /^(image|builder|output|cache|attest|cluster|routing|rollout):/m;

/** A shipline.yaml by its name, or a YAML mapping of config sections with no apiVersion or kind. */
export function isConfigFile(file: string, text: string): boolean {
  if (/^shipline\.ya?ml$/.test(basename(file))) return true;
  return !/^(apiVersion|kind|items):/m.test(text) && !/^---/m.test(text) && sections.test(text);
}

/** The problems of a config file as lint findings (object `?`: a config has no Kind/name). */
export async function configFindings(path: string, file: string, options: { requireImage: boolean }): Promise<Finding[]> {
  // Loaded on use: the config schemas (zod) and the careful YAML parser are not needed to lint manifests.
  const [{ placedIssues, wholeConfigIssues }, { readYamlDocument }] = await Promise.all([import('../../pipelines/config/whole.js'), import('../../pipelines/model/config-issues.js')]);
  const base = { file, doc: 1, object: '?', severity: 'error' as const };
  let read: YamlFile;
  try {
    read = readYamlDocument(path, file);
  } catch (error) {
    if (!(error instanceof ShiplineError)) throw error;
    const at = /: line (\d+), column (\d+): /.exec(error.message);
    const message = error.message.replace(`${file}: `, '').replace(/^line \d+, column \d+: /, '');
    return [{ ...base, line: Number(at?.[1] ?? 1), column: Number(at?.[2] ?? 1), path: 'YAML', message: `YAML syntax: ${message}`, fix: error.hint ?? 'fix the YAML syntax' }];
  }
  return placedIssues(wholeConfigIssues(read.value, options), read.positions).map((issue) => ({
    ...base,
    line: issue.line ?? 1,
    column: issue.column ?? 1,
    path: issue.path,
    message: issue.message,
    fix: issue.fix,
  }));
}
