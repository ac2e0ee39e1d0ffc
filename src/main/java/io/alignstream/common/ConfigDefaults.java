package io.alignstream.common;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where an option's value comes from when it is not given on the command line: first the
 * environment, then the properties file named by {@code --config}, then the option's own
 * default. An option {@code --schema-registry-url} is read from the environment variable
 * {@code ALIGNSTREAM_SCHEMA_REGISTRY_URL} and from the file key {@code schema.registry.url}.
 * Flags beat the environment, which beats the file, so a container can override a file baked
 * into its image.
 */
public final class ConfigDefaults implements IDefaultValueProvider {

  public static final String ENV_PREFIX = "ALIGNSTREAM_";

  private final Properties file;
  private final Map<String, String> environment;

  public ConfigDefaults(Properties file, Map<String, String> environment) {
    this.file = file;
    this.environment = Map.copyOf(environment);
  }

  /** Reads the file named by {@code --config FILE} or {@code --config=FILE} in args, if any. */
  public static ConfigDefaults fromArgs(String[] args, Map<String, String> environment) {
    return new ConfigDefaults(loadFile(configFileArgument(args)), environment);
  }

  /** Reads {@code file} (none when null). */
  public static ConfigDefaults fromFile(String file, Map<String, String> environment) {
    return new ConfigDefaults(loadFile(file == null ? null : Path.of(file)), environment);
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option)) {
      return null;
    }
    String key = fileKey(option.longestName());
    String fromEnvironment = environment.get(environmentName(key));
    if (fromEnvironment != null) {
      return fromEnvironment;
    }
    return file.getProperty(key);
  }

  /** Kafka client pass-through: file keys {@code kafka.X} and variables {@code ALIGNSTREAM_KAFKA_X}. */
  public Map<String, String> kafkaProperties() {
    var result = new java.util.TreeMap<String, String>();
    for (String name : file.stringPropertyNames()) {
      if (name.startsWith("kafka.")) {
        result.put(name.substring("kafka.".length()), file.getProperty(name));
      }
    }
    environment.forEach((name, value) -> {
      if (name.startsWith(ENV_PREFIX + "KAFKA_")) {
        String key = name.substring((ENV_PREFIX + "KAFKA_").length()).toLowerCase(Locale.ROOT).replace('_', '.');
        result.put(key, value);
      }
    });
    return result;
  }

  /** {@code --schema-registry-url} -> {@code schema.registry.url}. */
  public static String fileKey(String optionName) {
    return optionName.replaceFirst("^-+", "").replace('-', '.');
  }

  /** {@code schema.registry.url} -> {@code ALIGNSTREAM_SCHEMA_REGISTRY_URL}. */
  public static String environmentName(String fileKey) {
    return ENV_PREFIX + fileKey.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  private static Path configFileArgument(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return Path.of(args[i].substring("--config=".length()));
      }
    }
    return null;
  }

  private static Properties loadFile(Path path) {
    Properties properties = new Properties();
    if (path == null) {
      return properties;
    }
    if (Files.isDirectory(path)) {
      throw new IllegalArgumentException("--config " + path + " is a directory, not a properties file");
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("--config " + path + ": no such file");
    }
    try (InputStream in = Files.newInputStream(path)) {
      properties.load(in);
    } catch (IOException | IllegalArgumentException e) { // IllegalArgumentException: a malformed unicode escape
      throw new IllegalArgumentException("--config " + path + " cannot be read as properties: " + e.getMessage(), e);
    }
    return properties;
  }
}
