package io.alignstream.local;

import java.util.List;

/** The Kafka side of a {@link LocalCluster}: one broker in this process or several in their own. */
interface KafkaBrokers extends AutoCloseable {

  String bootstrapServers();

  /** One line per broker, for the banner. */
  List<String> describe();

  @Override
  void close();
}
