// Signatures in cosign's sign-blob format: base64 of a DER ECDSA P-256 signature over
// SHA-256 of bundle.json; anything else, or another key, is a SignatureError (exit 3).
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyFingerprint, SignatureError, signPayload, verifyPayload } from '../../pipelines/bundle/signing.js';

const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('bundle signatures', () => {
  const { privateKey, publicKey } = pair();
  const payload = Buffer.from('{"schemaVersion":1}\n');

  it('are base64 DER that a plain ECDSA-SHA256 check accepts, and verify against the public key', () => {
    const signature = signPayload(payload, privateKey);
    expect(signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(verify('sha256', payload, { key: publicKey, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'))).toBe(true);
    expect(() => verifyPayload(payload, Buffer.from(`${signature}\n`), publicKey, 'b')).not.toThrow();
  });

  it('fail with another key, another payload, or a signature that is not one', () => {
    const signature = Buffer.from(signPayload(payload, privateKey));
    expect(() => verifyPayload(payload, signature, pair().publicKey, 'b')).toThrow(SignatureError);
    expect(() => verifyPayload(Buffer.from('{"schemaVersion":2}\n'), signature, publicKey, 'b')).toThrow(SignatureError);
    expect(() => verifyPayload(payload, Buffer.from('not a signature!'), publicKey, 'b')).toThrow(SignatureError);
    expect(() => verifyPayload(payload, Buffer.alloc(0), publicKey, 'b')).toThrow(SignatureError);
  });

  it('name the signer by the sha256 of its public key, the same from either half', () => {
    expect(keyFingerprint(privateKey)).toBe(keyFingerprint(publicKey));
    expect(keyFingerprint(publicKey)).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(keyFingerprint(pair().publicKey)).not.toBe(keyFingerprint(publicKey));
  });
});
