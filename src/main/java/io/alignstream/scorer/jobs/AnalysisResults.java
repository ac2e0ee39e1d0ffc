package io.alignstream.scorer.jobs;

import io.alignstream.common.Digests;
import io.alignstream.schema.DimensionFit;
import io.alignstream.schema.ProbeFoldResult;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import io.alignstream.scorer.analysis.DimensionRegression;
import io.alignstream.scorer.analysis.LinearProbe;
import io.alignstream.scorer.analysis.ProbeFold;
import io.alignstream.scorer.analysis.ProbeReport;
import io.alignstream.scorer.analysis.RegressionConfig;
import io.alignstream.scorer.analysis.RegressionReport;
import io.alignstream.scorer.state.AnalysisInputs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs the analysis engines on a setting's inputs and turns their reports into the published
 * records. {@code cancelled} stops a job whose task or scorer closed (the engines then throw
 * CancellationException); a job is never cancelled for newer inputs, so results keep coming
 * while data stream in.
 */
public final class AnalysisResults {

  private AnalysisResults() {}

  public static ProbeResult probe(AnalysisInputs inputs, AnalysisConfig config, BooleanSupplier cancelled) {
    ProbeReport report = LinearProbe.run(inputs.features(), inputs.triplets(), config.probe(), cancelled);
    List<Double> accuracies = new ArrayList<>();
    List<ProbeFoldResult> folds = new ArrayList<>();
    long heldOut = 0;
    long epochs = 0;
    for (ProbeFold fold : report.folds()) {
      accuracies.add(fold.probeAccuracy());
      heldOut += fold.testTriplets();
      epochs += fold.epochs();
      folds.add(ProbeFoldResult.newBuilder()
          .setFold(fold.fold())
          .setTrainTriplets(fold.trainTriplets())
          .setTestTriplets(fold.testTriplets())
          .setProbeAccuracy(fold.probeAccuracy())
          .setZeroShotAccuracy(fold.zeroShotAccuracy())
          .setCrossEntropy(fold.crossEntropy())
          .setEpochs(fold.epochs())
          .build());
    }
    return ProbeResult.newBuilder()
        .setSetting(inputs.setting())
        .setFolds(folds.size())
        .setFoldAccuracies(accuracies)
        .setMeanAccuracy(report.meanProbeAccuracy())
        .setLambda(report.lambda())
        .setHeldOutTriplets(heldOut)
        .setObjects(inputs.objects())
        .setEpochs(folds.isEmpty() ? 0 : Math.round((float) epochs / folds.size()))
        .setUpdatedAt(Instant.ofEpochMilli(Math.max(0, inputs.updatedAt())))
        .setMeanZeroShotAccuracy(report.meanZeroShotAccuracy())
        .setFoldResults(folds)
        .setTriplets(inputs.triplets().length)
        .setItemsReferenced(inputs.itemsReferenced())
        .setInputsDigest(inputs.digest())
        .build();
  }

  /**
   * Regresses the targets from the features of the objects that have both, and scores the
   * predicted embedding on the triplets among those objects.
   */
  public static RegressionResult regression(AnalysisInputs inputs, AnalysisConfig config, BooleanSupplier cancelled) {
    HumanTargets targets = config.targets();
    int[] rowOf = new int[inputs.objects()];
    List<float[]> features = new ArrayList<>();
    List<float[]> values = new ArrayList<>();
    for (int r = 0; r < inputs.objects(); r++) {
      float[] target = targets.row(inputs.items()[r]);
      rowOf[r] = target == null ? -1 : features.size();
      if (target != null) {
        features.add(inputs.features()[r]);
        values.add(target);
      }
    }
    List<int[]> triplets = new ArrayList<>();
    for (int[] t : inputs.triplets()) {
      if (rowOf[t[0]] >= 0 && rowOf[t[1]] >= 0 && rowOf[t[2]] >= 0) {
        triplets.add(new int[] {rowOf[t[0]], rowOf[t[1]], rowOf[t[2]]});
      }
    }
    RegressionConfig recipe = config.regression();
    RegressionReport report = DimensionRegression.run(features.toArray(new float[0][]), values.toArray(new float[0][]),
        targets.labels(), triplets.toArray(new int[0][]), recipe, cancelled);
    List<DimensionFit> dimensions = report.dimensions().stream().map(d -> DimensionFit.newBuilder()
        .setDimension(d.index())
        .setLabel(d.label())
        .setR2(d.r2())
        .setAlpha(d.alpha())
        .build()).toList();
    return RegressionResult.newBuilder()
        .setSetting(inputs.setting())
        .setTarget(targets.name())
        .setDimensions(dimensions)
        .setMeanR2(report.meanR2())
        .setOuterFolds(recipe.outerFolds())
        .setObjects(report.objects())
        .setUpdatedAt(Instant.ofEpochMilli(Math.max(0, inputs.updatedAt())))
        .setPredictedOooa(report.predictedOooa())
        .setHeldOutTriplets(report.heldOutTriplets())
        .setTriplets(inputs.triplets().length)
        .setItemsReferenced(inputs.itemsReferenced())
        .setInputObjects(inputs.objects())
        .setInputsDigest(regressionDigest(inputs, targets))
        .build();
  }

  /** The regression's inputs are the setting's inputs and the targets. */
  public static String regressionDigest(AnalysisInputs inputs, HumanTargets targets) {
    return Digests.sha256Hex(inputs.digest() + "\n" + targets.digest());
  }
}
