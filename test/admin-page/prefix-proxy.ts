import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy on loopback that publishes an app under a path prefix, as production's
 * `location /scheduler/ { proxy_pass http://api:3000/; }` does: it strips the prefix on the way
 * in and answers 404 itself for anything outside it (another app would live there). Every path
 * it was asked for is recorded.
 */
export interface PrefixProxy {
  /** e.g. http://127.0.0.1:41234 (without the prefix). */
  origin: string;
  prefix: string;
  /** "METHOD /path?query" of every request received, in order. */
  seen: string[];
  close(): Promise<void>;
}

export async function startPrefixProxy(upstreamPort: number, prefix: string): Promise<PrefixProxy> {
  const seen: string[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const url = incoming.url ?? '/';
    seen.push(`${incoming.method} ${url}`);
    const inside = url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`);
    if (!inside) {
      outgoing.writeHead(404, { 'Content-Type': 'text/plain' });
      outgoing.end(`Not found: ${url} is outside ${prefix}/`);
      return;
    }
    const rest = url.slice(prefix.length);
    const path = rest.startsWith('/') ? rest : `/${rest}`;
    const upstream = request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: incoming.method,
        path,
        headers: {
          ...incoming.headers,
          host: `127.0.0.1:${upstreamPort}`,
          'x-forwarded-prefix': prefix,
        },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', (error) => {
      outgoing.writeHead(502, { 'Content-Type': 'text/plain' });
      outgoing.end(`Bad gateway: ${error.message}`);
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    prefix,
    seen,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
