// `shipline lint [FILE|DIR|-]... [-f FILE|DIR|-]... [-R]`: offline checks of hand-written
// Istio / Gateway API manifests against the real CRD schemas and shipline's routing rules.
import type { Command } from 'commander';
import { progress } from '../../pipelines/verbosity.js';
import { InputError } from '../../pipelines/errors.js';
import { readInputFiles } from '../../pipelines/input-files.js';
import type { Finding, LintResult } from '../../manifests/lint.js';
import { outputFormat, printReport, withOutput, type OutputFlags } from '../command-kit/output-format.js';
import { loadLintEngine } from './lint-engine.js';
import { configFindings, isConfigFile } from './lint-config.js';
import type { ClusterFlags } from '../command-kit/cluster-flags.js';

interface LintFlags extends OutputFlags, ClusterFlags {
  filename: string[];
  recursive?: boolean;
  strict?: boolean;
  cluster?: boolean;
}

/** Standard input is named so in messages, as compilers name it. */
const stdinName = '<stdin>';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The LintResult document of `-o json|yaml` (schema/output/LintResult.schema.json). */
export function lintDocument(files: number, result: LintResult, formatAt: (f: Finding) => string) {
  return {
    valid: !result.findings.some((f) => f.severity === 'error'),
    files,
    documents: result.documents,
    checkedKinds: result.checkedKinds,
    findings: result.findings.map((f) => ({
      file: f.file,
      line: f.line,
      column: f.column,
      document: f.doc,
      ...(f.item ? { item: f.item } : {}),
      object: f.object,
      path: f.path,
      severity: f.severity,
      message: f.message,
      fix: f.fix,
      text: formatAt(f),
    })),
    notes: result.skipped,
  };
}

/** The one line a clean lint prints: what was read and which kinds were checked. */
export function lintSummary(files: number, result: LintResult): string {
  const kinds = result.checkedKinds.length > 0 ? `kinds checked: ${result.checkedKinds.join(', ')}` : 'no routing kind checked';
  const warnings = result.findings.filter((f) => f.severity === 'warning').length;
  return `lint: ${plural(files, 'file')}, ${plural(result.documents, 'document')}, ${kinds}; ${warnings > 0 ? `no errors, ${plural(warnings, 'warning')}` : 'no findings'}`;
}

/** Each finding as compilers print it, and under it the fix. */
export function lintText(result: LintResult, formatAt: (f: Finding) => string): string {
  return result.findings.map((f) => `${formatAt(f)}\n  fix: ${f.fix}`).join('\n');
}

export function registerLintCommands(program: Command): void {
  registerValidateCommand(program);
  withOutput(
    program
      .command('lint')
      .description('check Istio / Gateway API manifests offline against their CRD schemas, CEL rules and routing rules')
      .argument('[paths...]', 'YAML or JSON files, folders of them, or - for standard input; a shipline.yaml is checked as a whole config')
      .option('-f, --filename <path>', 'a file, a folder or - (standard input); repeatable', (path: string, paths: string[]) => [...paths, path], [])
      .option('-R, --recursive', "read the folders' subfolders too")
      .option('--strict', 'API versions the bundled CRDs no longer serve (but earlier or experimental releases do) are errors, not warnings')
      .option('--cluster', 'ask the cluster whether it serves those API versions: an error when it does not, a warning when it does')
      .option('--kubeconfig <file>', 'with --cluster: the kubeconfig (default: KUBECONFIG, ~/.kube/config, else the local stack)')
      .option('--context <name>', 'with --cluster: the kube context (default: the kubeconfig\'s current one)')
      .addHelpText(
        'after',
        '\nFindings are printed as file:line:column: Kind/name field: message, each followed by its fix;\nexit code 2 when there are errors (warnings too with --strict).',
      ),
    ['json', 'yaml'],
  ).action(async (paths: string[], flags: LintFlags) => {
    const given = [...flags.filename, ...paths];
    if (given.length === 0) {
      throw new InputError('lint: no manifests given', { hint: 'name files or folders (shipline lint FILE... or -f DIR), or pipe them in with -f -' });
    }
    // Large inputs: worker threads start loading the engine while this thread reads the files.
    const { countInputFiles, lintThreads, startLintPool } = await import('./lint-pool.js');
    const pool = startLintPool(lintThreads(countInputFiles(given, flags.recursive)) - 1);
    try {
      const files = readInputFiles(given, { flag: '-f', recursive: flags.recursive }).map((f) => ({ file: f.file === '-' ? stdinName : f.file, text: f.text }));
      // A shipline.yaml among them is checked as a whole config; the rest as manifests.
      const configs = files.filter((f) => f.file !== stdinName && isConfigFile(f.file, f.text));
      const manifests = files.filter((f) => !configs.includes(f));
      // Loaded on use: the CRD schemas, validators and CEL are not needed by other commands.
      const engine = await loadLintEngine();
      const { formatFindingAt, saveCompiledCode } = engine;
      const result = pool ? await pool.lint(engine, manifests, { strict: flags.strict }) : engine.lintManifests(manifests, { strict: flags.strict });
      saveCompiledCode();
      if (flags.cluster) await (await import('./lint-cluster.js')).askCluster(result.findings, flags);
      if (configs.length > 0) {
        const order = new Map(files.map((f, i) => [f.file, i]));
        const fromConfigs = (await Promise.all(configs.map((f) => configFindings(f.file, f.file, { requireImage: false })))).flat();
        result.findings = [...result.findings, ...fromConfigs].sort((a, b) => order.get(a.file)! - order.get(b.file)!);
        result.checkedKinds = [...result.checkedKinds, 'shipline.yaml'].sort();
        result.documents += configs.length;
      }
      const errors = result.findings.filter((f) => f.severity === 'error');
      // Machine-readable output carries them as notes.
      if (outputFormat(flags) === 'text') for (const note of result.skipped) progress(note);
      await printReport(flags, {
        kind: 'LintResult',
        data: lintDocument(files.length, result, formatFindingAt),
        text: () => [lintText(result, formatFindingAt), errors.length === 0 ? lintSummary(files.length, result) : ''].filter(Boolean).join('\n'),
      });
      if (errors.length > 0) {
        // The CLI exits at once on an error: a pipe (shipline lint DIR | less) gets every finding first.
        await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
        const where = new Set(errors.map((f) => f.file)).size;
        throw new InputError(`${plural(errors.length, 'finding')} in ${plural(where, 'file')}`, { hint: 'change each field as its fix line above says, then run shipline lint again' });
      }
    } finally {
      pool?.close();
    }
  });
}

/** `shipline validate [FILE]`: the whole shipline.yaml checked offline, every section. */
function registerValidateCommand(program: Command): void {
  withOutput(
    program
      .command('validate')
      .description('check the whole shipline.yaml offline: every section, each problem with its line and fix (did-you-mean, what the field takes)')
      .argument('[file]', 'the config (default: shipline.yaml in this folder or a parent up to the git root)'),
    ['json', 'yaml'],
  ).action(async (file: string | undefined, flags: OutputFlags) => {
    const [{ findConfig }, { embeddedDefault }, { wholeConfigIssues }] = await Promise.all([
      import('../../pipelines/config/find.js'),
      import('../../pipelines/config/embedded-default.js'),
      import('../../pipelines/config/whole.js'),
    ]);
    const source = findConfig(file);
    const shown = source.kind === 'sample' ? '(embedded default)' : source.shown;
    const findings: Finding[] =
      source.kind === 'sample'
        ? wholeConfigIssues(embeddedDefault, { requireImage: true }).map((i) => ({ file: shown, doc: 1, line: 1, column: 1, object: '?', severity: 'error', path: i.path, message: i.message, fix: i.fix }))
        : await configFindings(source.path, shown, { requireImage: true });
    const result: LintResult = { findings, skipped: [], documents: 1, checkedKinds: ['shipline.yaml'] };
    const formatAt = (f: Finding) => `${f.file}:${f.line}:${f.column}: ${f.path}: ${f.message}`;
    await printReport(flags, {
      kind: 'LintResult',
      data: lintDocument(1, result, formatAt),
      text: () => (findings.length > 0 ? lintText(result, formatAt) : `validate: ${shown}: every section checked; no findings`),
    });
    if (findings.length > 0) {
      throw new InputError(`${plural(findings.length, 'finding')} in ${shown}`, { hint: 'change each field as its fix line above says, then run shipline validate again' });
    }
  });
}
