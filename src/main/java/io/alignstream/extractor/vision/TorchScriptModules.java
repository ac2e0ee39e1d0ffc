package io.alignstream.extractor.vision;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The submodules a TorchScript archive holds, by module path, read from the archive itself: a
 * traced module keeps no hooks, so only what {@code forward} returns can be a layer, but the
 * module tree is still there, and its paths are what a user hooks when exporting again
 * (docs/vision-models.md, "Export recipe").
 *
 * <p>How the tree is stored: {@code data.pkl} pickles the root module object, whose class is
 * the pickle's first global ({@code __torch__ Hooked}); {@code code/__torch__/a/b.py} holds the
 * TorchScript source of classes {@code __torch__.a.b.C}, one {@code class C(Module):} block each,
 * whose attribute declarations ({@code   layer1 : __torch__.torch.nn.modules.container.Sequential})
 * name its submodules in registration order ({@code   __annotations__["0"] = ...} for names
 * that are no identifiers, such as a Sequential's). Walking those declarations from the root class
 * gives every module path, as {@code named_modules()} would in Python.
 *
 * @param modules every submodule below the root, depth first, as {@code named_modules()} lists them
 */
record TorchScriptModules(List<Module> modules) {

  /** One submodule: its path from the archive's root module and its class's short name. */
  record Module(String path, String type) {}

  private static final Pattern CLASS = Pattern.compile("^class (\\w+)\\((\\w+)\\):");
  /** {@code   name : TYPE}, or for a name that is no identifier ("0" in a Sequential) {@code   __annotations__["0"] = TYPE}. */
  private static final Pattern ATTRIBUTE =
      Pattern.compile("^  (?:(\\w+) : |__annotations__\\[\"([^\"]+)\"\\] = )(__torch__\\.[\\w.]+)\\s*$");
  /** Far deeper than any real network; guards against a malformed archive that nests a class in itself. */
  private static final int MAX_DEPTH = 64;

  TorchScriptModules {
    modules = List.copyOf(modules);
  }

  /**
   * Reads the module tree of a TorchScript archive; empty when the file is not a zip with a
   * {@code data.pkl} and {@code code/} sources (then nothing can be said about its modules).
   */
  static TorchScriptModules read(Path file) {
    Map<String, List<String[]>> classes = new HashMap<>(); // class -> its submodule attributes [name, type]
    String root = null;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
        ZipEntry entry = entries.nextElement();
        String name = entry.getName();
        int code = name.indexOf("/code/");
        if (name.endsWith("/data.pkl") && name.indexOf('/') == name.lastIndexOf('/')) {
          try (InputStream in = zip.getInputStream(entry)) {
            root = rootClass(in.readNBytes(512));
          }
        } else if (code >= 0 && name.endsWith(".py")) {
          String module = name.substring(code + "/code/".length(), name.length() - ".py".length()).replace('/', '.');
          try (InputStream in = zip.getInputStream(entry)) {
            readClasses(module, new String(in.readAllBytes(), StandardCharsets.UTF_8), classes);
          }
        }
      }
    } catch (IOException e) {
      return new TorchScriptModules(List.of());
    }
    List<Module> modules = new ArrayList<>();
    if (root != null) {
      walk(root, "", classes, modules, 0);
    }
    return new TorchScriptModules(modules);
  }

  /** The module whose path equals {@code name} or ends with {@code .name}, if there is one. */
  Optional<Module> find(String name) {
    return modules.stream().filter(m -> m.path().equals(name) || m.path().endsWith("." + name)).findFirst();
  }

  /**
   * The class of the pickled root object: protocol 2 starts {@code 0x80 0x02}, then the GLOBAL
   * opcode {@code 'c'} with the module and the class name, each ending in a newline.
   */
  private static String rootClass(byte[] head) {
    if (head.length < 4 || (head[0] & 0xff) != 0x80 || head[2] != 'c') {
      return null;
    }
    String text = new String(head, 3, head.length - 3, StandardCharsets.ISO_8859_1);
    String[] lines = text.split("\n", 3);
    return lines.length < 3 ? null : lines[0] + "." + lines[1];
  }

  /** Adds the Module classes of one source file, with their attributes of a __torch__ class type. */
  private static void readClasses(String module, String source, Map<String, List<String[]>> classes) {
    List<String[]> current = null;
    for (String line : source.split("\n")) {
      Matcher c = CLASS.matcher(line);
      if (c.find()) {
        current = c.group(2).equals("Module") ? new ArrayList<>() : null;
        if (current != null) {
          classes.put(module + "." + c.group(1), current);
        }
        continue;
      }
      Matcher a = ATTRIBUTE.matcher(line);
      if (current != null && a.find()) {
        current.add(new String[] {a.group(1) != null ? a.group(1) : a.group(2), a.group(3)});
      }
    }
  }

  /** Depth first, as named_modules(): a module, then its children's subtrees in declaration order. */
  private static void walk(String type, String prefix, Map<String, List<String[]>> classes, List<Module> out,
      int depth) {
    List<String[]> attributes = classes.get(type);
    if (attributes == null || depth > MAX_DEPTH) {
      return;
    }
    Map<String, String> children = new LinkedHashMap<>();
    for (String[] attribute : attributes) {
      if (classes.containsKey(attribute[1])) { // a Module class of this archive (not a custom class or tensor)
        children.put(attribute[0], attribute[1]);
      }
    }
    children.forEach((name, childType) -> {
      String path = prefix.isEmpty() ? name : prefix + "." + name;
      out.add(new Module(path, childType.substring(childType.lastIndexOf('.') + 1)));
      walk(childType, path, classes, out, depth + 1);
    });
  }
}
