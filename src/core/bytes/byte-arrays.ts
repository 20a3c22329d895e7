/**
 * Making byte arrays: fresh ones for rewriters' outputs, and joins of several into one.
 *
 * Small outputs are carved from 64 KiB slabs rather than allocated one by one (allocation and
 * zeroing showed up in profiles). A carved array is never written again after it is returned,
 * so sharing a slab between outputs is safe; a slab lives as long as any output in it does.
 */
const SLAB_SIZE = 65536;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/** A fresh array of `size` bytes, carved from the current slab when small. */
export function allocate(size: number): Uint8Array {
  if (size > SLAB_SIZE / 4) return new Uint8Array(size);
  if (slabUsed + size > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += size;
  return out;
}

/** Gives back the unused tail of the most recent {@link allocate}d array; returns the used part. */
export function trimLast(array: Uint8Array, used: number): Uint8Array {
  if (array.buffer === slab.buffer && array.byteOffset + array.byteLength === slabUsed) {
    slabUsed -= array.byteLength - used;
  }
  return array.subarray(0, used);
}

/** Copies `parts` one after another into `target` (which must hold them); returns `target`. */
export function copyInto<T extends Uint8Array>(parts: readonly Uint8Array[], target: T): T {
  let offset = 0;
  for (const part of parts) {
    target.set(part, offset);
    offset += part.byteLength;
  }
  return target;
}

/** `parts` joined into a fresh array (never one of them). */
export function copyBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  return copyInto(parts, allocate(total));
}

export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 0) return new Uint8Array(0);
  if (parts.length === 1) return parts[0] as Uint8Array;
  return copyBytes(parts, total ?? parts.reduce((sum, part) => sum + part.byteLength, 0));
}
