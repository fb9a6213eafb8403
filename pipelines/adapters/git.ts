// The one door to git: revision, remote and the tag being released.
import { run } from './process.js';

async function git(cwd: string, ...args: string[]): Promise<string | undefined> {
  const result = await run(['git', ...args], { cwd, nothrow: true, timeoutMs: 10_000 }).catch(() => undefined);
  return result?.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
}

export async function gitRevision(cwd: string): Promise<string | undefined> {
  return git(cwd, 'rev-parse', 'HEAD');
}

export async function gitRemote(cwd: string): Promise<string | undefined> {
  return git(cwd, 'remote', 'get-url', 'origin');
}

/**
 * The tag being released: an explicit one, then CI's (GitHub Actions, GitLab CI),
 * then the tag on HEAD.
 */
export async function releaseTag(cwd: string, env: NodeJS.ProcessEnv, explicit?: string): Promise<string | undefined> {
  if (explicit) return explicit;
  if (env.SHIPLINE_GIT_TAG) return env.SHIPLINE_GIT_TAG;
  if (env.GITHUB_REF_TYPE === 'tag' && env.GITHUB_REF_NAME) return env.GITHUB_REF_NAME;
  if (env.GITHUB_REF?.startsWith('refs/tags/')) return env.GITHUB_REF.slice('refs/tags/'.length);
  if (env.CI_COMMIT_TAG) return env.CI_COMMIT_TAG;
  return git(cwd, 'describe', '--tags', '--exact-match', 'HEAD');
}
