/**
 * The ciphers under BIP324: the JavaScript ChaCha20 block and Poly1305 against OpenSSL (node:crypto)
 * and RFC 8439's vectors, the AEAD on both of its paths, FSChaCha20 and FSChaCha20Poly1305 against
 * Bitcoin Core's vectors (src/test/crypto_tests.cpp, MIT licence; RFC 8439's own where Core quotes
 * them), and the packet cipher's two-step decryption.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AEAD_PATHS, aeadOpen, aeadSeal, JS_MAX_PLAINTEXT } from '../../../src/protocol/v2/aead.js';
import { chacha20Block, chacha20Keystream, keyWords } from '../../../src/protocol/v2/chacha20.js';
import {
  FSChaCha20,
  FSChaCha20Poly1305,
  PACKET_EXPANSION,
  PacketCipher,
  REKEY_INTERVAL,
} from '../../../src/protocol/v2/cipher.js';
import { poly1305WholeBlocks } from '../../../src/protocol/v2/poly1305.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const aeadKey = (bytes: Buffer) => ({ bytes, words: keyWords(bytes) });

/** OpenSSL's ChaCha20 keystream: IV = le32(block counter) ‖ nonce. */
function opensslKeystream(key: Buffer, counter: number, nonce: Buffer, length: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter, 0);
  nonce.copy(iv, 4);
  return createCipheriv('chacha20', key, iv).update(Buffer.alloc(length));
}

/** OpenSSL's ChaCha20-Poly1305: ciphertext ‖ tag. */
function opensslSeal(key: Buffer, nonce: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

const nonceWords = (nonce: Buffer): [number, number, number] => [
  nonce.readUInt32LE(0),
  nonce.readUInt32LE(4),
  nonce.readUInt32LE(8),
];

describe('ChaCha20 block function', () => {
  it('matches OpenSSL for random keys, nonces and counters', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 0xffff_fff0 }),
        fc.integer({ min: 1, max: 5 }),
        (key, nonce, counter, blocks) => {
          const n = Buffer.from(nonce);
          const ours = chacha20Keystream(keyWords(key), counter, ...nonceWords(n), blocks);
          expect(ours.equals(opensslKeystream(Buffer.from(key), counter, n, 64 * blocks))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes at an offset without touching the bytes around it', () => {
    const out = Buffer.alloc(80, 0xaa);
    chacha20Block(keyWords(Buffer.alloc(32)), 0, 0, 0, 0, out, 8);
    expect(out.subarray(0, 8).equals(Buffer.alloc(8, 0xaa))).toBe(true);
    expect(out.subarray(72).equals(Buffer.alloc(8, 0xaa))).toBe(true);
    expect(out.subarray(8, 72).equals(opensslKeystream(Buffer.alloc(32), 0, Buffer.alloc(12), 64))).toBe(true);
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => keyWords(Buffer.alloc(31))).toThrow(RangeError);
  });
});

describe('Poly1305 (RFC 8439 appendix A.3, whole-block messages, as Core quotes them)', () => {
  const vectors: [message: string, key: string, tag: string][] = [
    ['00'.repeat(64), '00'.repeat(32), '00'.repeat(16)],
    ['ff'.repeat(16), `02${'00'.repeat(31)}`, `03${'00'.repeat(15)}`],
    [`02${'00'.repeat(15)}`, `02${'00'.repeat(15)}${'ff'.repeat(16)}`, `03${'00'.repeat(15)}`],
    [`${'ff'.repeat(16)}f0${'ff'.repeat(15)}11${'00'.repeat(15)}`, `01${'00'.repeat(31)}`, `05${'00'.repeat(15)}`],
    [`${'ff'.repeat(16)}fb${'fe'.repeat(15)}${'01'.repeat(16)}`, `01${'00'.repeat(31)}`, '00'.repeat(16)],
    [`fd${'ff'.repeat(15)}`, `02${'00'.repeat(31)}`, `fa${'ff'.repeat(15)}`],
    [
      'e33594d7505e43b900000000000000003394d7505e4379cd01000000000000000000000000000000000000000000000001000000000000000000000000000000',
      '0100000000000000040000000000000000000000000000000000000000000000',
      '14000000000000005500000000000000',
    ],
    [
      'e33594d7505e43b900000000000000003394d7505e4379cd010000000000000000000000000000000000000000000000',
      '0100000000000000040000000000000000000000000000000000000000000000',
      '13000000000000000000000000000000',
    ],
  ];
  for (const [message, key, tag] of vectors) {
    it(`${message.slice(0, 16)}… (${message.length / 2} bytes) under ${key.slice(0, 8)}…`, () => {
      expect(Buffer.from(poly1305WholeBlocks(hex(key), hex(message))).toString('hex')).toBe(tag);
    });
  }

  it('refuses a message that is not whole blocks', () => {
    expect(() => poly1305WholeBlocks(Buffer.alloc(32), Buffer.alloc(15))).toThrow(RangeError);
  });
});

describe('ChaCha20-Poly1305 AEAD', () => {
  // [plaintext, aad, key, nonce, ciphertext ‖ tag]: RFC 8439 §2.8.2 and A.5, and two from Core with
  // aad and plaintext in whole blocks. Core writes nonces as {le32, le64}; here they are the 12 bytes.
  const vectors: [string, string, string, string, string][] = [
    [
      '4c616469657320616e642047656e746c656d656e206f662074686520636c61737320' +
        '6f66202739393a204966204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f722074' +
        '6865206675747572652c2073756e73637265656e20776f756c642062652069742e',
      '50515253c0c1c2c3c4c5c6c7',
      '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
      '070000004041424344454647',
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
        '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
        '3ff4def08e4b7a9de576d26586cec64b61161ae10b594f09e26a7e902ecbd0600691',
    ],
    [
      '496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f722061206d' +
        '6178696d756d206f6620736978206d6f6e74687320616e64206d617920626520757064617465642c207265706c616365' +
        '642c206f72206f62736f6c65746564206279206f7468657220646f63756d656e747320617420616e792074696d652e20' +
        '497420697320696e617070726f70726961746520746f2075736520496e7465726e65742d447261667473206173207265' +
        '666572656e6365206d6174657269616c206f7220746f2063697465207468656d206f74686572207468616e206173202f' +
        'e2809c776f726b20696e2070726f67726573732e2fe2809d',
      'f33388860000000000004e91',
      '1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0',
      '000000000102030405060708',
      '64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0' +
        'bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855' +
        '9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e9' +
        '9040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a' +
        '0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130' +
        '305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709beead9d67890cbb22392336fea1851f38',
    ],
    [
      '8d2d6a8befd9716fab35819eaac83b33269afb9f1a00fddf66095a6c0cd91951a6b7ad3db580be0674c3f0b55f618e34',
      '',
      '72ddc73f07101282bbbcf853b9012a9f9695fc5d36b303a97fd0845d0314e0c3',
      '5fb7323424407feb375558b3',
      'f760b8224fb2a317b1b07875092606131232a5b86ae142df5df1c846a7f6341af2564483dd77f836be45e6230808ffe4' +
        '02a6f0a3e8be074b3d1f4ea8a7b09451',
    ],
    [
      '',
      '36970d8a704c065de16250c18033de5a400520ac1b5842b24551e5823a3314f3946285171e04a81ebfbe3566e312e74a' +
        'b80e94c7dd2ff4e10de0098a58d0f503',
      '77adda51d6730b9ad6c995658cbd49f581b2547e7c0c08fcc24ceec797461021',
      '88da901fa47144f83efada75',
      'aaae5bb81e8407c94b2ae86ae0c7efbe',
    ],
  ];

  for (const [plain, aad, key, nonce, sealed] of vectors) {
    it(`vector: ${plain.length / 2} bytes with ${aad.length / 2} bytes of aad`, () => {
      const k = aeadKey(hex(key));
      const [n0, n1, n2] = nonceWords(hex(nonce));
      const pt = hex(plain);
      const out = Buffer.alloc(pt.length + 16);
      const split = pt.length >> 1;
      aeadSeal(k, n0, n1, n2, hex(aad), [pt.subarray(0, split), pt.subarray(split)], out, 0);
      expect(out.toString('hex')).toBe(sealed);
      expect(aeadOpen(k, n0, n1, n2, hex(aad), hex(sealed))?.toString('hex')).toBe(plain);
    });
  }

  it('each path alone, and the dispatch, agree with OpenSSL at every size, and reject any flipped bit', () => {
    expect(JS_MAX_PLAINTEXT).toBeGreaterThan(0);
    const sizes = [0, 1, 15, 16, 17, 63, 64, 65, 200, JS_MAX_PLAINTEXT - 1, JS_MAX_PLAINTEXT, JS_MAX_PLAINTEXT + 1, 3000];
    const paths = [
      ['js', AEAD_PATHS.js.seal, AEAD_PATHS.js.open],
      ['native', AEAD_PATHS.native.seal, AEAD_PATHS.native.open],
      ['dispatch', aeadSeal, aeadOpen],
    ] as const;
    for (const [name, seal, open] of paths) {
      for (const size of sizes) {
        for (const aadSize of [0, 5, 16, 33]) {
          const key = randomBytes(32);
          const nonce = randomBytes(12);
          const aad = randomBytes(aadSize);
          const pt = randomBytes(size);
          const expected = opensslSeal(key, nonce, aad, pt);
          const out = Buffer.alloc(size + 16);
          const [n0, n1, n2] = nonceWords(nonce);
          seal(aeadKey(key), n0, n1, n2, aad, [pt.subarray(0, 3), pt.subarray(3)], out, 0);
          expect(out.equals(expected), `${name}: ${size} bytes, aad ${aadSize}`).toBe(true);
          expect(open(aeadKey(key), n0, n1, n2, aad, expected)?.equals(pt)).toBe(true);
          const bit = (size * 7 + aadSize) % (expected.length * 8);
          const flipped = Buffer.from(expected);
          flipped[bit >> 3]! ^= 1 << (bit & 7);
          expect(open(aeadKey(key), n0, n1, n2, aad, flipped), `${name}: flip ${bit} of ${size}`).toBeNull();
          if (aadSize > 0) {
            const otherAad = Buffer.from(aad);
            otherAad[0]! ^= 0x80;
            expect(open(aeadKey(key), n0, n1, n2, otherAad, expected)).toBeNull();
          }
        }
      }
      expect(open(aeadKey(Buffer.alloc(32)), 0, 0, 0, Buffer.alloc(0), Buffer.alloc(15)), name).toBeNull();
    }
  });

  it('random plaintexts, keys, nonces and aad: the same bytes as OpenSSL', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 600 }),
        (key, nonce, aad, plaintext) => {
          const k = Buffer.from(key);
          const n = Buffer.from(nonce);
          const expected = opensslSeal(k, n, Buffer.from(aad), Buffer.from(plaintext));
          const out = Buffer.alloc(plaintext.length + 16);
          aeadSeal(aeadKey(k), ...nonceWords(n), aad, [plaintext], out, 0);
          expect(out.equals(expected)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a sealed message shorter than a tag does not open', () => {
    expect(aeadOpen(aeadKey(Buffer.alloc(32)), 0, 0, 0, Buffer.alloc(0), Buffer.alloc(15))).toBeNull();
  });
});

describe('FSChaCha20 (Core’s vectors)', () => {
  const vectors: [plaintext: string, key: string, interval: number, afterRotation: string][] = [
    [
      '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
      '00'.repeat(32),
      256,
      'a93df4ef03011f3db95f60d996e1785df5de38fc39bfcb663a47bb5561928349',
    ],
    ['01', '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 5, 'ea'],
    [
      'e93fdb5c762804b9a706816aca31e35b11d2aa3080108ef46a5b1f1508819c0a',
      '8ec4c3ccdaea336bdeb245636970be01266509b33f3d2642504eaf412206207a',
      4096,
      '8bfaa4eacff308fdb4a94a5ff25bd9d0c1f84b77f81239f67ff39d6e1ac280c9',
    ],
  ];
  for (const [plaintext, key, interval, afterRotation] of vectors) {
    it(`interval ${interval}: one keystream for ${interval} chunks, then the rotated key`, () => {
      const pt = hex(plaintext);
      const fs = new FSChaCha20(hex(key), interval);
      const plain = createCipheriv('chacha20', hex(key), Buffer.alloc(16));
      for (let i = 0; i < interval; i++) expect(fs.crypt(pt).equals(plain.update(pt))).toBe(true);
      const rotated = fs.crypt(pt);
      expect(rotated.equals(plain.update(pt))).toBe(false);
      expect(rotated.toString('hex')).toBe(afterRotation);
    });
  }

  it('three-byte lengths across several rekeys: the same bytes however the keystream was cut', () => {
    const key = randomBytes(32);
    const a = new FSChaCha20(key);
    const b = new FSChaCha20(key);
    for (let i = 0; i < 3 * REKEY_INTERVAL + 5; i++) {
      const chunk = randomBytes(3);
      const viaCrypt = a.crypt(chunk);
      const out = Buffer.alloc(7, 0xee);
      b.cryptInto(Buffer.concat([Buffer.alloc(2), chunk]), 2, 3, out, 4);
      expect(out.subarray(4).equals(viaCrypt)).toBe(true);
      expect(out.subarray(0, 4).equals(Buffer.alloc(4, 0xee))).toBe(true);
    }
  });
});

describe('FSChaCha20Poly1305 (Core’s vectors)', () => {
  const vectors: [plaintext: string, aad: string, key: string, index: number, sealed: string][] = [
    [
      'd6a4cb04ef0f7c09c1866ed29dc24d820e75b0491032a51b4c3366f9ca35c19ea3047ec6be9d45f9637b63e1cf9eb4c2523a5aab7b851ebeba87199db0e839cf' +
        '0d5c25e50168306377aedbe9089fd2463ded88b83211cf51b73b150608cc7a600d0f11b9a742948482e1b109d8faf15b450aa7322e892fa2208c6691e3fecf4c' +
        '711191b14d75a72147',
      '786cb9b6ebf44288974cf0',
      '5c9e1c3951a74fba66708bf9d2c217571684556b6a6a3573bff2847d38612654',
      500,
      '9dcebbd3281ea3dd8e9a1ef7d55a97abd6743e56ebc0c190cb2c4e14160b385e0bf508dddf754bd02c7c208447c131ce23e47a4a14dfaf5dd8bc601323950f75' +
        '4e05d46e9232f83fc5120fbbef6f5347a826ec79a93820718d4ec7a2b7cfaaa44b21e16d726448b62f803811aff4f6d827ed78e738ce8a507b81a8ae13131192' +
        '8039213de18a5120dc9b7370baca878f50ff254418de3da50c',
    ],
    [
      '8349b7a2690b63d01204800c288ff1138a1d473c832c90ea8b3fc102d0bb3adc44261b247c7c3d6760bfbe979d061c305f46d94c0582ac3099f0bf249f8cb234',
      '',
      '3bd2093fcbcb0d034d8c569583c5425c1a53171ea299f8cc3bbf9ae3530adfce',
      60000,
      '30a6757ff8439b975363f166a0fa0e36722ab35936abd704297948f45083f4d499433137ce931f7fca28a0acd3bc30f57b550acbc21cbd45bbef0739d9caf30c' +
        '14b94829deb27f0b1923a2af704ae5d6',
    ],
  ];
  for (const [plaintext, aad, key, index, sealed] of vectors) {
    it(`message ${index}: encrypts to the vector and decrypts back`, () => {
      const enc = new FSChaCha20Poly1305(hex(key));
      const dec = new FSChaCha20Poly1305(hex(key));
      for (let i = 0; i < index; i++) {
        const dummy = enc.encrypt(Buffer.alloc(0), Buffer.alloc(0));
        expect(dec.decrypt(Buffer.alloc(0), dummy)?.length).toBe(0);
      }
      const out = enc.encrypt(hex(aad), hex(plaintext));
      expect(out.toString('hex')).toBe(sealed);
      expect(dec.decrypt(hex(aad), out)?.toString('hex')).toBe(plaintext);
    });
  }
});

describe('PacketCipher', () => {
  const keys = () => {
    const [l, p] = [randomBytes(32), randomBytes(32)];
    return {
      sender: new PacketCipher({ sendL: l, sendP: p, recvL: randomBytes(32), recvP: randomBytes(32) }),
      receiver: new PacketCipher({ sendL: randomBytes(32), sendP: randomBytes(32), recvL: l, recvP: p }),
    };
  };

  it('a packet is 20 bytes more than its contents, decrypted in two steps', () => {
    const { sender, receiver } = keys();
    for (const size of [0, 1, 100, 5000]) {
      const contents = randomBytes(size);
      const packet = sender.encrypt([contents.subarray(0, 1), contents.subarray(1)]);
      expect(packet.length).toBe(size + PACKET_EXPANSION);
      expect(receiver.decryptLength(packet)).toBe(size);
      const opened = receiver.decrypt(packet.subarray(3));
      expect(opened?.ignore).toBe(false);
      expect(opened?.contents.equals(contents)).toBe(true);
    }
  });

  it('carries the ignore bit and the aad', () => {
    const { sender, receiver } = keys();
    const aad = randomBytes(40);
    const packet = sender.encrypt(Buffer.from('decoy'), aad, true);
    expect(receiver.decryptLength(packet)).toBe(5);
    expect(receiver.decrypt(packet.subarray(3), Buffer.alloc(0))).toBeNull();
    const { sender: s2, receiver: r2 } = keys();
    const again = s2.encrypt(Buffer.from('decoy'), aad, true);
    r2.decryptLength(again);
    expect(r2.decrypt(again.subarray(3), aad)).toEqual({ ignore: true, contents: Buffer.from('decoy') });
  });

  it('a flipped bit in the length gives another length; in the rest, a failed decryption', () => {
    const { sender, receiver } = keys();
    const packet = sender.encrypt(Buffer.alloc(10));
    const flipped = Buffer.from(packet);
    flipped[0]! ^= 0x01;
    expect(receiver.decryptLength(flipped)).toBe(10 ^ 0x01);
    const { sender: s2, receiver: r2 } = keys();
    const second = s2.encrypt(Buffer.alloc(10));
    const body = Buffer.from(second.subarray(3));
    body[body.length - 1]! ^= 0x40;
    expect(r2.decryptLength(second)).toBe(10);
    expect(r2.decrypt(body)).toBeNull();
  });

  it('refuses contents the 3-byte length cannot describe', () => {
    const { sender } = keys();
    expect(() => sender.encrypt(Buffer.alloc(2 ** 24))).toThrow(RangeError);
  });
});
