package io.alignstream.extractor.diffusion.text;

/**
 * GPT-2/CLIP's reversible byte-to-unicode table: printable Latin-1 bytes stand for themselves,
 * the other 68 bytes are shifted to code points 256+ so every byte is a visible, non-space
 * symbol that BPE merges and vocab.json can hold.
 */
final class ByteSymbols {

  private static final char[] SYMBOLS = new char[256];
  /** Byte values in vocabulary order: the printable ones first, then the shifted ones. */
  private static final int[] ORDER = new int[256];

  static {
    boolean[] printable = new boolean[256];
    int k = 0;
    for (int b = 0; b < 256; b++) {
      if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
        printable[b] = true;
        SYMBOLS[b] = (char) b;
        ORDER[k++] = b;
      }
    }
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      if (!printable[b]) {
        SYMBOLS[b] = (char) (256 + shifted++);
        ORDER[k++] = b;
      }
    }
  }

  private ByteSymbols() {}

  static char symbol(int unsignedByte) {
    return SYMBOLS[unsignedByte];
  }

  /** The i-th base symbol of a CLIP vocabulary (ids 0..255; ids 256..511 add "</w>"). */
  static char baseSymbol(int i) {
    return SYMBOLS[ORDER[i]];
  }
}
