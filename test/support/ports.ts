/** Ports for the processes and servers the tests start. */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { type AddressInfo, createServer } from 'node:net';

/** A loopback port that was free a moment ago, for commands that cannot take port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Listens on a free loopback port and returns it; `cleanup` gets the close, which drops open
 * connections first so a test's kept-alive or held sockets do not hold it up.
 */
export async function listenOnLoopback(server: HttpServer | HttpsServer, cleanup: Array<() => Promise<void> | void>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}
