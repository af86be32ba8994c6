import { randomBytes } from 'node:crypto';

/**
 * A token or key for one test run, made up at run time: no credential-shaped literal sits in the
 * repository, and a test that checks a secret is never echoed cannot pass by a fixed string.
 */
export function testSecret(label: string): string {
  return `${label}-${randomBytes(16).toString('hex')}`;
}
