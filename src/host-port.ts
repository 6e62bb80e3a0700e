// Host and port as text, the one way every part of the node writes them: `1.2.3.4:8333`,
// `[2001:db8::1]:8333`, `example.onion:8333`.

/** A host as it goes before `:port`: IPv6 literals in brackets, everything else as it is. */
export const formatHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/** `host:port`, with IPv6 literals in brackets. */
export const formatHostPort = (host: string, port: number): string => `${formatHost(host)}:${port}`;
