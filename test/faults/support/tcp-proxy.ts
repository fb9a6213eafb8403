// A forwarder process of the test's own in front of a shared part: SIGSTOP hangs it exactly
// as a hung server looks to a client (the kernel still accepts connections, nothing
// answers), SIGKILL drops every connection; restart() listens on the same port again.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/free-port.js';

const script = fileURLToPath(new URL('./tcp-proxy.mjs', import.meta.url));

export class TcpProxy {
  private child?: ChildProcess;

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
    const child = spawn(process.execPath, [script, String(this.port), this.target.host, String(this.target.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`tcp proxy on ${this.port} exited with ${code}`)));
    });
  }

  hang(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }
}
