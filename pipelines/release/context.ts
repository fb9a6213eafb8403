// What the release pipeline carries from step to step, and what it reports at the end.
import type { KubeObject } from '../adapters/kube.js';
import type { BuildResult } from '../build/run.js';
import type { ApiChoice } from '../cluster/choose-api.js';
import type { LoadedConfig } from '../config/load.js';
import type { RolloutContext } from '../rollout/context.js';
import type { RolloutSummary } from '../rollout/run.js';
import type { Strategy } from '../rollout/route-states.js';
import type { SmokeResult } from '../smoke/run.js';

export interface ReleaseOptions {
  config?: string;
  /** Replaces image.repository of the config. */
  repository?: string;
  dryRun: boolean;
  /** With dryRun: client renders the manifests without sending them; server (the default) also dry-runs and diffs them on the server. */
  dryRunMode?: 'client' | 'server';
  strategy?: Strategy;
  bundle?: string | boolean;
  yes: boolean;
  skipBuild: boolean;
  image?: string;
  subset?: string;
  date?: string;
  tag?: string;
  kubeconfig?: string;
  context?: string;
  /** -n: the namespace of the route and its versions (replaces routing.namespace). */
  namespace?: string;
  /** Take over fields other managers own in every object (the declared route is taken over regardless). */
  forceConflicts?: boolean;
  /** Write the release's HTML report to this file (absolute path, checked before the release starts). */
  report?: string;
  /** Run the new image on the Docker Engine before the cluster; default on (--no-smoke: false). */
  smoke?: boolean;
  /** The platform to smoke-run (default: the Engine's). */
  smokePlatform?: string;
  smokeTimeoutMs?: number;
}

export interface ReleaseState {
  options: ReleaseOptions;
  loaded?: LoadedConfig;
  strategy?: Strategy;
  rollout?: RolloutContext;
  build?: BuildResult;
  /** repo@sha256 being released (from the build, or --image). */
  image?: string;
  preview?: { objects: KubeObject[]; diffs: string[] };
  api?: ApiChoice;
  rolloutResult?: RolloutSummary;
  bundle?: { path: string; size: number };
  /** The report written with --report. */
  report?: { path: string; size: number; revision: number };
  warnings: string[];
  timings: Record<string, number>;
  /** Holds files that only live for the release (e.g. the OCI layout of a bundle). */
  temporaryDir?: string;
  /** Done so far, for the error report of a failure further on. */
  done: string[];
  /** Dry run: the route fields the first release would take over, one line per object. */
  takeovers?: string[];
  /** Every line a step reports stays on screen (plain renderer), e.g. the whole build log. */
  linesShown?: boolean;
  /** The smoke run: what it does (dry run) or did. */
  smoke?: { plan: string; result?: SmokeResult };
}

export interface ReleaseSummary {
  dryRun: boolean;
  config: string;
  tag?: string;
  image?: string;
  platforms?: { platform: string; digest: string }[];
  /** What SBOM and provenance cost the build, when either was on. */
  attestations?: BuildResult['attestations'];
  commands?: string[];
  routingApi?: string;
  manifests: string[];
  diffs?: string[];
  /** Dry run of a first release: the route fields it takes over, and from which managers. */
  takeovers?: string[];
  rollout?: RolloutSummary;
  bundle?: { path: string; size: number };
  report?: { path: string; size: number; revision: number };
  smoke?: { plan: string; result?: SmokeResult };
  warnings: string[];
  timings: Record<string, number>;
}
