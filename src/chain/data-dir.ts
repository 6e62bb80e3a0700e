// Where a network's header store lives by default: the user's data folder, per platform.
import os from 'node:os';
import path from 'node:path';
import type { NetworkName } from '../protocol/networks.js';
import { PACKAGE_NAME } from '../package-info.js';

/** What the default location depends on; the real process by default (tests pass their own). */
export interface DataDirEnvironment {
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
}

/**
 * The default data directory of a network: `$XDG_DATA_HOME/btc-statechart/<network>` or
 * `~/.local/share/btc-statechart/<network>` on Linux and other Unixes,
 * `~/Library/Application Support/btc-statechart/<network>` on macOS,
 * `%LOCALAPPDATA%\btc-statechart\<network>` on Windows.
 */
export function defaultDataDir(network: NetworkName, environment: DataDirEnvironment = {}): string {
  const platform = environment.platform ?? process.platform;
  const env = environment.env ?? process.env;
  const home = environment.home ?? os.homedir();
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA || env.APPDATA || path.win32.join(home, 'AppData', 'Local');
    return path.win32.join(base, PACKAGE_NAME, network);
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', PACKAGE_NAME, network);
  // XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME && path.posix.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.posix.join(home, '.local', 'share');
  return path.posix.join(xdg, PACKAGE_NAME, network);
}
