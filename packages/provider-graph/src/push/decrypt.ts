import { constants, createDecipheriv, createHmac, privateDecrypt, timingSafeEqual } from 'node:crypto';

/** Graph's `encryptedContent` of a rich notification. */
export interface EncryptedContent {
  data?: string;
  dataKey?: string;
  dataSignature?: string;
  encryptionCertificateId?: string;
  encryptionCertificateThumbprint?: string;
}

/**
 * The resource a rich notification carries, as Graph documents its encryption: `dataKey` is a
 * symmetric key wrapped with the certificate's public key (RSA-OAEP with SHA-1), `dataSignature` the
 * HMAC-SHA256 of the encrypted `data` under that key, checked before anything is decrypted, and `data`
 * AES-CBC with PKCS#7 padding, its initialisation vector the key's first 16 bytes. Throws with the
 * reason when any of it fails.
 */
export function decryptResource(content: EncryptedContent, privateKey: string): unknown {
  if (!content.data || !content.dataKey || !content.dataSignature)
    throw new Error('encryptedContent lacks data, dataKey or dataSignature');
  let key: Buffer;
  try {
    key = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(content.dataKey, 'base64'),
    );
  } catch {
    throw new Error('dataKey could not be unwrapped with the configured certificate');
  }
  const data = Buffer.from(content.data, 'base64');
  const expected = createHmac('sha256', key).update(data).digest();
  const given = Buffer.from(content.dataSignature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new Error('dataSignature does not match the data');
  const decipher = createDecipheriv(`aes-${key.length * 8}-cbc`, key, key.subarray(0, 16));
  const text = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  return JSON.parse(text);
}
