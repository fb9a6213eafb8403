// Where else in the target registry a blob already is, to mount it instead of uploading it
// (as skopeo does from its blob cache): the repositories given with --mount-from first,
// then the registry's own catalog, asked once per import.
import type { RegistryClient } from '../adapters/registry.js';
import { mapLimit } from '../pool.js';

/** Repositories of the catalog probed per blob: bounds the HEADs on registries with very many. */
const catalogLimit = 50;

export class MountSources {
  private catalog: Promise<string[]> | undefined;

  constructor(
    private readonly client: RegistryClient,
    private readonly given: readonly string[],
    /** The import's own repositories: already asked about every blob. */
    private readonly own: ReadonlySet<string>,
    private readonly automatic: boolean,
  ) {}

  /** A repository holding `digest`, or undefined. */
  async find(digest: string): Promise<string | undefined> {
    for (const repository of this.given) if (!this.own.has(repository) && (await this.client.hasBlob(repository, digest))) return repository;
    if (!this.automatic) return undefined;
    const repositories = (await (this.catalog ??= this.client.repositories()))
      .filter((r) => !this.own.has(r) && !this.given.includes(r))
      .slice(0, catalogLimit);
    const found = await mapLimit(repositories, 8, (r) => this.client.hasBlob(r, digest).catch(() => false));
    return repositories[found.indexOf(true)];
  }
}
