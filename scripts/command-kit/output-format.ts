// `-o/--output FORMAT` for every command that reports objects or results, as kubectl does:
// text (the default, for people), json and yaml (a documented, versioned shape: one JSON
// Schema per kind in schema/output/), name (one line per object, kind/name), and wide where
// a table is printed. `--json` stays as an alias of `-o json`.
import { Option, type Command } from 'commander';

export const outputFormats = ['text', 'json', 'yaml', 'name', 'wide'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** The apiVersion of every machine-readable output; bumped when a shape changes incompatibly. */
export const outputApiVersion = 'shipline.dev/v1';

export interface OutputFlags {
  output?: OutputFormat;
  json?: boolean;
}

/** Adds `-o, --output <format>` (choices: text plus `formats`) and `--json`. */
export function withOutput(command: Command, formats: readonly Exclude<OutputFormat, 'text'>[] = ['json', 'yaml', 'name']): Command {
  return command
    .addOption(new Option('-o, --output <format>', `output format: ${['text', ...formats].join('|')}`).choices(['text', ...formats]))
    .option('--json', 'alias of -o json');
}

export function outputFormat(flags: OutputFlags): OutputFormat {
  return flags.json ? 'json' : (flags.output ?? 'text');
}

export interface Report<T extends object> {
  /** The kind of the JSON/YAML document, e.g. LintResult; its schema is schema/output/<kind>.schema.json. */
  kind: string;
  /** The document's fields (apiVersion and kind are added). */
  data: T;
  /** The text a person reads (default format). */
  text: () => string;
  /** `kind/name` lines for -o name. */
  names?: () => string[];
  /** The wider table for -o wide. */
  wide?: () => string;
}

/**
 * `yaml`'s stringify, loaded on use: loading the library costs a fast command (lint) a
 * sixth of its start. In the esbuild bundle a dynamic import of it yields only `default`.
 */
async function yamlStringify(): Promise<(value: unknown) => string> {
  const yaml = (await import('yaml')) as Partial<typeof import('yaml')> & { default?: typeof import('yaml') };
  return (yaml.stringify ?? yaml.default!.stringify) as (value: unknown) => string;
}

/** The report as the chosen format, ending with a newline (empty text prints nothing). */
export async function formatReport<T extends object>(format: OutputFormat, report: Report<T>): Promise<string> {
  const withNewline = (s: string) => (s === '' || s.endsWith('\n') ? s : `${s}\n`);
  switch (format) {
    case 'json':
      return `${JSON.stringify({ apiVersion: outputApiVersion, kind: report.kind, ...report.data }, null, 2)}\n`;
    case 'yaml':
      return (await yamlStringify())({ apiVersion: outputApiVersion, kind: report.kind, ...report.data });
    case 'name':
      return withNewline((report.names?.() ?? []).join('\n'));
    case 'wide':
      return withNewline(report.wide ? report.wide() : report.text());
    default:
      return withNewline(report.text());
  }
}

export async function printReport<T extends object>(flags: OutputFlags, report: Report<T>): Promise<void> {
  process.stdout.write(await formatReport(outputFormat(flags), report));
}
