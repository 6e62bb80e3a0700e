// Embedding the peer in a service: a tiny HTTP server that keeps one peer connected and serves
// its lifecycle state, handshake info and round-trip time as JSON.
//
//   npx tsx examples/peer-status-server.ts 127.0.0.1:18444 regtest 8080
//   curl http://127.0.0.1:8080/
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { lifecycleState, type NetworkName, type PeerActor, startPeer, stringifyJson } from 'btc-statechart';

export interface StatusServer {
  server: Server;
  peer: PeerActor;
  url: string;
  close(): Promise<void>;
}

export async function startStatusServer(options: {
  host: string;
  port: number;
  network: NetworkName;
  httpPort?: number;
}): Promise<StatusServer> {
  const peer = startPeer({
    host: options.host,
    port: options.port,
    network: options.network,
    connectOnStart: true,
    onDisconnect: 'reconnect',
    maxRetries: 10,
  });
  const server = createServer((_request, response) => {
    const snapshot = peer.getSnapshot();
    const { remote, rtt, retries, lastDisconnect } = snapshot.context;
    response.setHeader('content-type', 'application/json');
    response.end(
      stringifyJson({
        peer: `${options.host}:${options.port}`,
        state: lifecycleState(snapshot),
        retries,
        userAgent: remote?.userAgent ?? null,
        version: remote?.version ?? null,
        services: remote?.services ?? null,
        rttMs: rtt.lastMs,
        minRttMs: rtt.minMs,
        lastDisconnect: lastDisconnect?.reason ?? null,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(options.httpPort ?? 0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    server,
    peer,
    url: `http://127.0.0.1:${address.port}/`,
    close: async () => {
      peer.send({ type: 'STOP' });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [target = '127.0.0.1:18444', network = 'regtest', httpPort = '8080'] = process.argv.slice(2);
  const [host = '127.0.0.1', port = '18444'] = target.split(':');
  const status = await startStatusServer({
    host,
    port: Number(port),
    network: network as NetworkName,
    httpPort: Number(httpPort),
  });
  console.log(`peer status on ${status.url}`);
  process.once('SIGINT', () => void status.close());
}
