package io.alignstream.extractor.nn;

import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A TorchScript module without parameters, written from its source in memory and compiled by
 * libtorch when it loads it: no Python, no C++, no file ({@link TorchScriptKernels}, and the
 * vision extractor's pooling module).
 *
 * <p>A TorchScript archive is a zip of uncompressed entries under one top folder:
 * {@code code/__torch__.py} (the class source, which libtorch parses and compiles on load),
 * {@code data.pkl} (a protocol-2 pickle of the module object: its class and
 * {@code {training: False}}), {@code constants.pkl} (an empty tuple) and {@code version}. The
 * format is the one libtorch {@value #TESTED_LIBTORCH} reads (archive version
 * {@value #ARCHIVE_VERSION}); {@code TorchScriptKernelsTest} loads it on the engine in use.
 * Operators are called as {@code ops.<namespace>.<name>} or {@code torch.<name>}, the spellings
 * the serialized-code importer resolves. Tensors a module call returns are inference tensors:
 * never modify them in place.
 */
public final class TorchScriptArchive {

  /** The libtorch version the archive layout below was written for and is tested on. */
  public static final String TESTED_LIBTORCH = "2.5.1";
  /** The archive's {@code version} entry (the oldest layout libtorch 2.x still reads without .data/). */
  static final int ARCHIVE_VERSION = 6;

  private TorchScriptArchive() {}

  /**
   * Compiles the module class {@code className}, whose source {@code source} declares it (in
   * module {@code __torch__}), owned by {@code manager}.
   *
   * @throws IllegalStateException when libtorch does not compile it
   */
  public static PtSymbolBlock load(PtNDManager manager, String className, String source) {
    try {
      return JniUtils.loadModule(manager, new ByteArrayInputStream(archive(className, source)), false, false);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("libtorch " + ai.djl.engine.Engine.getEngine("PyTorch").getVersion()
          + " did not compile the TorchScript module " + className + " (the archive layout is tested on "
          + TESTED_LIBTORCH + "): " + e.getMessage(), e);
    }
  }

  /** The archive bytes: what {@code torch.jit.save} would write for a module of {@code source}. */
  public static byte[] archive(String className, String source) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      stored(zip, "module/data.pkl", modulePickle(className));
      stored(zip, "module/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
      stored(zip, "module/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // PROTO 2, (), STOP
      stored(zip, "module/version", (ARCHIVE_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** {@code __torch__.<className>} object with state {@code {"training": False}}, pickled with protocol 2. */
  private static byte[] modulePickle(String className) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.write(0x80); // PROTO
    p.write(2);
    p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL module class
    p.write(')'); // EMPTY_TUPLE: no constructor arguments
    p.write(0x81); // NEWOBJ
    p.write('}'); // EMPTY_DICT: the state
    p.write('('); // MARK
    byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
    p.write('X'); // BINUNICODE, 4-byte little-endian length
    p.write(key.length);
    p.write(0);
    p.write(0);
    p.write(0);
    p.writeBytes(key);
    p.write(0x89); // NEWFALSE
    p.write('u'); // SETITEMS
    p.write('b'); // BUILD: set the state on the object
    p.write('.'); // STOP
    return p.toByteArray();
  }

  /** libtorch reads entries in place: they must be STORED, which needs size and CRC up front. */
  private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setSize(data.length);
    e.setCompressedSize(data.length);
    CRC32 crc = new CRC32();
    crc.update(data);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    zip.write(data);
    zip.closeEntry();
  }
}
