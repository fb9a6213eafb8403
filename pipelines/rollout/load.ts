// Synthetic traffic for a step (rollout.load): autocannon sends requests at a steady rate
// until the step's pause ends (or the configured duration), then reports them per status code.
import autocannon from 'autocannon';
import { ms } from '../config/rollout.js';
import type { LoadConfig } from '../config/rollout-analysis.js';

export interface LoadReport {
  url: string;
  /** Requests answered, per HTTP status code. */
  byStatus: Record<string, number>;
  /** Requests answered in all. */
  answered: number;
  /** Requests that got no answer (connection errors and timeouts together). */
  errors: number;
  timeouts: number;
  seconds: number;
}

export interface LoadRun {
  /** Stops sending (if still sending) and reports what was sent. */
  stop(): Promise<LoadReport>;
}

/** Longer than any pause: a run without a duration lasts until stop(). */
const untilStopped = 24 * 3600;

export function startLoad(config: LoadConfig): LoadRun {
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<LoadReport>((resolve, reject) => {
    instance = autocannon(
      {
        url: config.url,
        method: config.method,
        headers: config.headers,
        connections: Math.min(config.connections, config.rate),
        overallRate: config.rate,
        duration: config.duration ? ms(config.duration) / 1000 : untilStopped,
        timeout: Math.max(1, Math.round(ms(config.timeout) / 1000)),
      },
      (error, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const byStatus = Object.fromEntries(
          Object.entries(result.statusCodeStats ?? {})
            .map(([code, s]) => [code, s.count ?? 0] as const)
            .filter(([, n]) => n > 0)
            .sort(([a], [b]) => a.localeCompare(b)),
        );
        const answered = Object.values(byStatus).reduce((a, b) => a + b, 0);
        resolve({ url: config.url, byStatus, answered, errors: result.errors, timeouts: result.timeouts, seconds: result.duration });
      },
    );
  });
  // Nothing may await `finished` before stop(); keep an early failure from being unhandled.
  finished.catch(() => undefined);
  return {
    stop() {
      instance?.stop();
      return finished;
    },
  };
}

export function formatLoad(r: LoadReport): string {
  const codes = Object.entries(r.byStatus).map(([code, n]) => `${code} ×${n}`);
  if (r.errors > 0) codes.push(`no answer ×${r.errors}${r.timeouts > 0 ? ` (${r.timeouts} timeouts)` : ''}`);
  return `load: ${r.answered} answers from ${r.url} in ${r.seconds}s${codes.length > 0 ? `: ${codes.join(', ')}` : ''}`;
}
