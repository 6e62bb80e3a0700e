// Kept equal to package.json by test/package-info.test.ts; a constant, so that machines/ need no file I/O.
/** The package's name. */
export const PACKAGE_NAME = 'btc-statechart';
/** The package's version. */
export const PACKAGE_VERSION = '0.1.0';
export const DEFAULT_USER_AGENT = `/${PACKAGE_NAME}:${PACKAGE_VERSION}/`;
