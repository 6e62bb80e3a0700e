import createDebug from 'debug';
import { PACKAGE_NAME } from './package-info.js';

/** `DEBUG=btc-statechart:*` shows everything; each concern has its own namespace. */
export const logger = (concern: string): createDebug.Debugger => createDebug(`${PACKAGE_NAME}:${concern}`);
