// Loads shipline.yaml in layers: YAML parse → schema (with defaults) → rules that
// collect every error. Which file: see find.ts (the embedded sample only inside
// shipline's own checkout, or with --config @sample).
import { dirname } from 'node:path';
import * as z from 'zod';
import { didYouMean } from '../model/suggest.js';
import { projectRoot } from '../project-root.js';
import { InputError } from '../errors.js';
import { buildConfigSchema, clusterSection, imageRepository, type BuildConfig } from './schema.js';
import { explainHint, invalidConfig, readYamlDocument, zodIssues, type ConfigIssue, type FieldPositions } from '../model/config-issues.js';
import { embeddedDefault } from './embedded-default.js';
import { findConfig, type ConfigSource } from './find.js';

export interface LoadedConfig {
  /** The file it came from, or "(embedded default)". */
  file: string;
  /** Relative paths in the config (dockerfile, context, oci) resolve against this. */
  baseDir: string;
  config: BuildConfig;
  /** The raw document, for sections validated by their own schemas (routing). */
  raw: Record<string, unknown>;
  /** Where each field stands in the file, for error messages (none for the embedded default). */
  positions?: FieldPositions;
}

export { projectRoot };
export const embeddedName = '(embedded default)';

export function configRules(config: BuildConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  config.image.platforms.forEach((p, i) => {
    if (seen.has(p)) issues.push({ path: `image.platforms[${i}]`, message: `${p} is listed twice` });
    seen.add(p);
  });
  if (config.output.oci !== undefined && !config.output.oci.endsWith('.tar')) {
    issues.push({ path: 'output.oci', message: `${config.output.oci} must end in .tar (an OCI image layout tarball)` });
  }
  if (config.builder.nodes.length > 0) {
    const served = new Set(config.builder.nodes.flatMap((n) => n.platforms));
    config.image.platforms.forEach((p, i) => {
      if (!served.has(p)) {
        issues.push({ path: `image.platforms[${i}]`, message: `${p} is served by no node in builder.nodes; add a node for it` });
      }
    });
  }
  if (config.image.tag === 'date' && config.image.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: config.image.timezone });
    } catch {
      issues.push({ path: 'image.timezone', message: `unknown time zone ${JSON.stringify(config.image.timezone)}; use an IANA name such as UTC` });
    }
  }
  return issues;
}

/** Known fields of a section of the build schema (its top level, or image, output, …). */
function knownFields(section: string | undefined): string[] {
  if (section === undefined) return Object.keys(buildConfigSchema.shape);
  let schema: unknown = buildConfigSchema.shape[section as keyof typeof buildConfigSchema.shape];
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) schema = schema.unwrap();
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** "unknown field" with the closest known name, for a typo at the top level or in a section. */
function withSuggestion(issue: ConfigIssue): ConfigIssue {
  if (issue.message !== 'unknown field') return issue;
  const keys = issue.path.split('.');
  if (keys.length > 2) return issue;
  const known = knownFields(keys.length === 2 ? keys[0] : undefined);
  return { ...issue, message: `unknown field; ${didYouMean(keys.at(-1)!, known)}` };
}

export function parseConfig(raw: unknown, file: string, positions?: FieldPositions): BuildConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidConfig(file, [{ path: '(top level)', message: 'must be a mapping with at least an image section' }], 'run `shipline init` for a starter config', positions);
  }
  const parsed = buildConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error).map(withSuggestion);
    throw invalidConfig(file, issues, explainHint(issues), positions);
  }
  const issues = configRules(parsed.data);
  if (issues.length > 0) throw invalidConfig(file, issues, explainHint(issues), positions);
  return parsed.data;
}

/** Values from the command line that replace the config's. */
export interface ConfigOverrides {
  /** --repository: image.repository (e.g. a registry CI names in a variable). */
  repository?: string;
}

export function loadConfig(file?: string, cwd = process.cwd(), overrides: ConfigOverrides = {}): LoadedConfig {
  const source = findConfig(file, cwd);
  if (source.kind === 'sample') {
    const raw = withOverrides(embeddedDefault, overrides) as Record<string, unknown>;
    return { file: embeddedName, baseDir: projectRoot, config: parseConfig(raw, embeddedName), raw };
  }
  const { value, positions } = readYamlDocument(source.path, source.shown);
  const raw = withOverrides(value, overrides);
  return { file: source.shown, baseDir: dirname(source.path), config: parseConfig(raw, source.shown, positions), raw: raw as Record<string, unknown>, positions };
}

function withOverrides(raw: unknown, overrides: ConfigOverrides): unknown {
  if (overrides.repository === undefined) return raw;
  const checked = imageRepository.safeParse(overrides.repository);
  if (!checked.success) {
    throw new InputError(`--repository ${overrides.repository}: ${checked.error.issues[0]?.message ?? 'invalid'}`, {
      hint: 'pass a registry and path without a tag, e.g. --repository ghcr.io/acme/link',
    });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const record = raw as Record<string, unknown>;
  const image = record.image !== null && typeof record.image === 'object' && !Array.isArray(record.image) ? record.image : {};
  return { ...record, image: { ...image, repository: checked.data } };
}

/**
 * The cluster section for commands that work outside a project too (apply, diff, delete, as
 * kubectl does): the project's when there is one, else the defaults.
 */
export function clusterSettings(file?: string, cwd = process.cwd()): BuildConfig['cluster'] {
  let source: ConfigSource | undefined;
  try {
    source = findConfig(file, cwd);
  } catch (error) {
    if (file === undefined && error instanceof InputError) return clusterSection.parse({});
    throw error;
  }
  return loadConfig(source.kind === 'sample' ? '@sample' : file, cwd).config.cluster;
}
