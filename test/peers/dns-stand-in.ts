// A DNS server on loopback that answers like a DNS seed: the code path the CLI takes on the
// public network, exercised without a packet leaving the machine.
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface DnsStandIn {
  /** `127.0.0.1:port`, for --dns-server. */
  server: string;
  /** Names asked so far. */
  queries: string[];
  close(): Promise<void>;
}

/** `answers(name)` gives the IPv4 addresses for a name; none means NXDOMAIN. */
export async function startDnsStandIn(answers: (name: string) => string[]): Promise<DnsStandIn> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (message, remote) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    queries.push(question.name);
    const addresses = answers(question.name);
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (addresses.length ? 0 : 3),
      questions: [question],
      answers:
        question.type === 'A'
          ? addresses.map((data) => ({ type: 'A' as const, name: question.name, ttl: 60, class: 'IN' as const, data }))
          : [],
    });
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
