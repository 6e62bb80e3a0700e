// Host and port as text, the one way every part of the node writes them: `1.2.3.4:8333`,
// `[2001:db8::1]:8333`, `example.onion:8333`; and the one way the CLI and createNode read a peer.

/** A host as it goes before `:port`: IPv6 literals in brackets, everything else as it is. */
export const formatHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/** `host:port`, with IPv6 literals in brackets. */
export const formatHostPort = (host: string, port: number): string => `${formatHost(host)}:${port}`;

/**
 * `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address, with `defaultPort` when none is
 * given; null when the text is none of these or the port is not 1 to 65535. Callers throw their
 * own error type.
 */
export function parseHostPort(text: string, defaultPort: number): { host: string; port: number } | null {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let port: string | undefined;
  if (bracketed) [, host = '', port] = bracketed;
  else if ((text.match(/:/g) ?? []).length > 1) host = text;
  else [host = '', port] = text.split(':');
  const portNumber = port === undefined ? defaultPort : Number(port);
  const valid =
    host !== '' &&
    (port === undefined || /^\d+$/.test(port)) &&
    Number.isInteger(portNumber) &&
    portNumber >= 1 &&
    portNumber <= 65535;
  return valid ? { host, port: portNumber } : null;
}
