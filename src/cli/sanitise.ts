// What a peer says reaches a person's terminal only as harmless characters, as Bitcoin Core's
// SanitizeString does for user agents and reject reasons: a user agent holding `\x1b[2J` must not
// clear the screen. JSON output keeps the exact text (JSON escapes it).

// Core's SAFE_CHARS_DEFAULT (util/strencodings.cpp).
const UNSAFE = /[^A-Za-z0-9 .,;\-_/:?@()]/g;

/** `text` with every character outside Core's safe set removed. */
export const sanitise = (text: string): string => text.replace(UNSAFE, '');
