// `bundle create | verify | inspect | import`: air-gapped releases in one file.
import { progress } from '../../pipelines/verbosity.js';
import { existsSync } from 'node:fs';
import { toolVersion } from '../../pipelines/version.js';
import type { Command } from 'commander';
import type { Credentials } from '../../pipelines/adapters/registry/credentials.js';
import { InputError } from '../../pipelines/errors.js';
import { count } from '../../pipelines/plural.js';
import { defaultUploadConcurrency } from '../../pipelines/bundle/upload-concurrency.js';
import { printReport, withOutput, type OutputFlags } from '../command-kit/output-format.js';
import { withClusterFlags, type ClusterFlags } from '../command-kit/cluster-flags.js';
import { dryRunMode, dryRunModes, dryRunOption } from '../command-kit/dry-run.js';

// Each action loads its pipeline when it runs, so other commands start fast.

const log = progress;
const collect = (value: string, previous: string[] = []) => [...previous, value];

function positiveInt(flag: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`${flag} ${value}: must be a whole number ≥ 1`);
    return n;
  };
}

function checkRegistry(host: string): string {
  if (!/^(\[[0-9a-f:]+\]|[a-zA-Z0-9.-]+)(:\d{1,5})?$/.test(host)) {
    throw new InputError(`--registry ${host}: expected HOST[:PORT] (no scheme, no path)`, { hint: 'e.g. --registry registry.site.local:5000' });
  }
  return host;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function credentialsFor(registry: string, options: { username?: string; passwordStdin?: boolean }): Promise<Credentials | undefined> {
  if (options.passwordStdin && !options.username) throw new InputError('--password-stdin needs --username');
  if (options.username) {
    if (!options.passwordStdin) throw new InputError('--username needs --password-stdin (passwords are never taken as arguments)');
    const password = await readStdin();
    if (!password) throw new InputError('--password-stdin: standard input was empty');
    return { username: options.username, password };
  }
  const { readDockerCredentials } = await import('../../pipelines/adapters/registry/credentials.js');
  return readDockerCredentials(registry);
}

interface CreateFlags {
  oci?: string[]; image?: string[]; manifests?: string[]; recursive?: boolean; output?: string; dockerArchives?: boolean; routingApiVersion?: string[]; json?: boolean;
  signKey?: string; signPasswordStdin?: boolean; compress: string; since?: string; sinceRegistry?: string; insecure?: boolean; force?: boolean;
}

/** The password of an encrypted signing key: standard input, or an environment variable; never a flag. */
function keyPassword(stdin: boolean | undefined): import('../../pipelines/bundle/signing.js').KeyPassword | undefined {
  if (stdin) {
    let read: Promise<string> | undefined;
    return { source: 'standard input', read: () => (read ??= readStdin()) };
  }
  for (const name of ['SHIPLINE_KEY_PASSWORD', 'COSIGN_PASSWORD']) {
    const value = process.env[name];
    if (value !== undefined) return { source: `$${name}`, read: () => Promise.resolve(value) };
  }
  return undefined;
}

async function publicKey(file: string | undefined) {
  return file ? (await import('../../pipelines/bundle/signing.js')).loadPublicKey(file) : undefined;
}
interface ImportFlags extends ClusterFlags {
  registry?: string; docker?: boolean; platform?: string; engineTimeout?: string; insecure?: boolean; image?: string; apply?: boolean; forceConflicts?: boolean;
  username?: string; passwordStdin?: boolean; force?: boolean; mountFrom?: string[]; concurrency?: number; retries?: number; manifestsOut?: string; json?: boolean;
  key?: string; autoMount: boolean; dryRun?: string | boolean;
}

export function registerBundleCommands(program: Command): void {
  const bundle = program.command('bundle').description('air-gapped releases: images and manifests in one file');
  bundle
    .command('create')
    .description('write one tarball holding OCI image layouts, rendered manifests and bundle.json')
    .option('--oci <tar>', 'OCI layout tarball, as `buildx --output type=oci` writes it (repeatable)', collect)
    .option('--image <repo:tag>', 'name of the image in the --oci at the same position (repeatable)', collect)
    .option('--manifests <path>', 'rendered YAML/JSON file, folder, or - for standard input (repeatable)', collect)
    .option('-R, --recursive', 'read the subfolders of --manifests folders too')
    .option('--routing-api-version <v>', 'routing API version the manifests assume (default: read from them)', collect)
    .option('-o, --output <file>', 'bundle to write (default: <image>.bundle.tar)')
    .option('--docker-archives', 'also write a `docker load`-able tar per platform')
    .option('--sign-key <pem>', 'sign bundle.json with this ECDSA P-256 private key (PEM, or a cosign key file)')
    .option('--sign-password-stdin', 'read the password of an encrypted --sign-key from standard input (or set SHIPLINE_KEY_PASSWORD)')
    .option('--since <bundle>', 'differential: leave out the blobs this earlier bundle delivered (import checks the site has them)')
    .option('--since-registry <host[:port]>', 'differential: leave out the blobs this registry already holds in the images\' repositories')
    .option('--insecure', 'plain HTTP to --since-registry (default for 127.0.0.1 and localhost)')
    .option('--compress <zstd|gzip|none>', 'compress the bundle (seekable frames: verify and import read it without unpacking)', 'zstd')
    .option('--json', 'print bundle.json')
    .option('--force', 'overwrite an existing output file')
    .action(async (flags: CreateFlags) => {
      if (!['zstd', 'gzip', 'none'].includes(flags.compress)) {
        throw new InputError(`--compress ${flags.compress}: expected zstd, gzip or none`, { hint: 'zstd is the default; none writes a plain tar' });
      }
      const oci = flags.oci ?? [];
      const names = flags.image ?? [];
      if (oci.length === 0 || oci.length !== names.length) {
        throw new InputError(`bundle create: got ${oci.length} --oci and ${names.length} --image; each --oci needs one --image`, { hint: 'e.g. --oci link.tar --image modco/link:20240126' });
      }
      const { readManifestInputs } = await import('../../pipelines/bundle/manifest-files.js');
      const { createBundle } = await import('../../pipelines/bundle/create.js');
      if (flags.since && flags.sinceRegistry) throw new InputError('--since and --since-registry: give one of them', { hint: '--since OLD.bundle.tar when you know what the site imported, --since-registry HOST to ask its registry' });
      let since: import('../../pipelines/bundle/create.js').CreateBundleOptions['since'];
      if (flags.since) since = { bundle: flags.since };
      if (flags.sinceRegistry) {
        const host = checkRegistry(flags.sinceRegistry);
        const { RegistryClient } = await import('../../pipelines/adapters/registry.js');
        since = { registry: new RegistryClient(host, { insecure: flags.insecure, credentials: await credentialsFor(host, {}) }) };
      }
      if (flags.signPasswordStdin && !flags.signKey) throw new InputError('--sign-password-stdin needs --sign-key');
      // The key is read (and its password checked) before anything is written.
      const signKey = flags.signKey ? await (await import('../../pipelines/bundle/signing.js')).loadSigningKey(flags.signKey, keyPassword(flags.signPasswordStdin)) : undefined;
      const inputs = await readManifestInputs(flags.manifests ?? [], { recursive: flags.recursive });
      const suffix = { zstd: '.zst', gzip: '.gz', none: '' }[flags.compress as 'zstd' | 'gzip' | 'none'];
      const output = flags.output ?? `${names[0]!.replace(/[^\w.-]+/g, '_')}.bundle.tar${suffix}`;
      if (!flags.force && existsSync(output)) throw new InputError(`${output} already exists; nothing was written`, { hint: 'pass --force to overwrite it, or -o another path' });
      const created = await createBundle({
        images: oci.map((file, i) => ({ name: names[i]!, ociLayoutTar: file })),
        manifests: inputs.manifests,
        routingApiVersions: flags.routingApiVersion ?? inputs.routingApiVersions,
        toolVersion: toolVersion(),
        dockerArchives: flags.dockerArchives,
        signKey,
        since,
        compression: flags.compress as 'zstd' | 'gzip' | 'none',
        output,
        log,
      });
      process.stdout.write(flags.json ? `${JSON.stringify(created.bundle, null, 2)}\n` : `${created.output}\n`);
    });
  withOutput(bundle.command('verify'))
    .description('check every checksum and digest of a bundle or OCI layout tarball, offline, and print its contents')
    .argument('<file>')
    .option('--key <pem>', 'public key (e.g. cosign.pub) that must have signed the bundle; unsigned or changed bundles exit 3')
    .action(async (file: string, flags: OutputFlags & { key?: string }) => {
      const [{ verifyBundle }, { verificationReport }] = await Promise.all([import('../../pipelines/bundle/verify.js'), import('./bundle-output.js')]);
      const report = await verifyBundle(file, { key: await publicKey(flags.key) });
      await printReport(flags, await verificationReport(report));
    });
  withOutput(bundle.command('inspect'))
    .description('list what a bundle holds (images, platforms, digests, sizes, manifests, signer, compression, dependencies) without unpacking it')
    .argument('<file>')
    .option('--export-signature <dir>', 'write DIR/payload and DIR/signature for `cosign verify-blob --key PUB --signature DIR/signature DIR/payload`')
    .option('--key <pem>', 'public key to check the signature with (without it, a signature is reported as not verified)')
    .option('--sbom', "print each platform's SBOM: its packages' name, version and licence")
    .option('--provenance', "print each platform's provenance: builder, source, build arguments, materials")
    .option('--platform <os/arch>', 'with --sbom or --provenance: only this platform, e.g. linux/arm64')
    .action(async (file: string, flags: OutputFlags & { exportSignature?: string; key?: string; sbom?: boolean; provenance?: boolean; platform?: string }) => {
      if (flags.platform !== undefined && !flags.sbom && !flags.provenance) {
        throw new InputError('--platform selects the attestations of --sbom or --provenance, and neither was given', { hint: 'add --sbom or --provenance, or leave out --platform' });
      }
      const [{ exportSignature, inspectBundle }, { inspectionReport }] = await Promise.all([import('../../pipelines/bundle/inspect.js'), import('./bundle-output.js')]);
      const { inspection, archive } = await inspectBundle(file, {
        key: await publicKey(flags.key), sbom: flags.sbom, provenance: flags.provenance, platform: flags.platform,
      });
      if (flags.exportSignature) {
        const written = await exportSignature(archive, flags.exportSignature);
        log(`wrote ${written.payload} and ${written.signature}`);
      }
      await printReport(flags, await inspectionReport(inspection));
    });
  withClusterFlags(bundle.command('import'), 'with --apply: namespace for objects that name none')
    .description('push the images to a registry, rewrite manifests to them by digest, apply; or --docker')
    .argument('<file>', 'bundle, or OCI layout tarball (then with --image)')
    .option('--registry <host[:port]>', 'target registry')
    .option('--docker', 'load into the Docker Engine (DOCKER_HOST) instead of a registry')
    .option('--platform <os/arch>', 'with --docker: the platform to load (default: the Engine\'s own)')
    .option('--engine-timeout <seconds>', 'with --docker: seconds per call to the Engine (default 30)')
    .option('--insecure', 'plain HTTP (default for 127.0.0.1 and localhost)')
    .option('--image <repo:tag>', 'where the image goes (required for an OCI layout tarball)')
    .option('--key <pem>', 'public key that must have signed it; checked with every file first')
    .option('--apply', 'server-side apply the rewritten manifests')
    .option('--force-conflicts', 'with --apply: take over fields owned by other managers')
    .option('--username <user>', 'registry user (with --password-stdin); default: Docker config file')
    .option('--password-stdin', 'read the registry password from standard input')
    .option('--force', 'move a tag that already names another digest')
    .option('--mount-from <repo>', 'registry repository to mount shared blobs from (repeatable)', collect)
    .option('--no-auto-mount', 'do not search the registry\'s other repositories for blobs to mount')
    .option('--concurrency <n>', 'parallel blob uploads', positiveInt('--concurrency'), defaultUploadConcurrency)
    .option('--retries <n>', 'tries per request on transient failures', positiveInt('--retries'), 5)
    .option('--manifests-out <dir>', 'write the rewritten manifests here')
    .option('--json', 'machine-readable summary')
    .addOption(dryRunOption('change nothing; client: check the bundle only; server: also the registry and --apply'))
    .action(async (file: string, flags: ImportFlags) => {
      if (flags.docker) return importIntoDocker(file, flags);
      if (flags.platform) throw new InputError('--platform is for --docker: a registry receives every platform', { hint: 'add --docker, or leave out --platform' });
      if (!flags.registry) throw new InputError('bundle import: where to? give --registry HOST[:PORT], or --docker to load into a Docker Engine', { hint: 'e.g. --registry registry.site.local:5000' });
      const dryRun = dryRunMode(flags.dryRun, dryRunModes, 'bundle import', '');
      const registry = checkRegistry(flags.registry);
      const key = await publicKey(flags.key);
      const credentials = await credentialsFor(registry, flags);
      // The kubeconfig and context are checked before anything is pushed.
      const kube = flags.apply ? (await import('../../pipelines/cluster/connect.js')).connectTo(flags) : undefined;
      const started = performance.now();
      const { importBundle } = await import('../../pipelines/bundle/import.js');
      const result = await importBundle({
        file, registry, credentials, key,
        insecure: flags.insecure,
        image: flags.image,
        force: flags.force,
        mountFrom: flags.mountFrom,
        autoMount: flags.autoMount,
        concurrency: flags.concurrency,
        retry: { attempts: flags.retries },
        manifestsOut: flags.manifestsOut,
        dryRun: dryRun === 'none' ? undefined : dryRun,
        apply: kube ? { kube: async () => kube, namespace: flags.namespace, forceConflicts: flags.forceConflicts } : undefined,
        log,
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...result, seconds: Number(seconds) }, null, 2)}\n`);
        return;
      }
      const s = result.stats;
      if (dryRun !== 'none') {
        for (const img of result.images) process.stdout.write(`${img.reference}@${img.digest} (${dryRun} dry run: not pushed)\n`);
        for (const r of result.rewrites) log(`would rewrite ${r.file} ${r.path}: ${r.from} → ${r.to}`);
        return;
      }
      for (const img of result.images) process.stdout.write(`${img.reference}@${img.digest}\n`);
      log(`${count(s.blobsUploaded, 'blob')} uploaded (${(s.bytesUploaded / 1e6).toFixed(1)} MB), ${s.blobsPresent} already present, ${s.blobsMounted} mounted, ${count(s.manifestsPut, 'manifest')} and ${count(s.tagsWritten, 'tag')} written in ${seconds} s`);
      for (const r of result.rewrites) log(`rewrote ${r.file} ${r.path}: ${r.from} → ${r.to}`);
    });
}

/** The flags that only mean something for a registry, refused with --docker rather than ignored. */
const registryOnly: [keyof ImportFlags, string][] = [
  ['registry', '--registry'], ['apply', '--apply'], ['manifestsOut', '--manifests-out'], ['mountFrom', '--mount-from'],
  ['username', '--username'], ['force', '--force'], ['dryRun', '--dry-run'],
];

async function importIntoDocker(file: string, flags: ImportFlags): Promise<void> {
  const clash = registryOnly.find(([field]) => flags[field] !== undefined && flags[field] !== false);
  if (clash) throw new InputError(`--docker and ${clash[1]}: ${clash[1]} is for an import into a registry`, { hint: `leave out ${clash[1]} to load into the Docker Engine, or --docker to push to a registry` });
  const { parseTimeoutFlag } = await import('../../pipelines/cluster/timeout-flag.js');
  const timeoutMs = parseTimeoutFlag(flags.engineTimeout ?? '30', '--engine-timeout');
  const key = await publicKey(flags.key);
  const started = performance.now();
  const { importIntoDocker: load } = await import('../../pipelines/bundle/import-docker.js');
  const loaded = await load({ file, key, image: flags.image, platform: flags.platform, engine: { timeoutMs }, log });
  const seconds = Number(((performance.now() - started) / 1000).toFixed(2));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ loaded, seconds }, null, 2)}\n`);
    return;
  }
  for (const image of loaded) process.stdout.write(`${image.name} ${image.id} (${image.platform})\n`);
  log(`${count(loaded.length, 'image')} loaded into the Docker Engine in ${seconds} s`);
}
