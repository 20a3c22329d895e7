/** `Vary` on a response whose body depends on a request header the cache key must include. */
export function addVary(headers: Headers, field: string): void {
  const vary = headers.get('vary');
  if (vary === null || vary.trim() === '') {
    headers.set('vary', field);
    return;
  }
  const fields = vary.split(',').map((item) => item.trim().toLowerCase());
  // `*` already varies on everything; a field listed once is enough.
  if (fields.includes('*') || fields.includes(field.toLowerCase())) return;
  headers.set('vary', `${vary}, ${field}`);
}
