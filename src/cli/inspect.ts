// `--inspect` for every command that runs peers (connect, listen, crawl): opens the inspector the
// user asked for and says on stderr where it is, or explains why it cannot listen.
import { formatHostPort } from '../host-port.js';
import { type OpenInspector, openInspector } from '../inspector/open.js';
import { inspectOption, type ParsedArgs } from './options.js';
import type { ReporterStreams } from './output.js';
import { UsageError } from './usage-error.js';

/**
 * Opens the inspector `--inspect` asks for (null without the option) and prints its URL on
 * stderr. A port that is taken or not ours to use is a usage error (exit 64).
 */
export async function openInspectorFromArgs(values: ParsedArgs['values'], io: ReporterStreams): Promise<OpenInspector | null> {
  const target = inspectOption(values);
  if (!target) return null;
  try {
    const inspector = await openInspector(target);
    io.stderr.write(`${inspector.notice}\n`);
    return inspector;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const where = formatHostPort(target.host, target.port);
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES')
      throw new UsageError(`--inspect cannot listen on ${where} (${code}); name another port, e.g. --inspect=0`);
    throw new Error(`--inspect: ${message}`);
  }
}
