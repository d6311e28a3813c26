/**
 * Canonical lowercase UUID text (`8-4-4-4-12` hex digits, 36 bytes) to its 16 bytes and back,
 * for the batch codec's packed text mode. Only lowercase is packed so that unpacking gives the
 * exact original bytes; anything else is not a UUID here and travels as text.
 */
export const UUID_TEXT_BYTES = 36;
export const UUID_BYTES = 16;

/** Hex digit value of each byte, -1 for anything but 0-9 and a-f. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[0x61 + i] = 10 + i;
const HEX_CHAR = new Uint8Array(Buffer.from('0123456789abcdef', 'latin1'));
/** Offset of the first hex digit of each of the 16 bytes in the text. */
const DIGIT_AT = Uint8Array.from([0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]);
const DASH = 0x2d;

/** Packs text[s..s+36) into out[o..o+16); false (out partly written) when it is not a lowercase UUID. */
export function packUuid(text: Uint8Array, s: number, out: Uint8Array, o: number): boolean {
  if (text[s + 8] !== DASH || text[s + 13] !== DASH || text[s + 18] !== DASH || text[s + 23] !== DASH) return false;
  for (let k = 0; k < UUID_BYTES; k++) {
    const at = s + DIGIT_AT[k];
    const hi = HEX_VALUE[text[at]];
    const lo = HEX_VALUE[text[at + 1]];
    if ((hi | lo) < 0) return false;
    out[o + k] = (hi << 4) | lo;
  }
  return true;
}

/** Writes the 36-byte text of the UUID in src[s..s+16) to out[o..o+36). */
export function unpackUuid(src: Uint8Array, s: number, out: Uint8Array, o: number): void {
  for (let k = 0; k < UUID_BYTES; k++) {
    const b = src[s + k];
    const at = o + DIGIT_AT[k];
    out[at] = HEX_CHAR[b >> 4];
    out[at + 1] = HEX_CHAR[b & 15];
  }
  out[o + 8] = DASH;
  out[o + 13] = DASH;
  out[o + 18] = DASH;
  out[o + 23] = DASH;
}
