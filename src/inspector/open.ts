// One entry for commands: open whichever inspector the user asked for, with the line to print.
import type { InspectionEvent, Observer } from 'xstate';
import { startInspector } from './server.js';
import { startStatelyInspector } from './stately.js';

export interface InspectTarget {
  /** `local`: our own page; `stately`: the bridge to Stately's hosted UI. */
  kind: 'local' | 'stately';
  host: string;
  port: number;
}

export interface OpenInspector {
  readonly inspect: Observer<InspectionEvent>;
  readonly url: string;
  /** A sentence for the user saying where to look. */
  readonly notice: string;
  close(): Promise<void>;
}

export async function openInspector(target: InspectTarget): Promise<OpenInspector> {
  if (target.kind === 'stately') {
    const stately = await startStatelyInspector({ host: target.host, port: target.port });
    return {
      inspect: stately.inspect,
      url: stately.url,
      notice: `inspector: ${stately.url} (Stately's hosted inspector: the page needs internet access)`,
      close: () => stately.close(),
    };
  }
  const local = await startInspector({ host: target.host, port: target.port });
  return { inspect: local.inspect, url: local.url, notice: `inspector: ${local.url}`, close: () => local.close() };
}
