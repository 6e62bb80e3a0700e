// Legacy sigop counting: opcodes counted, pushed bytes skipped, a push past the end stops the count (Core's GetOp).
import { describe, expect, it } from 'vitest';
import { legacySigOpCount } from '../../../src/protocol/sigops.js';
import { hex } from '../support.js';

describe('legacy sigop count', () => {
  it.each([
    ['P2PKH', '76a914' + '11'.repeat(20) + '88ac', 1],
    ['bare 2-of-3 multisig: 20, not 3 (inexact count)', '52' + ('21' + '02'.repeat(33)).repeat(3) + '53ae', 20],
    ['CHECKSIGVERIFY and CHECKMULTISIGVERIFY', 'adaf', 21],
    ['opcodes inside pushes are data', '02acac' + '4c02aeae' + '4d0200acac' + '4e02000000aeae', 0],
    ['empty', '', 0],
  ])('%s', (_name, script, count) => {
    expect(legacySigOpCount(hex(script))).toBe(count);
  });

  it('a push that runs past the end stops the count, what came before stays counted', () => {
    expect(legacySigOpCount(hex('ac ac 05 ac ac'))).toBe(2);
    expect(legacySigOpCount(hex('ac 4c'))).toBe(1);
    expect(legacySigOpCount(hex('ac 4d 01'))).toBe(1);
    expect(legacySigOpCount(hex('ac 4e 01 00 00'))).toBe(1);
    expect(legacySigOpCount(hex('ac 4e ffffffff ac'))).toBe(1);
  });
});
