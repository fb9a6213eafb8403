// The smoke run's plan (pure): which image, which port and path, from the config; and the
// Engine's multiplexed log frames read back as text.
import { describe, expect, it } from 'vitest';
import { demuxBuffer } from '../../pipelines/adapters/docker.js';
import { loadConfig, type LoadedConfig } from '../../pipelines/config/load.js';
import { describeSmoke, planSmoke } from '../../pipelines/smoke/plan.js';

const sample = loadConfig('@sample');
const withRollout = (rollout: Record<string, unknown>): LoadedConfig => ({ ...sample, raw: { ...sample.raw, rollout } });
const pinned = `127.0.0.1:5000/modco/link@sha256:${'a'.repeat(64)}`;

describe('planSmoke', () => {
  it('pulls the pushed image by digest and probes the health path on the port the image exposes (own manifests)', () => {
    const plan = planSmoke({ loaded: sample, pinned, ociPath: '/tmp/x.tar', ociName: 'modco/link:1', platform: 'linux/arm64' })!;
    expect(plan).toEqual({ source: { kind: 'registry', reference: pinned }, platform: 'linux/arm64', port: undefined, path: '/cgi-bin/healthz', timeoutMs: 30_000 });
    expect(describeSmoke(plan)).toBe(`smoke run (linux/arm64): pull ${pinned}, run it with no network, probe until the port it EXPOSEs answers and /cgi-bin/healthz returns 2xx from inside its network namespace (30 s at most), then remove it`);
  });

  it('loads the OCI tarball when nothing was pushed; the generated Deployment\'s port, or the gate\'s', () => {
    const generated = planSmoke({ loaded: withRollout({ workload: { port: 9090 } }), ociPath: '/tmp/x.tar', ociName: 'modco/link:1', platform: 'linux/amd64', timeoutMs: 5_000 })!;
    expect(generated).toMatchObject({ source: { kind: 'oci', file: '/tmp/x.tar', name: 'modco/link:1' }, port: 9090, path: undefined, timeoutMs: 5_000 });
    expect(describeSmoke(generated)).toContain('load modco/link:1 from /tmp/x.tar');
    expect(describeSmoke(generated)).toContain('until port 9090 answers from inside');
    const gate = planSmoke({ loaded: withRollout({ gates: { http: { path: '/ready', port: 8081 } } }), pinned, ociName: 'x', platform: 'linux/amd64' })!;
    expect(gate).toMatchObject({ port: 8081, path: '/ready' });
  });

  it('has nothing to run when the build neither pushed nor wrote a tarball', () => {
    expect(planSmoke({ loaded: sample, ociName: 'x', platform: 'linux/amd64' })).toBeUndefined();
  });
});

describe('demuxBuffer', () => {
  /** One frame: stream (1 stdout, 2 stderr), three zero bytes, the size (big-endian), the bytes. */
  const frame = (stream: number, text: string) => {
    const header = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(Buffer.byteLength(text), 4);
    return Buffer.concat([header, Buffer.from(text)]);
  };
  it('joins stdout and stderr frames in order, dropping their headers', () => {
    expect(demuxBuffer(Buffer.concat([frame(1, 'out line\n'), frame(2, 'err line\n')]))).toBe('out line\nerr line\n');
  });
  it('leaves a TTY log (no frame headers) as it is', () => {
    expect(demuxBuffer(Buffer.from('plain text\n'))).toBe('plain text\n');
  });
});
