package io.alignstream.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.alignstream.Alignstream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code alignstream report --from-json}: the folder from a good report, one error line for a bad one. */
class ReportCommandTest {

  @Test
  void writesTheFolderFromADemoReport(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("report.json");
    new ObjectMapper().writeValue(json.toFile(), ContractReport.build(3));

    int exit = run(new StringWriter(), "report", "--from-json", json.toString(), "--out", dir.resolve("out").toString(),
        "--no-png");

    assertThat(exit).isZero();
    ReportCheck.assertMatches(dir.resolve("out"), ReportCheck.json(json));
  }

  @Test
  void aMissingOrMalformedReportIsOneErrorLineAndExitTwo(@TempDir Path dir) throws Exception {
    StringWriter missing = new StringWriter();
    assertThat(run(missing, "report", "--from-json", dir.resolve("nope.json").toString(), "--out", dir.toString()))
        .isEqualTo(2);
    assertThat(missing.toString()).startsWith("error: ").contains("nope.json: no such file").hasLineCount(1);

    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"settings\": [");
    StringWriter malformed = new StringWriter();
    assertThat(run(malformed, "report", "--from-json", broken.toString(), "--out", dir.toString())).isEqualTo(2);
    assertThat(malformed.toString()).startsWith("error: ").contains("broken.json is not JSON").hasLineCount(1);

    Path badRow = Files.writeString(dir.resolve("bad-row.json"), "{\"settings\": [{\"setting\": \"m|L|0|NONE\"}]}");
    StringWriter noAccuracy = new StringWriter();
    assertThat(run(noAccuracy, "report", "--from-json", badRow.toString(), "--out", dir.toString())).isEqualTo(2);
    assertThat(noAccuracy.toString()).contains("result for 'm|L|0|NONE' has no number 'accuracy'");
  }

  private static int run(StringWriter err, String... args) {
    CommandLine cli = Alignstream.commandLine(args);
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }
}
