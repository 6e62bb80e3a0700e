import os from 'node:os';
import type { MachineInfo } from './types.js';

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const models = [...new Set(cpus.map((c) => c.model.trim()))];
  return {
    cpu: models.join(', ') || 'unknown',
    cores: cpus.length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

export const describeMachine = (m: MachineInfo): string =>
  `${m.cpu}, ${m.cores} cores, ${m.memory} RAM, ${m.os}, Node ${m.node}, ${m.date}`;
