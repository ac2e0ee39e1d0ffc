package io.alignstream.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {

  @Test
  void printingAConfigShowsNoSecret() {
    ClusterConfig config = new ClusterConfig("127.0.0.1:9093", "http://reg:url-secret@127.0.0.1:8081",
        Topics.withDefaultPrefix(), Map.of(
            "security.protocol", "SASL_SSL",
            "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\""
                + " password=\"jaas-secret\";",
            "ssl.truststore.password", "store-secret",
            "basic.auth.user.info", "reg:user-info-secret"));

    assertThat(config.toString())
        .contains("SASL_SSL", "127.0.0.1:9093", "127.0.0.1:8081", "sasl.jaas.config=[hidden]")
        .doesNotContain("url-secret", "jaas-secret", "store-secret", "user-info-secret");
  }
}
