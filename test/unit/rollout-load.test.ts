// rollout.load: autocannon sends at the configured rate until stopped, with the configured
// headers, and reports every answer by status code; what it reports matches what the target saw.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSection } from '../../pipelines/config/rollout-analysis.js';
import { formatLoad, startLoad } from '../../pipelines/rollout/load.js';

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

describe('synthetic load', () => {
  it('sends at the rate until stopped and counts answers per status code, as the target saw them', async () => {
    const seen: Record<string, number> = {};
    const hosts = new Set<string>();
    let n = 0;
    const server = createServer((req, res) => {
      n += 1;
      hosts.add(`${req.headers.host} ${req.headers['x-shipline-load']}`);
      const status = n % 4 === 0 ? 500 : 200;
      seen[status] = (seen[status] ?? 0) + 1;
      res.writeHead(status).end('ok');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cgi-bin/version`;
    const run = startLoad(loadSection.parse({ url, rate: 100, connections: 2, headers: { host: 'link.example.com', 'x-shipline-load': 'yes' } }));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const report = await run.stop();
    // Every answer it reports, the target sent; at most one request per connection was cut
    // short by the stop (seen by the target, its answer never read).
    expect(Object.keys(report.byStatus)).toEqual(['200', '500']);
    expect(report.byStatus['200']).toBeLessThanOrEqual(seen[200]!);
    expect(report.byStatus['500']).toBeLessThanOrEqual(seen[500]!);
    expect(report.answered).toBe(report.byStatus['200']! + report.byStatus['500']!);
    expect(n - report.answered).toBeLessThanOrEqual(2);
    // 100/s for about 2 s (autocannon stops at its next 1 s tick).
    expect(n).toBeGreaterThanOrEqual(150);
    expect(n).toBeLessThanOrEqual(320);
    expect(report.errors).toBe(0);
    expect([...hosts]).toEqual(['link.example.com yes']);
    expect(formatLoad(report)).toMatch(new RegExp(`^load: ${report.answered} answers from ${url.replace(/[.?]/g, '\\$&')} in [0-9.]+s: 200 ×${report.byStatus['200']}, 500 ×${report.byStatus['500']}$`));
  });

  it('counts requests that get no answer', async () => {
    const server = createServer(() => undefined);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const run = startLoad(loadSection.parse({ url, rate: 10, connections: 1, timeout: '1s', duration: '2s' }));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const report = await run.stop();
    expect(report.answered).toBe(0);
    expect(report.timeouts).toBeGreaterThan(0);
    expect(formatLoad(report)).toContain('no answer ×');
  });
});

describe('load of a step that routes by header', () => {
  it('splits the rate and connections in two halves, one carrying the header', async () => {
    const { loadsFor } = await import('../../pipelines/rollout/analysis.js');
    const load = { url: 'http://127.0.0.1:18000/', rate: 50, connections: 4, headers: { host: 'link.example.com' }, method: 'GET' as const, timeout: '10s' };
    expect(loadsFor(load, undefined)).toEqual([load]);
    const [plain, withHeader] = loadsFor(load, { name: 'user', value: 'premium-user' });
    expect(plain).toEqual({ ...load, rate: 25, connections: 2 });
    expect(withHeader).toEqual({ ...load, rate: 25, connections: 2, headers: { host: 'link.example.com', user: 'premium-user' } });
  });
});
