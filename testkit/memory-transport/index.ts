// The in-memory transport: a network of listeners and connections, and the socket actor that dials it.
export { type Delivery, type EndAddresses, MemoryEnd, type MemoryReadyState, MemorySocketError } from './end.js';
export { type MemoryLink, type MemoryTransport, memoryTransport } from './link.js';
export {
  type IncomingConnection,
  type MemoryAddress,
  type MemoryListener,
  MemoryNetwork,
  type MemoryNetworkOptions,
} from './network.js';
export { createMemorySocket, memoryPeerMachine } from './socket-actor.js';
