package io.alignstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A restoration's bytes: each changelog's restored records at that changelog's stored bytes per record. */
class ChangelogSizesTest {

  @Test
  void restoredRecordsCountAtTheirChangelogsStoredBytesPerRecord() {
    ChangelogSizes sizes = new ChangelogSizes(Map.of(
        "app-vectors-changelog", new ChangelogSizes.Size(4, 20_600), // 5,150 bytes per record
        "app-triplets-changelog", new ChangelogSizes.Size(3, 150),   // 50
        "app-empty-changelog", new ChangelogSizes.Size(0, 0)));

    assertThat(sizes.topics().get("app-vectors-changelog").bytesPerRecord()).isEqualTo(5150.0);
    // 2 x 5,150 + 10 x 50
    assertThat(sizes.bytesOf(Map.of("app-vectors-changelog", 2L, "app-triplets-changelog", 10L))).isEqualTo(10_800);
    // a changelog with no records now (or one not seen) contributes nothing
    assertThat(sizes.bytesOf(Map.of("app-empty-changelog", 7L, "app-other-changelog", 3L))).isZero();
  }
}
