// The dashboard's token: 32 random bytes in hex, made at start; a presented token is compared in constant time
// (over SHA-256 digests, so the lengths compared are equal whatever was sent).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}
