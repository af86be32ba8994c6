import * as net from 'node:net';

/** How a TCP connection attempt ended: open, or the error (or 'ETIMEDOUT' for no answer). */
export type TcpProbe = { open: true } | { open: false; error: NodeJS.ErrnoException };

/** Tries to open a TCP connection to host:port within the timeout, and says how it went. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<TcpProbe> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: TcpProbe): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      done({
        open: false,
        error: Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }),
      }),
    );
    socket.once('connect', () => done({ open: true }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ open: false, error }));
  });
}

/** True when a TCP connection to host:port opens within the timeout. */
export async function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return (await probeTcp(host, port, timeoutMs)).open;
}
