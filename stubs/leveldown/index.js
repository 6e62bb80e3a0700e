'use strict';
// bcoin only requires leveldown for on-disk databases; our harness runs it with `memory: true`.
module.exports = function leveldown() {
  throw new Error('leveldown stub: this project runs bcoin in memory only');
};
