/**
 * Compares two strings in time that depends only on their lengths, not on where they differ, so a
 * client probing tokens cannot learn a correct prefix from response times. Lengths are public here
 * (a `tstoken` is always 43 characters), so a length mismatch may answer at once.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
