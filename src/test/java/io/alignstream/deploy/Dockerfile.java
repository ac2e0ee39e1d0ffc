package io.alignstream.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the agreement tests need of one of the repository's Dockerfiles, read from its final stage:
 * base images, environment, exposed ports, volumes, user, health check, entrypoint and command
 * (exec form), and which repository file each {@code COPY} puts where. It reads the forms these
 * files use (ENV KEY=VALUE, JSON arrays) and fails on anything else rather than guess.
 *
 * <p>Images are named {@code alignstream/<folder>[-<variant>]}: {@code alignstream/extractor-cuda}
 * is {@code extractor/Dockerfile.cuda}.
 */
record Dockerfile(Path path, List<String> from, Map<String, String> env, List<Integer> exposed, List<String> volumes,
    String user, List<String> healthcheck, List<String> entrypoint, List<String> cmd, Map<String, Path> copies) {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final String IMAGE_PREFIX = "alignstream/";

  /** The Dockerfile an image reference (any registry, any tag) of this repository is built from. */
  static Path forImage(String image) {
    String repository = image.replaceFirst("[:@].*$", "");
    String name = repository.substring(repository.lastIndexOf('/') + 1);
    int dash = name.indexOf('-');
    return dash < 0 ? Path.of(name, "Dockerfile") : Path.of(name.substring(0, dash), "Dockerfile." + name.substring(dash + 1));
  }

  static boolean ours(String image) {
    return image.replaceFirst("[:@].*$", "").contains(IMAGE_PREFIX);
  }

  static Dockerfile read(Path path) throws IOException {
    List<String> from = new ArrayList<>();
    Map<String, String> env = new LinkedHashMap<>();
    List<Integer> exposed = new ArrayList<>();
    List<String> volumes = new ArrayList<>();
    Map<String, Path> copies = new LinkedHashMap<>();
    String user = null;
    List<String> healthcheck = List.of();
    List<String> entrypoint = List.of();
    List<String> cmd = List.of();
    for (String line : instructions(Files.readAllLines(path))) {
      String[] parts = line.split("\\s+", 2);
      String instruction = parts[0].toUpperCase();
      String rest = parts.length > 1 ? parts[1].strip() : "";
      switch (instruction) {
        case "FROM" -> {
          from.add(rest.split("\\s+")[0]);
          // A new stage: only the final one's settings make the image.
          env.clear();
          exposed.clear();
          volumes.clear();
          copies.clear();
          user = null;
        }
        case "ENV" -> {
          for (String pair : rest.split("\\s+")) {
            int eq = pair.indexOf('=');
            if (eq < 1) {
              throw new IllegalArgumentException(path + ": ENV " + rest + " is not KEY=VALUE ...");
            }
            env.put(pair.substring(0, eq), pair.substring(eq + 1));
          }
        }
        case "EXPOSE" -> Arrays.stream(rest.split("\\s+")).map(p -> Integer.parseInt(p.replace("/tcp", ""))).forEach(exposed::add);
        case "VOLUME" -> volumes.addAll(rest.startsWith("[") ? array(path, rest) : List.of(rest.split("\\s+")));
        case "USER" -> user = rest;
        case "COPY" -> {
          if (!rest.startsWith("--from")) {
            String[] paths = rest.split("\\s+");
            copies.put(paths[paths.length - 1], Path.of(paths[0]));
          }
        }
        case "HEALTHCHECK" -> healthcheck = array(path, rest.substring(rest.indexOf("CMD") + "CMD".length()).strip());
        case "ENTRYPOINT" -> entrypoint = array(path, rest);
        case "CMD" -> cmd = array(path, rest);
        default -> { } // RUN, WORKDIR, LABEL, ARG: nothing the checks need
      }
    }
    return new Dockerfile(path, from, env, exposed, volumes, user, healthcheck, entrypoint, cmd, copies);
  }

  /** Logical lines: comments dropped, backslash continuations joined. */
  private static List<String> instructions(List<String> lines) {
    List<String> result = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : lines) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      result.add(current.toString().strip());
      current.setLength(0);
    }
    return result;
  }

  private static List<String> array(Path path, String json) {
    try {
      return JSON.readValue(json, new TypeReference<List<String>>() {});
    } catch (IOException e) {
      throw new IllegalArgumentException(path + ": expected the exec form [\"...\"], found " + json, e);
    }
  }
}
