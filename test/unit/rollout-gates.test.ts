// The HTTP gate on the new version's pod addresses: every pod must answer 2xx.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutConfig, rolloutSection } from '../../pipelines/config/rollout.js';
import { runGates } from '../../pipelines/rollout/gates.js';

const servers: Server[] = [];
async function pod(status: number): Promise<string> {
  const server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end('x'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
let healthy: string, sick: string;

beforeAll(async () => {
  [healthy, sick] = [await pod(200), await pod(503)];
});
afterAll(() => {
  for (const s of servers) s.close();
});

const gates = (http: Record<string, unknown>) => rolloutSection.parse({ gates: { http } }).gates;

describe('HTTP gate', () => {
  it('probes the path on every pod address and fails when one pod does not answer 2xx', async () => {
    expect((await runGates(gates({ path: '/healthz' }), [healthy, healthy])).map((g) => g.ok)).toEqual([true, true]);
    const results = await runGates(gates({ path: '/healthz' }), [healthy, sick]);
    expect(results.map((g) => [g.gate, g.ok, g.detail])).toEqual([[`http ${healthy}/healthz`, true, 'HTTP 200'], [`http ${sick}/healthz`, false, 'HTTP 503']]);
  });
  it('fails when the version has no ready pod, and probes a fixed url as it is', async () => {
    expect(await runGates(gates({ path: '/healthz' }), [])).toEqual([{ gate: 'http /healthz', ok: false, detail: 'the new version has no ready pod to probe' }]);
    expect((await runGates(gates({ url: `${healthy}/healthz` }), [sick]))[0]).toMatchObject({ ok: true });
  });
  it('takes either path or url, and no {port} placeholder', () => {
    expect(rolloutSection.safeParse({ gates: { http: { path: '/a', url: 'http://x/' } } }).success).toBe(false);
    expect(rolloutSection.safeParse({ gates: { http: { timeout: '1s' } } }).success).toBe(false);
    expect(rolloutSection.safeParse({ gates: { http: { url: 'http://127.0.0.1:{port}/healthz' } } }).success).toBe(false);
    expect(rolloutSection.safeParse({ workload: { hostNetwork: true } }).success).toBe(false);
    const old = { file: 'shipline.yaml', baseDir: '.', config: {} as never, raw: { rollout: { workload: { hostNetwork: true }, gates: { http: { url: 'http://127.0.0.1:{port}/healthz' } } } } };
    expect(() => rolloutConfig(old)).toThrow(/shipline.yaml: rollout.workload.hostNetwork: no longer exists: versions run on the pod network[^]*rollout.gates.http.url: the \{port\} placeholder no longer exists/);
  });
});
