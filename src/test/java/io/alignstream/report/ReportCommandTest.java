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

  @Test
  void aPublishedFileThatCannotBeReadIsOneErrorLineNamingTheLine(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("report.json");
    new ObjectMapper().writeValue(json.toFile(), ContractReport.build(3));
    String[][] cases = {
        {"model,zero_shot,source\nx,0.5,paper\n", ":1: unknown column 'zero_shot'"},
        {"model,zero_shot_accuracy\nx,0.5\n", ":1: no 'source' column"},
        {"model,zero_shot_accuracy,source\nx,61,paper\n", ":2: zero_shot_accuracy 61 is not a fraction in [0, 1]"},
        {"model,zero_shot_accuracy,source\nx,0.5,paper\ny,,paper\n", ":3: y has neither"},
        {"model,zero_shot_accuracy,source\nx,0.5,\n", ":2: every row needs a model and a source"},
        {"model,probed_accuracy,probed_ci_low,source\nx,0.5,0.4,paper\n", ":2: probed_ci_low and probed_ci_high"},
        {"model,probed_accuracy,probed_ci_low,probed_ci_high,source\nx,0.5,0.55,0.6,paper\n",
            ":2: probed_accuracy 0.5 lies outside its interval"},
        {"model,zero_shot_accuracy,source\n", "no rows below the header"},
        {"model,zero_shot_accuracy,source\nx,0.5,paper,extra\n", ":2: "},
    };
    for (String[] c : cases) {
      Path published = Files.writeString(dir.resolve("published.csv"), c[0]);
      CommandRun report = run("report", "--from-json", json.toString(), "--published", published.toString(), "--out",
          dir.resolve("out").toString(), "--no-png");
      assertThat(report.code()).as(c[0]).isEqualTo(2);
      assertThat(report.err()).as(c[0]).startsWith("error: " + published).contains(c[1]).hasLineCount(1);
    }
    CommandRun missing = run("report", "--from-json", json.toString(), "--published", dir.resolve("no.csv").toString(),
        "--out", dir.resolve("out").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("no.csv: no such file").hasLineCount(1);
  }
}
