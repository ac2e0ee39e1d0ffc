package io.alignstream.report;

import static io.alignstream.CommandRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.CommandRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code alignstream report --from-json}: the folder from a good report, one error line for a bad one. */
class ReportCommandTest {

  @Test
  void writesTheFolderFromADemoReport(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("report.json");
    new ObjectMapper().writeValue(json.toFile(), ContractReport.build(3));

    CommandRun report = run("report", "--from-json", json.toString(), "--out", dir.resolve("out").toString(),
        "--no-png");

    assertThat(report.code()).isZero();
    ReportCheck.assertMatches(dir.resolve("out"), ReportCheck.json(json));
  }

  @Test
  void aMissingOrMalformedReportIsOneErrorLineAndExitTwo(@TempDir Path dir) throws Exception {
    CommandRun missing = run("report", "--from-json", dir.resolve("nope.json").toString(), "--out", dir.toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).startsWith("error: ").contains("nope.json: no such file").hasLineCount(1);

    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"settings\": [");
    CommandRun malformed = run("report", "--from-json", broken.toString(), "--out", dir.toString());
    assertThat(malformed.code()).isEqualTo(2);
    assertThat(malformed.err()).startsWith("error: ").contains("broken.json is not JSON").hasLineCount(1);

    Path badRow = Files.writeString(dir.resolve("bad-row.json"), "{\"settings\": [{\"setting\": \"m|L|0|NONE\"}]}");
    CommandRun noAccuracy = run("report", "--from-json", badRow.toString(), "--out", dir.toString());
    assertThat(noAccuracy.code()).isEqualTo(2);
    assertThat(noAccuracy.err()).contains("result for 'm|L|0|NONE' has no number 'accuracy'");
  }
}
