package io.alignstream.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class ErrorTextTest {

  @Test
  void aFailureWithoutMessageIsNamedByItsClass() {
    // java.net.http reports a refused connection as a ConnectException with no message
    assertThat(ErrorText.describe(new ConnectException())).isEqualTo("ConnectException");
  }

  @Test
  void causesAddWhatTheMessageDoesNotSayAlready() {
    IOException disk = new IOException("disk full");
    RuntimeException wrapped = new RuntimeException("cannot write part 3", new IllegalStateException("flush failed", disk));
    assertThat(ErrorText.describe(wrapped))
        .isEqualTo("cannot write part 3 (IllegalStateException: flush failed) (IOException: disk full)");
    assertThat(ErrorText.describe(new RuntimeException(disk))).isEqualTo("java.io.IOException: disk full");
  }
}
