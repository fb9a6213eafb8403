// A forwarder process of the test's own in front of a shared part: SIGSTOP hangs it exactly
// as a hung server looks to a client (the kernel still accepts connections, nothing
// answers), SIGKILL drops every connection; restart() listens on the same port again.
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../scripts/bench/fixtures/free-port.js';
import { TestProcess } from './test-process.js';

const script = fileURLToPath(new URL('./tcp-proxy.mjs', import.meta.url));

export class TcpProxy {
  private child?: TestProcess;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), target);
    await proxy.restart();
    return proxy;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async restart(): Promise<void> {
    let listening!: () => void;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    const child = TestProcess.start([process.execPath, script, String(this.port), this.target.host, String(this.target.port)], {
      onStdout: () => listening(),
      onStderr: (chunk) => process.stderr.write(chunk),
    });
    this.child = child;
    await Promise.race([
      ready,
      child.result.then((res) => {
        throw new Error(`tcp proxy on ${this.port} exited with ${res.exitCode}`);
      }),
    ]);
  }

  hang(): void {
    this.child?.hang();
  }

  resume(): void {
    this.child?.resume();
  }

  async kill(): Promise<void> {
    await this.child?.kill();
    this.child = undefined;
  }
}
