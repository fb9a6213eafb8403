// A TCP forwarder run as its own process, so that a fault test can hang it (SIGSTOP) or
// kill it in front of a shared part of the stack without touching that part.
// Usage: node tcp-proxy.mjs LISTEN_PORT TARGET_HOST TARGET_PORT
import { connect, createServer } from 'node:net';

const [listenPort, targetHost, targetPort] = process.argv.slice(2);
const server = createServer((client) => {
  const upstream = connect(Number(targetPort), targetHost);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
server.listen(Number(listenPort), '127.0.0.1', () => process.stdout.write('listening\n'));
