/** Bytes pushed one at a time into an array that doubles when full: where the image encoders' bit writers put bytes. */
export class ByteSink {
  #bytes = new Uint8Array(1 << 16);
  #length = 0;

  push(byte: number): void {
    if (this.#length === this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[this.#length++] = byte;
  }

  /** The bytes pushed so far (a view, not a copy). */
  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }
}
