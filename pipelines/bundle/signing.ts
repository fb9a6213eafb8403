// Signatures of a bundle's bundle.json in the format of `cosign sign-blob --key` /
// `cosign verify-blob --key`: an ECDSA P-256 signature over the SHA-256 of the payload,
// ASN.1 DER, base64-encoded. Keys are PEM: PKCS#8 or SEC1, PKCS#8 encrypted with a password,
// or cosign's own "ENCRYPTED SIGSTORE PRIVATE KEY" files (scrypt + NaCl secretbox).
import { createHash, createPrivateKey, createPublicKey, scryptSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import nacl from 'tweetnacl';
import { InputError, PreconditionError } from '../errors.js';

/** The signature could not be checked, or does not hold: exit 3, nothing imported. */
export class SignatureError extends PreconditionError {}

const keyHint = 'use an ECDSA P-256 key in PEM, e.g. from `cosign generate-key-pair` or `openssl ecparam -name prime256v1 -genkey | openssl pkcs8 -topk8 -nocrypt`';

function readKeyFile(file: string, what: string): Promise<string> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`${what} ${file}: cannot read it (${error.code ?? error.message})`, { hint: 'check the path' });
  });
}

function requireP256(key: KeyObject, file: string, what: string): void {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    const type = key.asymmetricKeyType === 'ec' ? `an EC key on ${curve ?? 'an unknown curve'}` : `a${key.asymmetricKeyType === 'rsa' ? 'n' : ''} ${key.asymmetricKeyType?.toUpperCase() ?? 'unknown'} key`;
    throw new InputError(`${what} ${file}: is ${type}, not ECDSA P-256`, { hint: keyHint });
  }
}

/** sha256 of the public key's DER (SubjectPublicKeyInfo): what `bundle inspect` shows as the signer. */
export function keyFingerprint(key: KeyObject): string {
  const spki = (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

interface CosignEncrypted {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

/** Decrypts cosign's key file body (go-securesystemslib's encrypted format) to PKCS#8 DER. */
function decryptCosignKey(pem: string, password: string, file: string): Buffer {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  let data: CosignEncrypted;
  try {
    data = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as CosignEncrypted;
  } catch {
    throw new InputError(`--sign-key ${file}: the cosign key file is damaged (its body is not JSON)`, { hint: 'export the key again with cosign' });
  }
  if (data.kdf?.name !== 'scrypt' || data.cipher?.name !== 'nacl/secretbox') {
    throw new InputError(`--sign-key ${file}: unsupported cosign key encryption ${data.kdf?.name}/${data.cipher?.name}`, { hint: keyHint });
  }
  const { N, r, p } = data.kdf.params;
  const secret = scryptSync(password, Buffer.from(data.kdf.salt, 'base64'), 32, { N, r, p, maxmem: 256 * N * r + (1 << 20) });
  const opened = nacl.secretbox.open(Buffer.from(data.ciphertext, 'base64'), Buffer.from(data.cipher.nonce, 'base64'), secret);
  if (!opened) throw new SignatureError(`--sign-key ${file}: wrong password (the key does not decrypt)`, { hint: 'give the password the key was made with' });
  return Buffer.from(opened);
}

export interface KeyPassword {
  /** Where the password comes from, for messages (e.g. "$SHIPLINE_KEY_PASSWORD"). */
  source: string;
  read: () => Promise<string>;
}

/** Loads a private signing key; an encrypted one needs `password`. */
export async function loadSigningKey(file: string, password?: KeyPassword): Promise<KeyObject> {
  const pem = await readKeyFile(file, '--sign-key');
  const label = /-----BEGIN ([A-Z ]+)-----/.exec(pem)?.[1];
  const encrypted = label?.startsWith('ENCRYPTED') ?? false;
  if (encrypted && !password) {
    throw new InputError(`--sign-key ${file}: the key is encrypted and no password was given`, {
      hint: 'pipe the password with --sign-password-stdin, or set SHIPLINE_KEY_PASSWORD (COSIGN_PASSWORD works too); never as a flag',
    });
  }
  let key: KeyObject;
  if (label === 'ENCRYPTED SIGSTORE PRIVATE KEY' || label === 'ENCRYPTED COSIGN PRIVATE KEY') {
    key = createPrivateKey({ key: decryptCosignKey(pem, await password!.read(), file), format: 'der', type: 'pkcs8' });
  } else if (label === 'PRIVATE KEY' || label === 'EC PRIVATE KEY' || label === 'ENCRYPTED PRIVATE KEY' || label === 'RSA PRIVATE KEY') {
    try {
      key = createPrivateKey(encrypted ? { key: pem, passphrase: await password!.read() } : pem);
    } catch (error) {
      if (encrypted) throw new SignatureError(`--sign-key ${file}: wrong password (the key does not decrypt)`, { hint: `check the password from ${password!.source}` });
      throw new InputError(`--sign-key ${file}: not a readable private key (${(error as Error).message})`, { hint: keyHint });
    }
  } else {
    throw new InputError(`--sign-key ${file}: not a PEM private key${label ? ` (it holds "${label}")` : ''}`, { hint: keyHint });
  }
  requireP256(key, file, '--sign-key');
  return key;
}

/** Loads a public verification key (PEM SubjectPublicKeyInfo, as cosign writes cosign.pub). */
export async function loadPublicKey(file: string): Promise<KeyObject> {
  const pem = await readKeyFile(file, '--key');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new InputError(`--key ${file}: not a PEM public key (${(error as Error).message})`, { hint: 'pass the public half, e.g. cosign.pub' });
  }
  requireP256(key, file, '--key');
  return key;
}

/** cosign's signature text: base64 of the DER signature over sha256(payload). */
export function signPayload(payload: Buffer, key: KeyObject): string {
  return sign('sha256', payload, { key, dsaEncoding: 'der' }).toString('base64');
}

/** Checks a signature (base64, as cosign writes it) over payload; throws SignatureError when it does not hold. */
export function verifyPayload(payload: Buffer, signature: Buffer, key: KeyObject, where: string): void {
  const text = signature.toString('utf8').trim();
  const der = /^[A-Za-z0-9+/=\s]+$/.test(text) ? Buffer.from(text, 'base64') : signature;
  let ok = false;
  try {
    ok = der.length > 0 && verify('sha256', payload, { key, dsaEncoding: 'der' }, der);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new SignatureError(`${where}: the signature does not match this key and content (key ${keyFingerprint(key)})`, {
      hint: 'the bundle was changed after signing, or signed with another key: get the bundle and the signer\'s public key again',
    });
  }
}
